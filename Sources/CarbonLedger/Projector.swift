import Foundation
import LedgerStore

/// Writes committed batches to the state environment (their state changes and read models) on
/// a thread of its own, after their log commit (issue 23, item 4): a batch is durable once its
/// log transaction is, so the commit thread goes on to the next batch's log while this thread
/// writes the state, and a caller waiting only for durability (the group committer's
/// completion) is answered without waiting for the state. Batches are written in commit order,
/// each in a transaction of its own, as the commit thread wrote them: the batches that queued
/// while one was written, taken in one transaction, measured no faster (Benchmarks/RESULTS.md),
/// and a full disk would refuse that transaction where it takes one batch (and its retry from
/// memory) as before.
///
/// Whoever must see its batch in the state waits for it (`wait(for:)`, `whenHandled`): the
/// synchronous `Sequencer.append` and the HTTP API's submissions, so that a read after their
/// answer sees what they appended. A batch whose state write failed counts as handled: the
/// rules' state in memory writes it at the next prepare (`Sequencer.project(models:)`), as it
/// does after a crash between the two commits.
final class Projector: @unchecked Sendable {
    private let condition = NSCondition()
    /// Committed batches not written yet, in commit order.
    private var queued: [PreparedBatch] = []
    private var running = false
    /// The log size every batch handed over so far reaches, once handled (written or failed).
    private var handled: UInt64 = 0
    /// Callers waiting for the batch that reaches a log size to be handled.
    private var waiters: [(size: UInt64, resume: @Sendable () -> Void)] = []
    private let queue = DispatchQueue(label: "carbonledger.projector")
    /// Weak, and the sequencer drains this projector before it goes (`Sequencer.deinit`): the
    /// thread that lets go of a store last closes its environments, and a store closed on this
    /// thread, while its owner's thread opened the same files again, crashed in LMDB's mutexes.
    private weak var store: LogStore?
    /// State writes that failed (`Sequencer.stateFaults`), under the lock.
    private var faults = 0
    var faultCount: Int { condition.withLock { faults } }
    /// State transactions written (for tests), under the lock.
    private var transactions = 0
    var transactionCount: Int { condition.withLock { transactions } }
    /// While set, nothing is written (`hold()`, for tests: what queues meanwhile is then known).
    private var held = false
    /// Told the log size handled after each write (the server wakes the reads waiting for it).
    private var told: (@Sendable (UInt64) -> Void)?
    var onHandled: (@Sendable (UInt64) -> Void)? {
        get { condition.withLock { told } }
        set { condition.withLock { told = newValue } }
    }

    init(store: LogStore) {
        self.store = store
    }

    /// Queues a batch just committed to the log.
    func enqueue(_ batch: PreparedBatch) {
        condition.lock()
        queued.append(batch)
        let start = !running
        running = true
        condition.unlock()
        if start { queue.async { self.run() } }
    }

    private func run() {
        while true {
            condition.lock()
            while held { condition.wait() }
            guard !queued.isEmpty else {
                running = false
                condition.broadcast()
                condition.unlock()
                return
            }
            let batch = queued.removeFirst()
            condition.unlock()
            let outcome = write(batch)
            condition.lock()
            batch.stateWrite = outcome
            handled = max(handled, batch.span.end)
            let reached = handled, tell = told
            var ready: [@Sendable () -> Void] = []
            waiters.removeAll { w in
                guard w.size <= reached else { return false }
                ready.append(w.resume)
                return true
            }
            condition.broadcast()
            condition.unlock()
            for r in ready { r() }
            tell?(reached)
        }
    }

    /// Writes the state changes of a batch just committed to the log, and the read models of
    /// its effects, if the state environment is where the batch starts (another writer may have
    /// written it already, replaying it); else, or if it fails, the next `prepare` does.
    private func write(_ batch: PreparedBatch) -> PreparedBatch.StateWrite {
        let span = batch.span
        // Every submission refused: nothing to write.
        guard span.end > span.start else { return .written }
        guard let store else { return .failed }
        do {
            guard try StateSync.write(span, to: store) != nil else { return .failed }
        } catch {
            condition.withLock { faults += 1 }
            return .failed
        }
        condition.withLock { transactions += 1 }
        return .written
    }

    /// Where `batch`'s state write stands.
    func stateWrite(of batch: PreparedBatch) -> PreparedBatch.StateWrite {
        condition.withLock { batch.stateWrite }
    }

    /// Blocks until `batch` (committed and queued) is handled.
    func wait(for batch: PreparedBatch) {
        condition.lock()
        while batch.stateWrite == .pending { condition.wait() }
        condition.unlock()
    }

    /// Runs `resume` once the batches reaching log size `size` are handled (at once if they are).
    func whenHandled(through size: UInt64, _ resume: @escaping @Sendable () -> Void) {
        condition.lock()
        guard size > handled else {
            condition.unlock()
            resume()
            return
        }
        waiters.append((size, resume))
        let tell = waiting
        condition.unlock()
        tell?()
    }

    /// Called when a caller starts waiting in `whenHandled` (tests: a caller that must wait
    /// for the state is seen doing so).
    private var waiting: (@Sendable () -> Void)?
    var onWaiting: (@Sendable () -> Void)? {
        get { condition.withLock { waiting } }
        set { condition.withLock { waiting = newValue } }
    }

    /// Keeps the projector from writing until `resume()` (tests).
    func hold() {
        condition.withLock { held = true }
    }

    func resume() {
        condition.lock()
        held = false
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until every batch queued so far is handled.
    func drain() {
        condition.lock()
        while running { condition.wait() }
        condition.unlock()
    }
}
