import Foundation
import Testing
import LedgerCore
import LedgerDemo
import LedgerStore
@testable import CarbonLedger
import TestSupport

/// The project path on a real ledger: certificates resist every edit, random lifecycles keep the
/// supply exact, racing retirements of the same units let exactly one through.
@Suite struct MarketLedgerTests {
    static let origin = "carbonledger.example/shenzhen"

    /// A demo city with its market run (two batches, three retirements).
    func market(_ dir: TempDir, residents: Int = 150, days: Int = 2) throws -> (Ledger, Sequencer, DemoCity, DemoRunner.Report, NoteSigningKey) {
        let (ledger, city, registry) = try newDemoCity(dir, origin: Self.origin, residents: residents, days: days)
        let seq = try ledger.sequencer()
        let report = try DemoRunner(ledger: ledger, sequencer: seq, city: city).run()
        return (ledger, seq, city, report, registry)
    }

    @Test func certificatesVerifyAndEveryEditFails() throws {
        let dir = TempDir()
        let (ledger, _, _, report, registry) = try market(dir)
        #expect(report.retirements.count == 3 && report.refused["units.double_spend"] == 1)
        let cert = try ledger.certificate(report.retirements[0])
        let key = registry.verifierKey
        let summary = try RetirementCertificate.verify(CanonicalJSON.encode(cert), key: key)
        #expect(summary["retirement"]?.stringValue == report.retirements[0])

        func mutated(_ path: [String], _ change: (JSONValue) -> JSONValue) -> JSONValue {
            func go(_ v: JSONValue, _ p: ArraySlice<String>) -> JSONValue {
                guard let k = p.first else { return change(v) }
                if let i = Int(k), var a = v.arrayValue { a[i] = go(a[i], p.dropFirst()); return .array(a) }
                var o = v.objectValue!
                o[k] = go(o[k]!, p.dropFirst())
                return .object(o)
            }
            return go(cert, path[...])
        }
        let bump: (JSONValue) -> JSONValue = { .int(($0.intValue ?? 0) + 1) }
        let text: (JSONValue) -> JSONValue = { .string(($0.stringValue ?? "") + "x") }
        let flipHex: (JSONValue) -> JSONValue = { v in
            let s = v.stringValue!
            return .string((s.first == "0" ? "1" : "0") + s.dropFirst())
        }
        var cases: [(String, JSONValue)] = [
            ("summary units", mutated(["summary", "units"], bump)),
            ("summary amount_t", mutated(["summary", "amount_t"], text)),
            ("summary beneficiary", mutated(["summary", "beneficiary"], text)),
            ("summary serials", mutated(["summary", "serials", "0"], text)),
            ("summary project", mutated(["summary", "project"], text)),
            ("summary vintage", mutated(["summary", "vintage"], text)),
            ("summary lineage root", mutated(["summary", "lineage_root"], flipHex)),
            ("summary checkpoint size", mutated(["summary", "checkpoint_size"], bump)),
            ("summary retirement seq", mutated(["summary", "retirement_seq"], bump)),
            ("retirement units", mutated(["retirement", "entry", "event", "units"], bump)),
            ("retirement beneficiary", mutated(["retirement", "entry", "event", "beneficiary"], text)),
            ("retirement ranges", mutated(["retirement", "entry", "event", "ranges", "0", "1"], bump)),
            ("retirement seq", mutated(["retirement", "entry", "seq"], bump)),
            ("issuance units", mutated(["issuance", "entry", "event", "units"], bump)),
            ("issuance lineage", mutated(["issuance", "entry", "event", "lineage_root"], flipHex)),
            ("retirement proof hash", mutated(["retirement", "hashes", "0"], flipHex)),
            ("issuance proof hash", mutated(["issuance", "hashes", "0"], flipHex)),
            ("retirement proof truncated", mutated(["retirement", "hashes"]) { .array(Array($0.arrayValue!.dropLast())) }),
            ("leaf hash", mutated(["retirement", "leaf_hash"], flipHex)),
            ("checkpoint signature", mutated(["checkpoint"]) { v in
                let s = v.stringValue!
                let i = s.index(s.endIndex, offsetBy: -10)
                return .string(s[..<i] + (s[i] == "A" ? "B" : "A") + s[s.index(after: i)...])
            }),
            ("checkpoint root", mutated(["checkpoint"]) { v in .string(v.stringValue!.replacingOccurrences(of: "\n\(try! ledger.info().size)\n", with: "\n\(try! ledger.info().size + 1)\n")) }),
        ]
        // An attacker who edits the entry and recomputes its leaf hash still fails the inclusion proof.
        var edited = mutated(["retirement", "entry", "event", "beneficiary"], text)
        let e = try Entry.decode(CanonicalJSON.encode(edited["retirement"]!["entry"]!))
        edited = { var o = edited.objectValue!; var r = o["retirement"]!.objectValue!; r["leaf_hash"] = .string(MerkleHasher().leafHash(e.canonicalBytes).hex); o["retirement"] = .object(r); return .object(o) }()
        cases.append(("entry edited and leaf recomputed", edited))
        // Another batch's issuance does not back this retirement.
        let otherIssuance = try ledger.store.read { r in try Entry.decode(r.entryBytes(UInt64(try r.state("batch/\(report.batches[1].batch)")!["issued_seq"]!.intValue!))!) }
        cases.append(("swapped issuance", mutated(["issuance", "entry"]) { _ in try! JSONParser.parseCanonical(otherIssuance.canonicalBytes) }))
        for (name, doc) in cases {
            #expect(throws: ProofError.self, "\(name) was accepted") { _ = try RetirementCertificate.verify(CanonicalJSON.encode(doc), key: key) }
        }
        #expect(throws: ProofError.self) { _ = try RetirementCertificate.verify(CanonicalJSON.encode(cert), key: try NoteSigningKey.generate(name: registry.name).verifierKey) }
        #expect(cases.count >= 22)
    }

