import Foundation
import Testing
import LedgerCore
import LedgerDemo
import LedgerStore
@testable import CarbonLedger
import TestSupport

/// The two-stage sequencer: the rules of batch k+1 run over batch k while k commits. A batch
/// must see everything the batch before it wrote, and must never become durable over a batch
/// that did not.
@Suite struct PipelineTests {
    let race = ConcurrencyTests()

    @Test func aBatchPreparedOverAnUncommittedOneSeesItsWrites() throws {
        let dir = TempDir()
        let (ledger, sequencer, city, resident) = try race.city(dir, platforms: "szmetro", "greenlife")
        let sizeBefore = try ledger.info().size
        let start = Timestamp(millisecondsSinceEpoch: Timestamp.now().millisecondsSinceEpoch - 5 * 3_600_000)
        let later = Timestamp(millisecondsSinceEpoch: start.millisecondsSinceEpoch + 3_600_000)
        let ride = try city.sign(race.trip(resident, "metro", amount: 9_000, start: start, minutes: 20, ref: "pipe-1"), by: "szmetro")
        let sameRide = try city.sign(race.trip(resident, "bus", amount: 3, start: start, minutes: 15, ref: "pipe-2"), by: "greenlife")
        let nextRide = try city.sign(race.trip(resident, "metro", amount: 7_000, start: later, minutes: 20, ref: "pipe-3"), by: "szmetro")

        let k = try sequencer.prepare([ride], now: .now(), after: nil)
        let k1 = try sequencer.prepare([sameRide, nextRide, ride], now: .now(), after: k)
        #expect(try ledger.info().size == sizeBefore, "preparing wrote to the ledger")
        // Frozen: the commit thread reads their writes while the next batch reads through them.
        #expect(k.state.frozen && k1.state.frozen)

        let first = try sequencer.commit(k)
        let second = try sequencer.commit(k1)
        let won = try first[0].get()
        // The overlapping journey is refused against the uncommitted batch's interval ...
        guard case .failure(let overlap) = second[0] else { Issue.record("double counting accepted: \(second[0])"); return }
        #expect(overlap.id == "behaviour.double_counted" && overlap.conflictingSeq == won.firstSeq)
        // ... the next journey follows it in the log ...
        #expect(try second[1].get().firstSeq == won.lastSeq + 1)
        // ... and resending the uncommitted batch's submission is a replay.
        guard case .failure(let replay) = second[2] else { Issue.record("replay accepted: \(second[2])"); return }
        #expect(replay.id == "submission.replay" && replay.conflictingSeq == won.firstSeq)

        #expect(try ledger.info().size == sizeBefore + 2)
        sequencer.waitForState()
        try Invariants.accounts(ledger)
        let report = try Verifier(store: ledger.store).verify()
        #expect(report.entries == sizeBefore + 2 && report.stateKeysCompared > 0)
    }

    /// The state environment is written after the log's commit, on the projector's thread: a
    /// submitter waiting for durability is answered while the state's write is held back, one
    /// waiting for the state is not, and the batches that queued meanwhile are written in
    /// commit order, one transaction each.
    @Test func theStateIsWrittenAfterTheLogCommitOnTheProjectorsThread() throws {
        let dir = TempDir()
        let (ledger, sequencer, city, resident) = try race.city(dir, platforms: "szmetro", "greenlife")
        let sizeBefore = try ledger.info().size
        let stateSize = { try ledger.store.read { try $0.stateSize() } }
        #expect(try stateSize() == sizeBefore)
        let rides = try (0..<3).map { i in
            let start = Timestamp(millisecondsSinceEpoch: Timestamp.now().millisecondsSinceEpoch - Int64(6 - i) * 3_600_000)
            return try city.sign(race.trip(resident, "metro", amount: 1_000, start: start, minutes: 20, ref: "projected-\(i)"), by: "szmetro")
        }
        sequencer.holdStateWrites()
        let k = try sequencer.prepare([rides[0]], now: .now(), after: nil)
        let k1 = try sequencer.prepare([rides[1]], now: .now(), after: k)
        _ = try sequencer.commit(k)[0].get()
        _ = try sequencer.commit(k1)[0].get()
        #expect(try ledger.info().size == sizeBefore + 2 && stateSize() == sizeBefore, "the log commit waited for the state")
        let stateHasThem = NSCondition()
        nonisolated(unsafe) var told = false
        sequencer.whenStateHas(size: sizeBefore + 2) { stateHasThem.withLock { told = true; stateHasThem.signal() } }
        #expect(!stateHasThem.withLock { told }, "told before the state had the batches")

        // The group committer's completion comes at durability, the state still held back.
        let committer = GroupCommitter(sequencer: sequencer)
        let durable = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var receipt: Result<AppendReceipt, Error>?
        committer.submit(rides[2]) { r in receipt = r; durable.signal() }
        durable.wait()
        #expect(try receipt?.get().treeSize == sizeBefore + 3)
        #expect(try stateSize() == sizeBefore)

        let transactions = sequencer.stateTransactions
        sequencer.resumeStateWrites()
        stateHasThem.lock()
        while !told { stateHasThem.wait() }
        stateHasThem.unlock()
        sequencer.waitForState()
        #expect(try stateSize() == sizeBefore + 3)
        #expect(sequencer.stateTransactions == transactions + 3, "the three batches that queued were not written one transaction each")
        committer.shutdown()
        try Invariants.accounts(ledger)
        #expect(try ledger.state("acct/\(resident)")?["behaviours"]?.intValue ?? 0 >= 3)
        _ = try Verifier(store: ledger.store).verify()
    }

