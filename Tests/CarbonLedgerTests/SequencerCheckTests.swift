import Foundation
import Testing
import LedgerCore
import LedgerDemo
import LedgerStore
@testable import CarbonLedger
import TestSupport

/// `Sequencer.check` (`cledger submit --check`) judges submissions over the writer's rule state
/// in memory, its index of behaviours included, and leaves that state as it found it.
@Suite struct SequencerCheckTests {
    let race = ConcurrencyTests()

    @Test func aCheckSeesTheIndexOfBehavioursAndLeavesItAsItWas() throws {
        let dir = TempDir()
        let (ledger, sequencer, city, resident) = try race.city(dir, platforms: "szmetro", "greenlife")
        // 04:00 yesterday in China: both rides on one CST day, whatever the time now.
        let start = Timestamp(millisecondsSinceEpoch: BehaviourIndex.dayStart(Timestamp.now().cstDayNumber) - 20 * 3_600_000)
        let later = Timestamp(millisecondsSinceEpoch: start.millisecondsSinceEpoch + 3_600_000)
        // 100 km by metro: 4.8 kg of the day's 5 kg cap.
        let appended = try sequencer.append([try city.sign(race.trip(resident, "metro", amount: 100_000, start: start, minutes: 20, ref: "chk-1"), by: "szmetro")],
                                            now: .now())
        let seq = try #require(appended.first).get().firstSeq
        let before = try sequencer.rulesStateRecords()

        let overlapping = try city.sign(race.trip(resident, "bus", amount: 3, start: start, minutes: 15, ref: "chk-2"), by: "greenlife")
        let next = try city.sign(race.trip(resident, "metro", amount: 100_000, start: later, minutes: 20, ref: "chk-3"), by: "szmetro")
        let overlapsNext = try city.sign(race.trip(resident, "bus", amount: 3, start: later, minutes: 10, ref: "chk-4"), by: "greenlife")
        let found = try sequencer.check([overlapping, next, overlapsNext], now: .now())
        // Over the ledger's interval, and over the interval an earlier submission of the check wrote.
        #expect(found.map { $0.map(\.id) } == [["behaviour.double_counted"], [], ["behaviour.double_counted"]], "\(found)")
        #expect(found[0].first?.conflictingSeq == seq && found[2].first?.conflictingSeq == seq + 1)
        let after = try sequencer.rulesStateRecords()
        let same = after.index == before.index && after.records == before.records
        #expect(same, "the check changed the rule state")

        // Appended for real, the second ride gets what the day's cap left: 0.2 kg.
        let results = try sequencer.append([next], now: .now())
        sequencer.writeRulesCheckpoint()
        let record = try ledger.checkpointedBehaviour(try results[0].get().firstSeq)
        #expect(record?.creditedMg == 200_000 && record?.capped == true, "\(String(describing: record))")
    }
}
