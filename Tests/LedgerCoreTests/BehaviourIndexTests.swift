import Testing
@testable import LedgerCore

/// The index of behaviours (intervals and daily caps) follows the behaviours' records through
/// every kind of overlay, undo and ageing (SPEC.md section 10).
@Suite struct BehaviourIndexTests {
    /// 2026-12-01 00:00 CST.
    static let dayStart: Int64 = 1_796_054_400_000
    static let day = Timestamp(millisecondsSinceEpoch: dayStart).cstDayNumber
    static let journey = IntervalOwner(account: "p-1", family: "journey")

    /// A credited metro ride of `p-1` from `from` to `to` minutes after `dayStart`.
    static func ride(_ from: Int64, _ to: Int64, credited: Int64 = 100, capped: Bool = true, account: String = "p-1") -> BehaviourRecord {
        let start = Timestamp(millisecondsSinceEpoch: dayStart + from * 60_000), end = Timestamp(millisecondsSinceEpoch: dayStart + to * 60_000)
        var b = BehaviourRecord(account: account, platform: "szmetro", scenario: "metro", region: "440305", day: start.cstDay, start: start, end: end,
                                amount: 1_000, methodology: "sz-metro", version: 1, reductionMg: credited, creditedMg: credited, points: 0,
                                qualitative: false, leaf: .zero)
        b.capped = capped
        return b
    }

    static func key(_ seq: Int64) -> String { "beh/" + pad16(seq) }
    static func ms(_ minutes: Int64) -> Int64 { dayStart + minutes * 60_000 }
    static let cap = DailyCapKey(day: day, account: "p-1", methodology: "sz-metro")

    @Test func reportsReversalsAndOtherChangesOfARecord() throws {
        let state = StateOverlay(base: EmptyState())
        let index = try #require(state.behaviourIndex)
        let first = Self.ride(0, 20), second = Self.ride(30, 50, credited: 40)
        state.putBehaviour(Self.key(5), seq: 5, first, replacing: nil)
        state.putBehaviour(Self.key(6), seq: 6, second, replacing: nil)
        #expect(index.latestInterval(of: Self.journey, startingBefore: Self.ms(25))?.seq == 5)
        #expect(index.latestInterval(of: Self.journey, startingBefore: Self.ms(60))?.seq == 6)
        #expect(index.latestInterval(of: Self.journey, startingBefore: Self.ms(0)) == nil)
        #expect(index.capUsed(Self.cap) == 140)
        // Locked in a request: nothing the index holds changes.
        var locked = first
        locked.request = "r-1"
        state.putBehaviour(Self.key(5), seq: 5, locked, replacing: first)
        #expect(index.capUsed(Self.cap) == 140 && index.latestInterval(of: Self.journey, startingBefore: Self.ms(25))?.seq == 5)
        // Reversed: its interval and credit go.
        var reversed = second
        reversed.reversedSeq = 9
        state.putBehaviour(Self.key(6), seq: 6, reversed, replacing: second)
        #expect(index.latestInterval(of: Self.journey, startingBefore: Self.ms(60))?.seq == 5 && index.capUsed(Self.cap) == 100)
        // A write of a record by any other way (a merge) changes it too, from what was there.
        state.put(Self.key(5), try JSONParser.parse(reversed.canonical))
        #expect(index.latestInterval(of: Self.journey, startingBefore: Self.ms(60)) == nil && index.capUsed(Self.cap) == 0)
        // Another account, a discrete act and an uncapped behaviour: none of them here.
        state.putBehaviour(Self.key(7), seq: 7, Self.ride(0, 20, capped: false, account: "p-2"), replacing: nil)
        var sale = Self.ride(0, 0, capped: false)
        sale.scenario = "second_hand"
        state.putBehaviour(Self.key(8), seq: 8, sale, replacing: nil)
        #expect(index.latestInterval(of: Self.journey, startingBefore: .max) == nil && index.capUsed(Self.cap) == 0)
        #expect(index.latestInterval(of: IntervalOwner(account: "p-2", family: "journey"), startingBefore: .max)?.seq == 7)
        // The sale names its act: held until it is reversed.
        #expect(index.act("act/second_hand/x") == nil)
        var sold = Self.ride(0, 0, capped: false)
        sold.scenario = "second_hand"
        sold.act = "act/second_hand/x"
        state.putBehaviour(Self.key(9), seq: 9, sold, replacing: nil)
        #expect(index.act("act/second_hand/x") == IndexedAct(seq: 9, platform: "szmetro", day: Self.day))
        var unsold = sold
        unsold.reversedSeq = 10
        state.putBehaviour(Self.key(9), seq: 9, unsold, replacing: sold)
        #expect(index.act("act/second_hand/x") == nil)
    }

