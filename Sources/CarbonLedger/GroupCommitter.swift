import Foundation
import LedgerCore
import LedgerStore

/// Collects concurrently arriving submissions and appends them in shared transactions: while
/// one commit is being fsynced the next batch queues up, so durability costs one fsync per
/// batch, not per submission. Each caller is answered only after its commit is durable.
/// Call `shutdown()` when done: it drains the queue and ends the writer thread.
public final class GroupCommitter: @unchecked Sendable {
    public typealias Completion = @Sendable (Result<AppendReceipt, Error>) -> Void

    private struct Pending {
        let submission: Submission
        let completion: Completion
    }

    private let sequencer: Sequencer
    private let condition = NSCondition()
    private var queue: [Pending] = []
    private var stopping = false
    private var thread: Thread?
    private let stopped = DispatchSemaphore(value: 0)
    /// While held, the writer takes nothing off the queue (`hold()`, for tests).
    private var held = false
    /// Most events one transaction takes; the rest wait for the next one.
    public let maxEventsPerCommit: Int
    /// The time each batch is prepared at: the wall clock, or a benchmark's simulated days.
    private let clock: @Sendable () -> Timestamp

    public init(sequencer: Sequencer, maxEventsPerCommit: Int = 100_000, clock: @escaping @Sendable () -> Timestamp = { .now() }) {
        self.sequencer = sequencer
        self.maxEventsPerCommit = maxEventsPerCommit
        self.clock = clock
        // The writer thread keeps the committer alive until `shutdown()`, so a dropped reference
        // can never leave the thread waiting on a freed condition.
        let t = Thread { self.run() }
        t.name = "carbonledger.sequencer"
        thread = t
        t.start()
    }

    /// State commits that failed after their log commit (`Sequencer.stateFaults`).
    public var stateFaults: Int { sequencer.stateFaults }

    /// Queues `submission`; `completion` runs on the commit thread once its commit is durable
    /// (the state environment may not have it yet: `Sequencer.whenStateHas`).
    public func submit(_ submission: Submission, completion: @escaping Completion) {
        // On the submitter's thread: the rules thread then hashes only the entries' tails.
        let submission = submission.leafPrefixes == nil ? submission.withLeafPrefixes() : submission
        condition.lock()
        if stopping {
            condition.unlock()
            completion(.failure(LedgerError.io("the sequencer is shutting down")))
            return
        }
        queue.append(Pending(submission: submission, completion: completion))
        // The writer, and a test waiting in `waitUntilQueued`.
        condition.broadcast()
        condition.unlock()
    }

    /// Keeps the writer from taking submissions off the queue until `resume()`: a test queues a
    /// known set first (`waitUntilQueued`), so what shares a commit does not depend on timing.
    func hold() {
        condition.lock(); held = true; condition.unlock()
    }

    func resume() {
        condition.lock(); held = false; condition.broadcast(); condition.unlock()
    }

    /// Blocks until at least `count` submissions wait in the queue.
    func waitUntilQueued(_ count: Int) {
        condition.lock()
        while queue.count < count { condition.wait() }
        condition.unlock()
    }

    /// Appends `submission` and returns once it is durable and the state environment has it,
    /// so that what the caller reads next sees it (the completion of `submit(_:completion:)`
    /// runs at durability, before the state's write).
    public func submit(_ submission: Submission) async throws -> AppendReceipt {
        let receipt = try await withCheckedThrowingContinuation { cont in
            submit(submission) { cont.resume(with: $0) }
        }
        await withCheckedContinuation { (cont: CheckedContinuation<Void, Never>) in
            sequencer.whenStateHas(size: receipt.treeSize) { cont.resume() }
        }
        return receipt
    }

    /// Finishes every queued submission, then stops the writer thread and writes the rules
    /// checkpoint up to the last commit (so that the next start replays nothing).
    public func shutdown() {
        condition.lock()
        let wasStopping = stopping
        stopping = true
        condition.broadcast()
        condition.unlock()
        if !wasStopping {
            stopped.wait()
            sequencer.writeRulesCheckpoint()
        }
    }

    /// Why the last step of the writer's rules checkpoint failed, if it did (a failed step never
    /// stops the appends; it is written with the next).
    public var rulesCheckpointFault: String? { sequencer.rulesCheckpoint.fault }

