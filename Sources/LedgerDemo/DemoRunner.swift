import Foundation
import LedgerCore
import CarbonLedger
import LedgerStore

/// Runs the demo city against a ledger: setup, the days of behaviour, reversals, redemptions,
/// donations, then the project path (requests, verification, issuance, sales, retirements, a
/// refused double spend, a certificate). Each step reads what it needs from the ledger.
public struct DemoRunner {
    public let ledger: Ledger
    public let sequencer: Sequencer
    public let city: DemoCity

    /// What happened (a reference: every step adds to it).
    public final class Report: @unchecked Sendable {
        public var submissions = 0
        public var events = 0
        public var refused: [String: Int] = [:]
        public var refusedMessages: [String] = []
        public var batches: [(batch: String, units: Int64)] = []
        public var retirements: [String] = []
        public var certificateRetirement: String?
    }

    /// The commit time of each append: the wall clock, or a simulated one so that a run is
    /// reproducible byte for byte (entries carry their commit time).
    public let clock: @Sendable () -> Timestamp

    public init(ledger: Ledger, sequencer: Sequencer, city: DemoCity, clock: @escaping @Sendable () -> Timestamp = { .now() }) {
        self.ledger = ledger; self.sequencer = sequencer; self.city = city; self.clock = clock
    }

    public func run() throws -> Report {
        let report = Report()
        // Refusals are part of the story (counted in the report), so callers may ignore results
        // (`_ =`: @discardableResult does not apply to local functions).
        func append(_ subs: [Submission]) throws -> [Result<AppendReceipt, RuleViolation>] {
            let results = try sequencer.append(subs, now: clock())
            for r in results {
                switch r {
                case .success(let rec): report.events += rec.count; report.submissions += 1
                case .failure(let v):
                    report.refused[v.id, default: 0] += 1
                    if v.rule != .behaviourDoubleCounted || report.refusedMessages.count < 1 { report.refusedMessages.append("\(v)") }
                }
            }
            return results
        }
        func mustAppend(_ subs: [Submission]) throws {
            for r in try append(subs) { _ = try r.get() }
        }
        try mustAppend(try city.setup())
        var lastDayMetro: [UInt64] = []
        for d in 0..<city.options.days {
            let subs = try city.day(d)
            let results = try append(subs)
            if d == city.options.days - 1, case .success(let first)? = results.first, subs.first?.events.first?["scenario"] == "metro" {
                lastDayMetro = stride(from: first.firstSeq, through: first.lastSeq, by: 40).map { $0 }
            }
        }
        _ = try append(try city.reversals(of: Array(lastDayMetro.prefix(25))))
        let residents = city.options.residents
        _ = try append(try city.redemptions(metroPoints: try (0..<residents).map { ($0, try ledger.pointsBalance(DemoCity.resident($0), platform: "szmetro")) }))
        _ = try append(try city.donations(available: try (0..<residents).map { ($0, try ledger.availableMg(DemoCity.resident($0))) }))
        try market(report, append: append)
        return report
    }

