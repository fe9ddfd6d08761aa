import Foundation
import LedgerCore
import LedgerStore

/// Moves the rules checkpoint (`RuleCheckpoints`) along behind a writer, on a thread of its own:
/// the writes of the committed batches (and of the replays of other writers' entries) are kept
/// in order and, every so many entries or seconds, whichever comes first (the sequencer's
/// `checkpointEntries` and `checkpointInterval`), handed over to be written in one step. So a
/// writer that starts again replays about that much of the log at most, and the rules thread
/// waits for the checkpoint's disk only when a step is due while the one before is still being
/// written: that bounds the writes kept waiting, and the memory they take.
///
/// The checkpoint is also where the writer reads the cold records it let go of: a batch's cold
/// layer is dropped once a step has written it (`holds`). A step that fails (a full disk) is
/// tried again at the next one, its writes kept: the appends go on, the cold layers stay in
/// memory meanwhile. One that finds the checkpoint moved by another writer ends this keeper:
/// the sequencer loads its rules' state from the checkpoint again.
final class RuleCheckpointer: @unchecked Sendable {
    let checkpoints: RuleCheckpoints
    private let log: LogStore

    /// The batches' and replays' writes not yet handed to a step, oldest first, contiguous
    /// (used under the sequencer's rules lock, as `append` and `stepIfDue` are).
    private var waiting: [StateSync.AppliedSpan] = []
    /// Where the entries of `waiting` end: the checkpoint's size once they are written.
    private var end: UInt64
    private var lastStep = ContinuousClock.now
    private let queue = DispatchQueue(label: "carbonledger.rules-checkpoint")
    private let inFlight = DispatchGroup()
    private let lock = NSLock()
    // Under `lock`:
    /// Where the steps written leave the checkpoint.
    private var written: RuleCheckpoints.Position
    /// Where the step being written leaves it.
    private var writing: RuleCheckpoints.Position?
    /// A step that failed, to be written first at the next one.
    private var failed: [StateSync.AppliedSpan] = []
    private var lastFailure: String?
    /// Set when what this keeper holds no longer follows from where the checkpoint stands.
    private var movedBy: String?
    private var stepsWritten = 0
    /// Called before each step is written, with the size it reaches; what it throws fails the
    /// step (tests make a step fail with it).
    var beforeStep: (@Sendable (UInt64) throws -> Void)?

    /// Takes over the checkpoint at `position` (what a starting writer loaded, or wrote).
    init(_ checkpoints: RuleCheckpoints, log: LogStore, at position: RuleCheckpoints.Position) {
        self.checkpoints = checkpoints
        self.log = log
        self.written = position
        self.end = position.size
    }

    /// Why the last step failed, or why this keeper ended; nil when the last step was written.
    var fault: String? { lock.withLock { movedBy ?? lastFailure } }
    /// Steps written by this keeper.
    var steps: Int { lock.withLock { stepsWritten } }
    /// Whether the checkpoint moved under this keeper: the writer must load its state again.
    var isMoved: Bool { lock.withLock { movedBy != nil } }

    /// Whether a checkpoint seen at `position` is this keeper's: where its steps left it, or
    /// where the one being written does. Its cold records are then those of every span up to there.
    func holds(_ position: RuleCheckpoints.Position?) -> Bool {
        lock.withLock { movedBy == nil && position != nil && (position == written || position == writing) }
    }

    /// Keeps the writes of the committed entries `span.start ..< span.end` for a step.
    func append(_ span: StateSync.AppliedSpan) {
        guard span.end > span.start, !isMoved else { return }
        guard span.start == end else {
            // Never a gap: a step over one would make a checkpoint that is no state of the log.
            end(because: "the writes of entries \(span.start) ..< \(span.end) do not follow the \(end) kept for it")
            return
        }
        waiting.append(span)
        end = span.end
    }

    private func end(because why: String) {
        lock.withLock { if movedBy == nil { movedBy = why } }
        waiting = []
    }

    /// Hands the writes kept (after those of a step that failed) to a step when `entries`
    /// entries or `interval` have passed since the last one (or now, with `force`).
    func stepIfDue(entries: UInt64, interval: Duration, force: Bool = false) {
        guard !isMoved else { return }
        let retry = lock.withLock { failed }
        guard let first = retry.first ?? waiting.first else { return }
        guard force || end - first.start >= entries || ContinuousClock.now - lastStep >= interval else { return }
        lastStep = ContinuousClock.now
        // One step at a time: the rules wait here only when the disk is behind them.
        inFlight.wait()
        let step = lock.withLock {
            defer { failed = [] }
            return failed + waiting
        }
        waiting = []
        guard let last = step.last else { return }
        let handed = Handoff(value: step)
        do {
            let to = RuleCheckpoints.Position(size: last.end, head: try log.read { try $0.leafHash(ofEntryBefore: last.end) })
            lock.withLock { writing = to }
            queue.async(group: inFlight) { [self] in write(handed.value, to: to) }
        } catch {
            failedStep(handed.value, "the log's entry \(last.end - 1) could not be read: \(error)")
        }
    }

    /// Waits until every step handed over is written.
    func wait() { inFlight.wait() }

    private func write(_ step: [StateSync.AppliedSpan], to: RuleCheckpoints.Position) {
        let from = lock.withLock { written }
        do {
            try beforeStep?(to.size)
            try checkpoints.advance(from: from, to: to) { write in
                try StateOverlay.forEachWriteInOrder(of: step.map(\.overlay), write)
            }
            lock.withLock {
                written = to
                writing = nil
                lastFailure = nil
                stepsWritten += 1
            }
        } catch let refusal as RuleCheckpoints.Refusal {
            lock.withLock {
                writing = nil
                if movedBy == nil { movedBy = refusal.description }
            }
        } catch {
            failedStep(step, "a step to entry \(to.size) failed, to be tried again at the next: \(error)")
        }
    }

    private func failedStep(_ step: [StateSync.AppliedSpan], _ why: String) {
        lock.withLock {
            writing = nil
            failed = step
            lastFailure = why
        }
    }
}