    @Test func aRollbackAndAnUndoneBatchLeaveTheIndexAsItWas() throws {
        let resident = ResidentState()
        let before = resident.index.contents
        let batch = StateOverlay(writingThrough: resident)
        batch.beginSavepoint()
        batch.putBehaviour(Self.key(5), seq: 5, Self.ride(0, 20), replacing: nil)
        #expect(resident.index.intervalCount == 1)
        batch.rollback()
        #expect(resident.index.contents == before)
        batch.beginSavepoint()
        batch.putBehaviour(Self.key(5), seq: 5, Self.ride(0, 20), replacing: nil)
        batch.commitSavepoint()
        batch.beginSavepoint()
        var reversed = Self.ride(0, 20)
        reversed.reversedSeq = 6
        batch.putBehaviour(Self.key(5), seq: 5, reversed, replacing: Self.ride(0, 20))
        batch.commitSavepoint()
        #expect(resident.index.intervalCount == 0 && resident.index.capUsed(Self.cap) == 0)
        // The batch's commit failed: undone whole, newest first.
        batch.undoAll()
        #expect(resident.index.contents == before)
        // Committed: its changes stay and its undo records go.
        let next = StateOverlay(writingThrough: resident)
        next.beginSavepoint()
        next.putBehaviour(Self.key(5), seq: 5, Self.ride(0, 20), replacing: nil)
        next.commitSavepoint()
        _ = next.releaseUndo()
        next.undoAll()
        #expect(resident.index.intervalCount == 1 && resident.index.capUsed(Self.cap) == 100)
    }

    /// A scratch overlay (a check that appends nothing) layers its changes over the index below,
    /// which stays as it is until the scratch's writes are merged into it.
    @Test func aLayerLeavesTheIndexBelowAsItIs() throws {
        let state = StateOverlay(base: EmptyState())
        state.putBehaviour(Self.key(5), seq: 5, Self.ride(0, 20), replacing: nil)
        state.putBehaviour(Self.key(6), seq: 6, Self.ride(30, 50), replacing: nil)
        let below = try #require(state.behaviourIndex as? BehaviourIndex).contents
        let scratch = StateOverlay(base: state)
        let layered = try #require(scratch.behaviourIndex)
        var reversed = Self.ride(30, 50)
        reversed.reversedSeq = 9
        scratch.putBehaviour(Self.key(6), seq: 6, reversed, replacing: Self.ride(30, 50))
        #expect(layered.latestInterval(of: Self.journey, startingBefore: Self.ms(60))?.seq == 5, "the base's removed interval is skipped")
        scratch.putBehaviour(Self.key(10), seq: 10, Self.ride(30, 40), replacing: nil)
        scratch.putBehaviour(Self.key(11), seq: 11, Self.ride(60, 70), replacing: nil)
        #expect(layered.latestInterval(of: Self.journey, startingBefore: Self.ms(60))?.seq == 10)
        #expect(layered.latestInterval(of: Self.journey, startingBefore: Self.ms(99))?.seq == 11)
        #expect(layered.capUsed(Self.cap) == 300)
        // A rolled-back savepoint of the scratch takes its changes back out of the layer.
        scratch.beginSavepoint()
        var gone = Self.ride(0, 20)
        gone.reversedSeq = 12
        scratch.putBehaviour(Self.key(5), seq: 5, gone, replacing: Self.ride(0, 20))
        #expect(layered.latestInterval(of: Self.journey, startingBefore: Self.ms(25)) == nil)
        scratch.rollback()
        #expect(layered.latestInterval(of: Self.journey, startingBefore: Self.ms(25))?.seq == 5 && layered.capUsed(Self.cap) == 300)
        #expect(try #require(state.behaviourIndex as? BehaviourIndex).contents == below)
        // Merged, as a check and the rule tests merge a submission's writes.
        for (k, v) in scratch.writes { state.put(k, v) }
        let merged = try #require(state.behaviourIndex as? BehaviourIndex)
        #expect(merged.contents.intervals[Self.journey]?.map(\.seq) == [5, 10, 11] && merged.capUsed(Self.cap) == 300)
        // Acts: the base's removed and put back, the layer's own added and removed.
        var sold = Self.ride(0, 0, capped: false)
        sold.scenario = "second_hand"
        sold.act = "act/second_hand/a"
        state.putBehaviour(Self.key(20), seq: 20, sold, replacing: nil)
        let actLayer = StateOverlay(base: state)
        let acts = try #require(actLayer.behaviourIndex)
        var unsold = sold
        unsold.reversedSeq = 21
        actLayer.beginSavepoint()
        actLayer.putBehaviour(Self.key(20), seq: 20, unsold, replacing: sold)
        #expect(acts.act("act/second_hand/a") == nil && state.behaviourIndex?.act("act/second_hand/a")?.seq == 20)
        actLayer.rollback()
        #expect(acts.act("act/second_hand/a")?.seq == 20)
        var other = sold
        other.act = "act/second_hand/b"
        actLayer.putBehaviour(Self.key(22), seq: 22, other, replacing: nil)
        #expect(acts.act("act/second_hand/b")?.seq == 22 && state.behaviourIndex?.act("act/second_hand/b") == nil)
    }

