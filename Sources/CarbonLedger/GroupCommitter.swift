import Foundation
import LedgerCore

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
    /// Most events one transaction takes; the rest wait for the next one.
    public let maxEventsPerCommit: Int

    public init(sequencer: Sequencer, maxEventsPerCommit: Int = 100_000) {
        self.sequencer = sequencer
        self.maxEventsPerCommit = maxEventsPerCommit
        // The writer thread keeps the committer alive until `shutdown()`, so a dropped reference
        // can never leave the thread waiting on a freed condition.
        let t = Thread { self.run() }
        t.name = "carbonledger.sequencer"
        thread = t
        t.start()
    }

    /// Queues `submission`; `completion` runs on the writer thread after the commit.
    public func submit(_ submission: Submission, completion: @escaping Completion) {
        condition.lock()
        if stopping {
            condition.unlock()
            completion(.failure(LedgerError.io("the sequencer is shutting down")))
            return
        }
        queue.append(Pending(submission: submission, completion: completion))
        condition.signal()
        condition.unlock()
    }

    /// Appends `submission` and returns once it is durable.
    public func submit(_ submission: Submission) async throws -> AppendReceipt {
        try await withCheckedThrowingContinuation { cont in
            submit(submission) { cont.resume(with: $0) }
        }
    }

    /// Finishes every queued submission, then stops the writer thread.
    public func shutdown() {
        condition.lock()
        let wasStopping = stopping
        stopping = true
        condition.signal()
        condition.unlock()
        if !wasStopping { stopped.wait() }
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if queue.isEmpty && stopping {
                condition.unlock()
                stopped.signal()
                return
            }
            var take = 0
            var events = 0
            while take < queue.count, take == 0 || events + queue[take].submission.events.count <= maxEventsPerCommit {
                events += queue[take].submission.events.count
                take += 1
            }
            let batch = Array(queue.prefix(take))
            queue.removeFirst(take)
            condition.unlock()
            commit(batch)
        }
    }

    private func commit(_ batch: [Pending]) {
        do {
            let results = try sequencer.append(batch.map(\.submission), now: .now())
            for (p, r) in zip(batch, results) { p.completion(r.mapError { $0 as Error }) }
        } catch {
            for p in batch { p.completion(.failure(error)) }
        }
    }
}