    /// `GroupCommitter.submit(_:) async` (the HTTP API's) answers once the state environment
    /// has the submission, so that a read after the answer sees it: with the state's writes
    /// held back, it waits for them (it is seen waiting), and what it returns to sees it.
    @Test func anAsyncSubmitReturnsOnlyOnceTheStateHasItsSubmission() async throws {
        let dir = TempDir()
        let (ledger, sequencer, city, resident) = try race.city(dir, platforms: "szmetro", "greenlife")
        let sizeBefore = try ledger.info().size
        let stateSize = { try ledger.store.read { try $0.stateSize() } }
        let start = Timestamp(millisecondsSinceEpoch: Timestamp.now().millisecondsSinceEpoch - 3 * 3_600_000)
        let ride = try city.sign(race.trip(resident, "metro", amount: 1_000, start: start, minutes: 20, ref: "async-1"), by: "szmetro")
        let committer = GroupCommitter(sequencer: sequencer)
        sequencer.holdStateWrites()
        // Whichever comes first: it waits for the state, or (the fault this test is for) it
        // returns without.
        let first = FirstEvent()
        sequencer.onStateWaiter = { first.mark("waiting") }
        let submitting = Task {
            let receipt = try await committer.submit(ride)
            let seen = try ledger.store.read { try $0.stateSize() }
            first.mark("returned")
            return (receipt.treeSize, seen)
        }
        #expect(await first.value == "waiting", "answered before the state had the submission")
        #expect(try ledger.info().size == sizeBefore + 1 && stateSize() == sizeBefore, "durable, the state held back")
        sequencer.resumeStateWrites()
        let (treeSize, seen) = try await submitting.value
        #expect(treeSize == sizeBefore + 1 && seen >= treeSize, "what a read right after the answer sees: \(seen)")
        committer.shutdown()
    }

    @Test func aBatchIsNeverCommittedOverOneThatFailed() throws {
        let dir = TempDir()
        let (ledger, sequencer, city, resident) = try race.city(dir, platforms: "szmetro", "greenlife")
        let start = Timestamp(millisecondsSinceEpoch: Timestamp.now().millisecondsSinceEpoch - 4 * 3_600_000)
        let ride = try city.sign(race.trip(resident, "metro", amount: 9_000, start: start, minutes: 20, ref: "stale-1"), by: "szmetro")
        let note = try city.sign([["type": "note", "text": "prepared over a batch that will not commit"]], by: city.admin)
        let k = try sequencer.prepare([ride], now: .now(), after: nil)
        let k1 = try sequencer.prepare([note], now: .now(), after: k)

        // Another writer on the same store appends first: batch k was prepared over a state
        // that no longer is the log's, and k+1 over k.
        let other = try ledger.sequencer()
        let interloper = try city.sign([["type": "note", "text": "another writer"]], by: city.admin)
        let sizeBefore = try ledger.info().size
        _ = try other.append([interloper], now: .now())[0].get()
        let dumpBefore = try stateBytes(ledger.store)
        #expect(throws: SequencerError.concurrentWriter(expectedSize: sizeBefore, foundSize: sizeBefore + 1)) { try sequencer.commit(k) }
        #expect(throws: SequencerError.concurrentWriter(expectedSize: sizeBefore + 1, foundSize: sizeBefore + 1)) { try sequencer.commit(k1) }
        #expect(try ledger.info().size == sizeBefore + 1 && stateBytes(ledger.store) == dumpBefore, "a stale batch changed the ledger")

        // Prepared again from the store, both go through, after the other writer's entry.
        let again = try sequencer.append([ride, note], now: .now())
        #expect(try again.map { try $0.get().firstSeq } == [sizeBefore + 1, sizeBefore + 2])
        _ = try Verifier(store: ledger.store).verify()
    }