    /// Ageing lets go of the intervals that ended before the first day a report may start on
    /// began, and of earlier days' caps; undoing a change cannot bring them back.
    @Test func ageingLetsGoOfWhatNoReportCanReach() throws {
        let index = BehaviourIndex(ages: true)
        let cutoff = BehaviourIndex.dayStart(Self.day + 1)
        func interval(_ start: Int64, _ end: Int64, _ seq: Int64) -> IndexedInterval { IndexedInterval(start: start, end: end, seq: seq, platform: "m") }
        let early = interval(Self.ms(0), Self.ms(20), 1), atMidnight = interval(Self.ms(1400), cutoff, 2), across = interval(cutoff - 60_000, cutoff + 60_000, 3)
        for i in [early, atMidnight, across] { index.apply(.addInterval(Self.journey, i)) }
        index.apply(.addToCap(Self.cap, 7))
        let nextDay = DailyCapKey(day: Self.day + 1, account: "p-1", methodology: "sz-metro")
        index.apply(.addToCap(nextDay, 8))
        let oldAct = IndexedAct(seq: 4, platform: "m", day: Self.day), newAct = IndexedAct(seq: 5, platform: "m", day: Self.day + 1)
        index.apply(.addAct("act/x/old", oldAct))
        index.apply(.addAct("act/x/new", newAct))
        index.age(firstDay: Self.day + 1)
        #expect(index.contents.intervals == [Self.journey: [across]] && index.intervalCount == 1)
        #expect(index.contents.caps == [nextDay: 8] && index.firstDay == Self.day + 1)
        #expect(index.contents.acts == ["act/x/new": newAct], "an act names its day: an earlier day's can never be reported again")
        index.apply(.addAct("act/x/old", oldAct))
        #expect(index.act("act/x/old") == nil)
        // Put back by an undo, or taken away by a late reversal: nothing changes.
        index.apply(.addInterval(Self.journey, early))
        index.apply(.removeInterval(Self.journey, atMidnight))
        index.apply(.addToCap(Self.cap, -7))
        #expect(index.contents.intervals == [Self.journey: [across]] && index.contents.caps == [nextDay: 8])
        index.age(firstDay: Self.day)
        #expect(index.firstDay == Self.day + 1, "days never come back")

        // An index made before its log's genesis said it had windows lists its days at a first ageing.
        let unaged = BehaviourIndex(ages: false)
        for i in [early, across] { unaged.apply(.addInterval(Self.journey, i)) }
        unaged.age(firstDay: Self.day + 1)
        #expect(unaged.contents.intervals == [Self.journey: [across]])
    }
}