    /// A batch whose commit runs on the commit thread while the next batch is prepared.
    private final class InFlight: @unchecked Sendable {
        enum Outcome { case committed, failed, stale }
        let batch: [Pending]
        /// Set to nil by `release` only, once the commit has ended.
        fileprivate var preparedBatch: PreparedBatch?
        var prepared: PreparedBatch {
            guard let p = preparedBatch else { preconditionFailure("a released batch is not used again") }
            return p
        }
        /// The commit's outcome (its callers are answered by then, unless it was stale).
        var commit: BackgroundResult<Outcome>?
        /// Set under the committer's condition lock when the commit has ended.
        var finished = false

        init(batch: [Pending], prepared: PreparedBatch) {
            self.batch = batch
            self.preparedBatch = prepared
        }

        /// Waits for the commit to end.
        func join() -> Outcome {
            (try? commit?.wait()) ?? .failed
        }
    }

    private let commitQueue = DispatchQueue(label: "carbonledger.commit")

    /// Frees a settled batch (its overlay holds every state change of the batch) on the commit
    /// thread, which has less to do than this one (freeing it showed in profiles of the rules thread).
    private func release(_ f: InFlight) {
        dispose(&f.preparedBatch, on: commitQueue)
    }

    /// Two stages on two threads: this one takes a batch off the queue and runs the rules
    /// (`Sequencer.prepare`) over the batch before it, while the commit thread writes and fsyncs
    /// that batch. Batches still commit one at a time, in queue order, and every caller is
    /// answered only after its own commit is durable.
    private func run() {
        var inFlight: InFlight?
        var retry: [Pending] = []
        while true {
            condition.lock()
            // Sleep until there is work, or the running commit ends (a stale one must be redone).
            while !stopping && (held || queue.isEmpty && retry.isEmpty && !(inFlight?.finished ?? false)) { condition.wait() }
            if queue.isEmpty && retry.isEmpty, let f = inFlight {
                condition.unlock()
                inFlight = nil
                if f.join() == .stale { retry = f.batch }
                release(f)
                continue
            }
            if queue.isEmpty && retry.isEmpty && stopping {
                condition.unlock()
                stopped.signal()
                return
            }
            // Take about as much as the running commit holds, and at least half the queue: the
            // rest waits for the next batch, whose rules then run while this one commits. Batches
            // of similar size keep both threads busy.
            let running = inFlight.map { $0.finished ? 0 : $0.batch.count } ?? 0
            let limit = min(queue.count, max((queue.count + 1) / 2, running))
            var take = 0
            var events = 0
            while take < limit, take == 0 || events + queue[take].submission.events.count <= maxEventsPerCommit {
                events += queue[take].submission.events.count
                take += 1
            }
            var batch = retry + queue.prefix(take)
            retry = []
            queue.removeFirst(take)
            condition.unlock()

            // Over the running commit; if that cannot be done (another writer, a storage error),
            // again from the store once the commit has ended.
            var prepared = try? sequencer.prepare(batch.map(\.submission), now: clock(), after: inFlight?.prepared)
            if let f = inFlight {
                inFlight = nil
                switch f.join() {
                case .committed:
                    break
                case .failed:
                    // Its callers have their error; this batch was prepared over it: again, from the store.
                    prepared = nil
                case .stale:
                    // Another process appended: both batches again, from the store, in order.
                    batch = f.batch + batch
                    prepared = nil
                }
                release(f)
            }
            if prepared == nil {
                do {
                    prepared = try sequencer.prepare(batch.map(\.submission), now: clock(), after: nil)
                } catch {
                    for p in batch { p.completion(.failure(error)) }
                    continue
                }
            }
            let f = InFlight(batch: batch, prepared: prepared!)
            inFlight = f
            f.commit = BackgroundResult(on: commitQueue) { [sequencer, condition] in
                defer {
                    condition.lock()
                    f.finished = true
                    condition.signal()
                    condition.unlock()
                }
                do {
                    let results = try sequencer.commit(f.prepared)
                    for (p, r) in zip(f.batch, results) { p.completion(r.mapError { $0 as Error }) }
                    return .committed
                } catch SequencerError.concurrentWriter {
                    return .stale
                } catch {
                    for p in f.batch { p.completion(.failure(error)) }
                    return .failed
                }
            }
        }
    }
}