    /// Two days of a demo city's traffic raced through the pipeline by four submitters: the
    /// commit thread writes each batch while the next batch's rules read through it. The result
    /// must equal a replay (verify), whatever the interleaving.
    @Test func aCityThroughThePipelineEqualsItsReplay() async throws {
        let dir = TempDir()
        let (ledger, city, _) = try newDemoCity(dir, origin: ConcurrencyTests.origin, residents: 400, days: 2)
        let sequencer = try ledger.sequencer()
        for r in try sequencer.append(try city.setup(), now: .now()) { _ = try r.get() }
        let traffic = try city.regularBatches(0) + city.regularBatches(1)
        let committer = GroupCommitter(sequencer: sequencer)
        var results: [Result<AppendReceipt, Error>] = []
        for start in stride(from: 0, to: traffic.count, by: 4) {
            results += await committer.race(Array(traffic[start..<min(start + 4, traffic.count)]))
        }
        committer.shutdown()
        #expect(results.allSatisfy { if case .success = $0 { return true }; return false }, "\(results.filter { if case .failure = $0 { return true }; return false })")
        #expect(sequencer.commitCount > 2)
        try Invariants.accounts(ledger)
        let report = try Verifier(store: ledger.store).verify()
        #expect(report.entries == (try ledger.info().size) && report.stateKeysCompared > 1_000)
    }

    @Test func theGroupCommitterRedoesBatchesAnotherWriterOvertook() async throws {
        let dir = TempDir()
        let (ledger, sequencer, city, _) = try race.city(dir, platforms: "szmetro", "greenlife")
        let subs = try (0..<80).map { i in try city.sign([["type": "note", "text": .string("committer \(i)")]], by: city.admin) }
        let others = try (0..<40).map { i in try city.sign([["type": "note", "text": .string("other writer \(i)")]], by: city.admin) }
        let other = try ledger.sequencer()
        let committer = GroupCommitter(sequencer: sequencer)
        // A second writer appends one submission at a time while the committer's pipeline runs,
        // so some of its prepared batches become stale and must be prepared again.
        let interleaved = Task.detached { () throws -> [AppendReceipt] in
            try others.map { try other.append([$0], now: .now())[0].get() }
        }
        let results = await committer.race(subs)
        committer.shutdown()
        let theirs = try await interleaved.value

        let receipts = try results.map { try $0.get() }
        let all = receipts + theirs
        #expect(Set(all.map(\.firstSeq)).count == 120, "two submissions at one seq")
        let found: [UInt64?] = try ledger.store.read { r in try all.map { try r.firstSeq(ofSubmission: $0.root) } }
        #expect(found == all.map(\.firstSeq), "a receipt names a seq its submission is not at")
        let report = try Verifier(store: ledger.store).verify()
        #expect(report.entries == (try ledger.info().size))
    }
}

/// The first of several events, marked from any thread; `value` waits for it.
final class FirstEvent: @unchecked Sendable {
    private let lock = NSLock()
    private var first: String?
    private var waiter: CheckedContinuation<String, Never>?

    func mark(_ event: String) {
        lock.lock()
        guard first == nil else { lock.unlock(); return }
        first = event
        let w = waiter
        waiter = nil
        lock.unlock()
        w?.resume(returning: event)
    }

    var value: String {
        get async {
            await withCheckedContinuation { c in
                lock.lock()
                if let first { lock.unlock(); c.resume(returning: first) } else { waiter = c; lock.unlock() }
            }
        }
    }
}
