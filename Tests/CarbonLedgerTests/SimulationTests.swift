import Foundation
import Testing
import LedgerCore
import LedgerDemo
import LedgerStore
@testable import CarbonLedger
import TestSupport

/// Deterministic simulation: from one seed, the demo city and its market, then N random steps of
/// valid and invalid traffic and adversaries (forged signatures, replays, unknown and revoked
/// keys, cross-platform double reports, double spends, other holders' units), every invariant
/// checked after every step. Keys and the clock come from the seed, so two runs with the same
/// seed produce the same log byte for byte. Steps: CARBONLEDGER_SIM_STEPS (default 150); seed:
/// CARBONLEDGER_SIM_SEED; the long run is `Tests/Stress/simulate.sh --steps N`.
@Suite struct SimulationTests {
    static let steps = Int(ProcessInfo.processInfo.environment["CARBONLEDGER_SIM_STEPS"] ?? "") ?? 150
    static let seed = UInt64(ProcessInfo.processInfo.environment["CARBONLEDGER_SIM_SEED"] ?? "") ?? 7_000_003

    struct Outcome: Equatable {
        var outcomes: [String]
        var checkpoint: String
        var counts: [String: Int]
    }

    /// A simulated clock: one second per commit from a fixed instant.
    final class Clock: @unchecked Sendable {
        private let lock = NSLock()
        private var t = Timestamp(rfc3339: "2026-11-20T00:00:00.000Z")!
        func next() -> Timestamp {
            lock.lock(); defer { lock.unlock() }
            t = Timestamp(millisecondsSinceEpoch: t.millisecondsSinceEpoch + 1000)
            return t
        }
    }

    static func key(_ name: String, _ rng: inout SplitMix64) throws -> NoteSigningKey {
        try NoteSigningKey(name: name, privateKey: Ed25519PrivateKey(seed: (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }))
    }

