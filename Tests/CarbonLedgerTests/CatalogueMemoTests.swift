import Foundation
import Testing
import LedgerCore
import LedgerDemo
import LedgerStore
@testable import CarbonLedger
import TestSupport

/// A batch's overlay keeps what reports read of the catalogue between them (`CatalogueMemo`:
/// the methodologies a scenario in a region may use, a platform's points rule); a registration
/// in the batch, or one rolled back with its refused submission, must show in the next report.
@Suite struct CatalogueMemoTests {
    let race = ConcurrencyTests()

    @Test func aReportChoosesWithTheRegistrationsOfItsBatchAndNotThoseRolledBack() throws {
        let dir = TempDir()
        let (ledger, sequencer, city, resident) = try race.city(dir, platforms: "szmetro", "greenlife")
        // A key that registers methodologies and reports: a refused submission of it can
        // register one and choose it before it is rolled back.
        let hub = try NoteSigningKey.generate(name: "hub-key")
        for r in try sequencer.append([try city.sign([["type": "key.register", "key": .string(hub.verifierKey.description), "actor": "hub",
                                                       "roles": ["admin", "platform"], "scenarios": ["metro"], "regions": ["440300"]]], by: city.admin),
                                       try city.sign([["type": "consent.grant", "account": .string(resident), "platform": "hub",
                                                       "scenarios": ["*"], "aggregate": true]], by: hub)], now: .now()) {
            _ = try r.get()
        }
        let start = Timestamp(millisecondsSinceEpoch: Timestamp.now().millisecondsSinceEpoch - 6 * 3_600_000)
        func at(_ hour: Int64) -> Timestamp { Timestamp(millisecondsSinceEpoch: start.millisecondsSinceEpoch + hour * 3_600_000) }
        // Metro in 440304, 10 mg per metre: more specific than sz-metro's 440300 (48 mg per metre).
        let register: JSONValue = ["type": "methodology.register", "id": "hub-metro", "version": 1, "title": "Metro trips, district factor",
                                   "scenario": "metro", "region": "440304", "unit": "m", "kind": "quantitative", "factor_mg": 10,
                                   "valid_from": "2026-01-01T00:00:00.000Z"]
        let trip = { (ref: String, hour: Int64) in race.trip(resident, "metro", amount: 1_000, start: at(hour), minutes: 20, ref: ref) }
        let refused: JSONValue = ["type": "account.open", "account": "hub-bad", "kind": "no-such-kind", "region": "440304"]
        // One batch: a report, a submission that registers, chooses and is refused, a report,
        // a registration, a report.
        let results = try sequencer.append([
            try city.sign(trip("choice-1", 0), by: "szmetro"),
            try city.sign([register, trip("choice-2", 1), refused], by: hub),
            try city.sign(trip("choice-3", 2), by: "szmetro"),
            try city.sign([register], by: city.admin),
            try city.sign(trip("choice-4", 3), by: "szmetro"),
        ], now: .now())
        #expect(results.map { (try? $0.get()) != nil } == [true, false, true, true, true], "\(results)")
        sequencer.writeRulesCheckpoint()
        let chosen = try [0, 2, 4].map { i in try ledger.checkpointedBehaviour(try results[i].get().firstSeq).map { "\($0.methodology) \($0.creditedMg)" } }
        #expect(chosen == ["sz-metro 48000", "sz-metro 48000", "hub-metro 10000"])
    }

    @Test func aReportEarnsByThePointsRuleOfItsBatchAndNotOneRolledBack() throws {
        let dir = TempDir()
        let (ledger, sequencer, city, resident) = try race.city(dir, platforms: "szmetro", "greenlife")
        let start = Timestamp(millisecondsSinceEpoch: Timestamp.now().millisecondsSinceEpoch - 6 * 3_600_000)
        func trip(_ ref: String, _ hour: Int64) -> JSONValue {
            race.trip(resident, "metro", amount: 1_000, start: Timestamp(millisecondsSinceEpoch: start.millisecondsSinceEpoch + hour * 3_600_000), minutes: 20, ref: ref)
        }
        func rule(_ points: Int64) -> JSONValue { ["type": "points.rule", "scenario": "metro", "points_per_event": .int(points)] }
        let refused: JSONValue = ["type": "points.rule", "scenario": "no-such-scenario", "points_per_event": 1]
        // The demo's metro rule: 2 points a trip and one per 100 g (48 g here).
        let results = try sequencer.append([
            try city.sign(trip("points-1", 0), by: "szmetro"),
            try city.sign([rule(9), trip("points-2", 1), refused], by: city.platforms["szmetro"]!),
            try city.sign(trip("points-3", 2), by: "szmetro"),
            try city.sign(rule(7), by: "szmetro"),
            try city.sign(trip("points-4", 3), by: "szmetro"),
        ], now: .now())
        #expect(results.map { (try? $0.get()) != nil } == [true, false, true, true, true], "\(results)")
        sequencer.writeRulesCheckpoint()
        let points = try [0, 2, 4].map { i in try ledger.checkpointedBehaviour(try results[i].get().firstSeq)?.points }
        #expect(points == [2, 2, 7])
    }
}