    @Test func randomLifecyclesKeepTheSupplyExactAndReplayEqual() throws {
        let dir = TempDir()
        let (ledger, seq, city, report, _) = try market(dir)
        let batches = report.batches.map(\.batch)
        let holders = ["prj-szmetro", "prj-bikeshare", "e-byd", "e-tencent", "e-sz-marathon"]
        var rng = SplitMix64(seed: 77)
        var outcomes: [String: Int] = [:]
        for round in 0..<80 {
            let batch = batches.randomElement(using: &rng)!
            let from = holders.randomElement(using: &rng)!
            let held = try ledger.holdings(from, batch: batch)
            let event: JSONValue
            let signer: String
            switch Int.random(in: 0..<10, using: &rng) {
            case 0...3:
                let to = holders.filter { $0 != from }.randomElement(using: &rng)!
                event = ["type": "units.transfer", "batch": .string(batch), "from": .string(from), "to": .string(to),
                         "units": .int(Int64.random(in: 1...60, using: &rng))]
                signer = Int.random(in: 0..<4, using: &rng) == 0 ? "szex" : from
            case 4...7:
                // Sometimes a held range, sometimes a random one (maybe retired, or someone else's).
                let (lo, hi): (Int64, Int64)
                if let b = held.randomElement(using: &rng), Bool.random(using: &rng) {
                    let a = Int64.random(in: b.0...b.1, using: &rng)
                    (lo, hi) = (a, min(b.1, a + Int64.random(in: 0...20, using: &rng)))
                } else {
                    let a = Int64.random(in: 1...150, using: &rng)
                    (lo, hi) = (a, a + Int64.random(in: 0...5, using: &rng))
                }
                event = ["type": "units.retire", "retirement": .string("r-\(round)"), "batch": .string(batch), "account": .string(from),
                         "ranges": [[.int(lo), .int(hi)]], "units": .int(hi - lo + 1), "beneficiary": "someone", "purpose": "voluntary",
                         "reason": "random", "jurisdiction": "CN-44", "period_from": "20260101", "period_to": "20261231"]
                signer = from
            default:
                guard let b = held.randomElement(using: &rng) else { continue }
                event = ["type": "units.cancel", "batch": .string(batch), "account": .string(from), "ranges": [[.int(b.0), .int(b.0)]], "units": 1, "reason": "audit"]
                signer = "admin"
            }
            let sub = signer == "admin" ? try Submission.Unsigned(events: [event]).signed(by: city.admin, origin: Self.origin) : try city.sign(event, by: signer)
            switch try seq.append([sub], now: .now())[0] {
            case .success: outcomes["ok \(event["type"]!.stringValue!)", default: 0] += 1
            case .failure(let v): outcomes[v.id, default: 0] += 1
            }
            try Invariants.supply(ledger)
        }
        print("random lifecycle outcomes: \(outcomes)")
        #expect(outcomes.keys.filter { $0.hasPrefix("ok ") }.count == 3, "\(outcomes)")
        #expect(outcomes["units.double_spend", default: 0] + outcomes["units.not_held", default: 0] > 0, "\(outcomes)")
        let v = try Verifier(store: ledger.store).verify()
        #expect(v.stateKeysCompared > 0)
    }

    @Test func racingRetirementsOfTheSameUnitsLetExactlyOneThrough() async throws {
        let dir = TempDir()
        let (ledger, seq, city, report, _) = try market(dir)
        let batch = report.batches[0].batch
        let block = try #require(try ledger.holdings("prj-szmetro", batch: batch).first)
        let committer = GroupCommitter(sequencer: seq)
        let subs = try (0..<24).map { i in
            try city.sign(["type": "units.retire", "retirement": .string("race-\(i)"), "batch": .string(batch), "account": "prj-szmetro",
                           "ranges": [[.int(block.0), .int(block.0 + 4)]], "units": 5, "beneficiary": .string("racer \(i)"), "purpose": "voluntary",
                           "reason": "race", "jurisdiction": "CN-44", "period_from": "20260101", "period_to": "20261231"], by: "prj-szmetro")
        }
        let results = await committer.race(subs)
        committer.shutdown()
        let won = results.filter { if case .success = $0 { return true }; return false }.count
        let doubleSpends = results.filter { if case .failure(let e) = $0, (e as? RuleViolation)?.id == "units.double_spend" { return true }; return false }.count
        #expect(won == 1 && doubleSpends == 23)
        try Invariants.supply(ledger)
        #expect(try ledger.retirements().filter { $0["id"]!.stringValue!.hasPrefix("race-") }.count == 1)
        _ = try Verifier(store: ledger.store).verify()
    }
}