    private func market(_ report: Report, append: ([Submission]) throws -> [Result<AppendReceipt, RuleViolation>]) throws {
        for r in try append(try city.marketSetup()) { _ = try r.get() }
        let (from, to) = city.period
        let vintage = String(to.prefix(4))
        for (n, (project, _, platform, _)) in DemoCity.projects.enumerated() {
            let request = "rq-\(project)-\(to)"
            guard case .success = try append([try city.sign(["type": "issuance.request", "request": .string(request), "project": .string(project),
                                                             "period_from": .string(from), "period_to": .string(to)], by: platform)])[0] else { continue }
            let req = try ledger.state("req/\(request)")!
            let root = req["root"]!, total = req["total_mg"]!.intValue!
            // The verifier approves what its audit confirms: all of it here.
            _ = try append([try city.sign(["type": "issuance.verify", "request": .string(request), "decision": "approve", "amount_mg": .int(total),
                                       "report_hash": .string(SHA256Context().hash(Array("CQC audit report \(request)".utf8)).hex),
                                       "lineage_root": root], by: "cqc")])
            let batch = "\(to.prefix(6))-b\(n + 1)"
            let units = total / 1_000_000
            _ = try append([try city.sign(["type": "issuance.issue", "request": .string(request), "project": .string(project), "batch": .string(batch),
                                       "vintage": .string(vintage), "region": "440300", "units": .int(units), "lineage_root": root], by: "sz-eeb")])
            report.batches.append((batch, units))
        }
        guard let (batch, units) = report.batches.first, units >= 10 else { return }
        // The exchange sells the metro project's units: 30% to BYD, 20% to Tencent, 10% to the
        // marathon, at Guangzhou's 40 yuan a tonne (4 fen a unit of 1 kg); the marathon's are given.
        for (buyer, share, fenPerUnit) in [("e-byd", 30, Int64(4)), ("e-tencent", 20, 4), ("e-sz-marathon", 10, nil)] {
            let n = max(1, units * Int64(share) / 100)
            var transfer: JSONObject = ["type": "units.transfer", "batch": .string(batch), "from": "prj-szmetro", "to": .string(buyer), "units": .int(n)]
            if let fen = fenPerUnit { transfer["price"] = ["amount": .int(n * fen), "currency": "CNY"] }
            _ = try append([try city.sign(.object(transfer), by: "szex")])
        }
        func prefix(_ account: String, _ n: Int64) throws -> [JSONValue] {
            var out: [JSONValue] = [], need = n
            for (lo, hi) in try ledger.holdings(account, batch: batch) where need > 0 {
                let take = min(need, hi - lo + 1)
                out.append([.int(lo), .int(lo + take - 1)])
                need -= take
            }
            return out
        }
        func retire(_ id: String, _ account: String, _ n: Int64, _ fields: JSONObject) throws -> JSONValue {
            var o = fields
            o["type"] = "units.retire"; o["retirement"] = .string(id); o["batch"] = .string(batch); o["account"] = .string(account)
            o["ranges"] = .array(try prefix(account, n)); o["units"] = .int(n)
            o["jurisdiction"] = "CN-44"; o["period_from"] = .string("\(vintage)0101"); o["period_to"] = .string("\(vintage)1231")
            return .object(o)
        }
        let byd = max(1, units * 30 / 100), marathon = max(1, units * 10 / 100), tencent = max(1, units * 20 / 100) / 2
        // The marathon states its footprint (small, like the city), and its retirement counts toward it.
        let footprint = "sz-marathon-\(vintage)"
        _ = try append([try city.sign(["type": "footprint.register", "footprint": .string(footprint), "title": .string("Shenzhen Marathon \(vintage)"),
                                       "amount_kg": 10, "period_from": .string("\(vintage)1206"), "period_to": .string("\(vintage)1206"),
                                       "account": "e-sz-marathon"], by: "sz-eeb-admin")])
        let retirements: [(String, String, Int64, JSONObject)] = [
            ("ret-byd-\(vintage)", "e-byd", byd / 2, ["beneficiary": "BYD Company Limited", "beneficiary_account": "e-byd", "purpose": "compliance",
                                                     "reason": .string("Guangdong ETS \(vintage) compliance offset"),
                                                     "compliance": ["scheme": "guangdong-ets", "year": .int(Int64(vintage)!)]]),
            // Shenzhen units are not Hubei's: refused (compliance.eligibility).
            ("ret-byd-hubei-\(vintage)", "e-byd", 1, ["beneficiary": "BYD Company Limited", "beneficiary_account": "e-byd", "purpose": "compliance",
                                                     "reason": .string("Hubei ETS \(vintage) compliance offset"),
                                                     "compliance": ["scheme": "hubei-ets", "year": .int(Int64(vintage)!)]]),
            ("ret-marathon-\(vintage)", "e-sz-marathon", marathon, ["beneficiary": .string("Shenzhen Marathon \(vintage)"), "purpose": "event",
                                                                    "footprint": .string(footprint),
                                                                    "reason": "Carbon neutrality of the Shenzhen Marathon's travel and operations"]),
            ("ret-tencent-\(vintage)", "e-tencent", tencent, ["beneficiary": "Tencent employees' commuting", "purpose": "voluntary",
                                                              "reason": "Voluntary offset of staff commuting"]),
        ]
        // The competent authority states BYD's allowance; the company only names its scheme.
        for scheme in ["guangdong-ets", "hubei-ets"] {
            _ = try append([try city.sign(["type": "compliance.allowance", "company": "e-byd", "scheme": .string(scheme), "year": .int(Int64(vintage)!),
                                           "allowance_t": 120_000, "gap_t": 800], by: "gd-dee")])
        }
        for (id, account, n, fields) in retirements {
            let event = try retire(id, account, n, fields)
            if case .success = try append([try city.sign(event, by: account)])[0] { report.retirements.append(id) }
        }
        // The marathon tries to retire one of its retired serials again: a double spend, refused.
        if let id = report.retirements.first(where: { $0.hasPrefix("ret-marathon") }), let ret = try ledger.state("ret/\(id)"),
           let lo = ret["ranges"]?.arrayValue?.first?.arrayValue?.first?.intValue {
            var again = try retire("\(id)-again", "e-sz-marathon", 1, ["beneficiary": "Shenzhen Marathon", "purpose": "event", "reason": "retired again"]).objectValue!
            again["ranges"] = [[.int(lo), .int(lo)]]
            again["units"] = 1
            _ = try append([try city.sign(.object(again), by: "e-sz-marathon")])
        }
        report.certificateRetirement = report.retirements.first(where: { $0.hasPrefix("ret-marathon") }) ?? report.retirements.first
        try recoverTencentsKey(append)
    }

    /// Tencent's treasury loses its holder key. An admin alone cannot give the account a new one
    /// (the takeover issue 21 found: refused); a recovery proposed by the registry's admin and
    /// approved by the environment bureau's admin can, and revokes the lost key.
    func recoverTencentsKey(_ append: ([Submission]) throws -> [Result<AppendReceipt, RuleViolation>]) throws {
        // Deterministic keys, so the demo stays reproducible byte for byte.
        func key(_ name: String) throws -> NoteSigningKey {
            try NoteSigningKey(name: name, privateKey: Ed25519PrivateKey(seed: Array(SHA256Context().hash(Array("demo \(name)".utf8)).bytes)))
        }
        let adminMade = try key("e-tencent-admin-made"), recovered = try key("e-tencent-recovered")
        _ = try append([try city.sign([["type": "key.register", "key": .string(adminMade.verifierKey.description), "actor": "e-tencent",
                                        "roles": ["holder"], "scenarios": ["*"], "regions": ["*"]]], by: city.admin)])
        _ = try append([try city.sign([["type": "key.recover", "proposal": "rec-e-tencent-1", "account": "e-tencent",
                                        "key": .string(recovered.verifierKey.description),
                                        "reason": "treasury HSM failed; Tencent's officers re-verified in person at the registry"]], by: city.admin)])
        _ = try append([try city.sign(["type": "key.recover.approve", "proposal": "rec-e-tencent-1", "decision": "approve"], by: "sz-eeb-admin")])
    }
}
