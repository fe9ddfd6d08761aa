import Testing
import LedgerCore
import TestSupport

/// Rules decide, read models report: the rules write no read model (`hist/`, `stat/`, `lb/`,
/// `totals`), and what the read models get comes back as effects, which `Projection` writes.
/// (`RuleHarness` refuses a rule's write of a read model, so every rule test checks the first.)
@Suite struct EffectTests {
    @Test func aTripGivesItsHistoryLineStatisticsAndTotalsAsEffects() throws {
        let c = try City()
        let seq = try c.h.submit([City.trip("p-1", "metro", amount: 10_000, from: 0, to: 30, ref: "m-1")], by: c.metro)
        #expect(!c.h.lastRuleWrites.isEmpty && !c.h.lastRuleWrites.contains(where: RuleHarness.isReadModel), "\(c.h.lastRuleWrites)")
        // 10 km at 48 mg/m is 480 g, within the 5 kg daily cap; 2 points a trip and 1 per 100 g.
        let line = CanonicalJSON.encode(["credited_mg": 480_000, "event": "behaviour.report", "points": 6, "qualitative_mg": 0, "scenario": "metro"])
        let counters = ["behaviours": Int64(1), "credited_mg": 480_000, "qualitative_mg": 0, "points": 6, "capped_mg": 0]
        #expect(c.h.lastEffects.count == 4)
        #expect(c.h.lastEffects.first == .credited(day: "20261121", account: "p-1", scenario: "metro", platform: "szmetro", region: "440305", mg: 480_000, behaviours: 1))
        #expect(c.h.lastEffects.dropFirst().first == .history(seq: seq, account: "p-1", line: line))
        guard case .stats(let day, let region, let scenario, let deltas)? = c.h.lastEffects.dropFirst(2).first else {
            Issue.record("no statistics effect: \(c.h.lastEffects)"); return
        }
        #expect(day == "20261121" && region == "440305" && scenario == "metro")
        #expect(Dictionary(deltas.map { ($0.counter, $0.amount) }, uniquingKeysWith: +) == counters)
        #expect(c.h.lastEffects.last == .totals([.init("behaviours", 1), .init("credited_mg", 480_000), .init("qualitative_mg", 0), .init("points_earned", 6)]))
        // Projected where SPEC.md section 10 keeps them.
        #expect(c.h.get(Projection.historyPath(seq: seq, account: "p-1")).map(CanonicalJSON.encode) == line)
        #expect(c.h.get("stat/20261121/440305/metro")?["credited_mg"]?.intValue == 480_000 && c.h.get("totals")?["behaviours"]?.intValue == 1)
        #expect(c.h.get("lb/20261121/p-1/metro/szmetro/440305") == ["behaviours": 1, "credited_mg": 480_000])
        // Its reversal takes it away from the leaderboard's read model.
        _ = try c.h.submit([["type": "behaviour.reverse", "seq": .int(Int64(seq)), "reason": "refunded"]], by: c.metro)
        #expect(c.h.lastEffects.contains(.credited(day: "20261121", account: "p-1", scenario: "metro", platform: "szmetro", region: "440305", mg: -480_000, behaviours: -1)))
        #expect(c.h.get("lb/20261121/p-1/metro/szmetro/440305") == ["behaviours": 0, "credited_mg": 0])
    }
}

extension EffectTests {
    /// The harness's check is a real one: a read model written through the overlay is refused.
    @Test func theHarnessRefusesARuleStateWriteOfAReadModel() {
        #expect(RuleHarness.isReadModel("hist/0000000000/p-1/0000000000000001") && RuleHarness.isReadModel("totals")
                && RuleHarness.isReadModel("stat/20261121/440305/metro") && RuleHarness.isReadModel("lb/20261121/p-1/metro/szmetro/440305"))
        #expect(!RuleHarness.isReadModel("acct/p-1") && !RuleHarness.isReadModel("beh/0000000000000001") && !RuleHarness.isReadModel("totalsx"))
    }
}