    static func run(seed: UInt64, steps: Int, in dir: TempDir) throws -> Outcome {
        var rng = SplitMix64(seed: seed)
        let clock = Clock()
        let origin = "carbonledger.example/simulation"
        let registry = try key("registry", &rng)
        let ledger = try Ledger.create(directory: dir.sub("ledger"), origin: origin, key: registry, now: clock.next())
        var o = DemoCity.Options()
        o.residents = 40
        o.days = 2
        o.seed = seed
        let city = try DemoCity(origin: origin, admin: registry, options: o, endingBefore: Timestamp(rfc3339: "2026-11-19T16:00:00.000Z")!)
        let sequencer = try ledger.sequencer()
        let report = try DemoRunner(ledger: ledger, sequencer: sequencer, city: city, clock: clock.next).run()
        try Invariants.accounts(ledger)
        try Invariants.supply(ledger)

        let metro = city.platforms["szmetro"]!, bike = city.platforms["bikeshare"]!, gl = city.platforms["greenlife"]!
        let stranger = try key("stranger", &rng)
        let revoked = try key("revoked-metro", &rng)
        // A second metro key, registered and then revoked: its later submissions must all fail.
        for r in try sequencer.append([
            try Submission.Unsigned(events: [["type": "key.register", "key": .string(revoked.verifierKey.description), "actor": "szmetro",
                                               "roles": ["platform"], "scenarios": ["metro"], "regions": ["440300"]]]).signed(by: registry, origin: origin),
            try Submission.Unsigned(events: [["type": "key.revoke", "key": .string(revoked.verifierKey.description), "reason": "lost phone"]])
                .signed(by: registry, origin: origin),
        ], now: clock.next()) { _ = try r.get() }

        let batches = report.batches.map(\.batch)
        let holders = ["prj-szmetro", "prj-bikeshare", "e-byd", "e-tencent", "e-sz-marathon"]
        var accepted: [Submission] = [], reports: [UInt64] = []
        var outcomes: [String] = [], counts: [String: Int] = [:]
        for step in 0..<steps {
            let r = Int.random(in: 0..<42, using: &rng)  // 40 and 41 are not open
            let account = DemoCity.resident(r)
            let start = city.firstDay + Int64.random(in: 0..<(2 * 1440), using: &rng) * 60_000
            let minutes = Int64.random(in: 1...90, using: &rng)
            func report(_ scenario: String, _ amount: Int64) -> JSONValue {
                ["type": "behaviour.report", "account": .string(account), "scenario": .string(scenario), "region": .string(DemoCity.district(r)),
                 "amount": .int(amount), "start": .string(Timestamp(millisecondsSinceEpoch: start).rfc3339),
                 "end": .string(Timestamp(millisecondsSinceEpoch: start + minutes * 60_000).rfc3339),
                 "source_ref": .string("sim-\(Int.random(in: 0..<300, using: &rng))")]
            }
            func signed(_ events: [JSONValue], _ key: NoteSigningKey) throws -> Submission {
                try Submission.Unsigned(events: events).signed(by: key, origin: origin)
            }
            let sub: Submission
            switch Int.random(in: 0..<20, using: &rng) {
            case 0...3: sub = try signed([report("metro", Int64.random(in: 0...150_000, using: &rng))], metro)
            case 4: sub = try signed([report("bus", Int64.random(in: 1...3, using: &rng))], gl)  // often overlaps a metro trip
            case 5...6: sub = try signed([report("bike", Int64.random(in: 0...9_000, using: &rng))], [bike, gl][Int.random(in: 0...1, using: &rng)])
            case 7:
                let target = reports.randomElement(using: &rng) ?? UInt64(Int.random(in: 0...900, using: &rng))
                sub = try signed([["type": "behaviour.reverse", "seq": .int(Int64(target)), "reason": "audit"]], [metro, bike, gl][Int.random(in: 0...2, using: &rng)])
            case 8: sub = try signed([["type": "points.redeem", "account": .string(account), "points": .int(Int64.random(in: 1...60, using: &rng)), "reward": "ticket", "ref": "x"]], metro)
            case 9: sub = try signed([["type": "donation", "account": .string(account), "to": .string(DemoCity.welfare), "amount_mg": .int(Int64.random(in: 1...3_000_000, using: &rng))]], gl)
            case 10...12:
                let batch = batches.randomElement(using: &rng)!
                let from = holders.randomElement(using: &rng)!
                let held = try ledger.holdings(from, batch: batch)
                if Bool.random(using: &rng) {
                    let to = holders.filter { $0 != from }.randomElement(using: &rng)!
                    sub = try city.sign(["type": "units.transfer", "batch": .string(batch), "from": .string(from), "to": .string(to),
                                         "units": .int(Int64.random(in: 1...40, using: &rng))], by: Int.random(in: 0..<4, using: &rng) == 0 ? "szex" : from)
                } else {
                    let (lo, hi): (Int64, Int64)
                    if let b = held.randomElement(using: &rng), Bool.random(using: &rng) {
                        let a = Int64.random(in: b.0...b.1, using: &rng)
                        (lo, hi) = (a, min(b.1, a + Int64.random(in: 0...10, using: &rng)))
                    } else {
                        let a = Int64.random(in: 1...150, using: &rng)
                        (lo, hi) = (a, a + Int64.random(in: 0...5, using: &rng))
                    }
                    sub = try city.sign(["type": "units.retire", "retirement": .string("sim-\(step)"), "batch": .string(batch), "account": .string(from),
                                         "ranges": [[.int(lo), .int(hi)]], "units": .int(hi - lo + 1), "beneficiary": "someone", "purpose": "voluntary",
                                         "reason": "simulation", "jurisdiction": "CN-44", "period_from": "20260101", "period_to": "20261231"], by: from)
                }
            // Adversaries.
            case 13:
                let s = try signed([report("metro", 5_000)], metro)
                var sig = s.signature
                sig[Int.random(in: 0..<64, using: &rng)] ^= 0x20
                sub = Submission(unsigned: try Submission.Unsigned(events: s.events), signer: s.signer, signature: sig)
            case 14: sub = try accepted.randomElement(using: &rng) ?? signed([report("metro", 1)], stranger)
            case 15: sub = try signed([report("metro", 7_000)], stranger)
            case 16: sub = try signed([report("metro", 7_000)], revoked)
            case 17: sub = try signed([report("walking", 3_000)], bike)  // out of the bike platform's scope
            case 18: sub = try signed([["type": "methodology.register", "id": "fake", "version": 1, "title": "fake", "scenario": "metro", "region": "440300",
                                        "unit": "m", "kind": "quantitative", "factor_mg": 10_000, "valid_from": "2026-01-01T00:00:00.000Z"]], metro)  // not an admin
            default:
                // A valid signature over altered events.
                let s = try signed([report("bike", 2_000)], bike)
                sub = Submission(unsigned: try Submission.Unsigned(events: [report("bike", 200_000)]), signer: s.signer, signature: s.signature)
            }
            let outcome: String
            switch try sequencer.append([sub], now: clock.next())[0] {
            case .success(let rec):
                accepted.append(sub)
                if sub.events[0]["type"] == "behaviour.report" { reports.append(rec.firstSeq) }
                outcome = "ok \(sub.events[0]["type"]!.stringValue!) @\(rec.firstSeq)"
                counts["ok \(sub.events[0]["type"]!.stringValue!)", default: 0] += 1
            case .failure(let v):
                outcome = v.id
                counts[v.id, default: 0] += 1
            }
            outcomes.append(outcome)
            try Invariants.accounts(ledger)
            try Invariants.supply(ledger)
        }
        let cp = try ledger.info().checkpoint
        return Outcome(outcomes: outcomes, checkpoint: cp, counts: counts)
    }

    @Test func seededSimulationKeepsEveryInvariantAndReplaysIdentically() throws {
        let a = try Self.run(seed: Self.seed, steps: Self.steps, in: TempDir())
        let dirB = TempDir()
        let b = try Self.run(seed: Self.seed, steps: Self.steps, in: dirB)
        #expect(a.outcomes == b.outcomes, "the same seed took different paths")
        #expect(a.checkpoint == b.checkpoint, "the same seed produced different logs:\n\(a.checkpoint)\n\(b.checkpoint)")
        // The adversaries were all refused, each for its own reason, and valid traffic got through.
        for rule in ["submission.signature", "submission.replay", "auth.unknown_key", "auth.revoked", "auth.scope", "auth.role"] {
            #expect(a.counts[rule, default: 0] > 0 || Self.steps < 100, "no \(rule) in \(a.counts)")
        }
        #expect(a.counts.keys.filter { $0.hasPrefix("ok ") }.count >= 3, "\(a.counts)")
        // The log verifies: hashes, signatures, every rule re-run, projections equal to a replay.
        let ledger = try Ledger(directory: dirB.sub("ledger"))
        _ = try Verifier(store: ledger.store).verify()
        // Another seed takes another path.
        let c = try Self.run(seed: Self.seed &+ 1, steps: min(Self.steps, 40), in: TempDir())
        #expect(c.checkpoint != a.checkpoint)
        print("simulation: seed=\(Self.seed) steps=\(Self.steps) identical_replay=\(a == b) outcomes=\(a.counts.sorted { $0.key < $1.key })")
    }
}
