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
/// A step that fails (a full disk) stops the checkpoints of this writer, never its appends: the
/// checkpoint keeps the state of an older step, which is still the log's, and the next writer to
/// start replays from there (and rebuilds it, if it is not the log's any more).
final class RuleCheckpointer: @unchecked Sendable {
    let checkpoints: RuleCheckpoints?
    private let log: LogStore

    /// The batches' and replays' writes not yet handed to a step, oldest first, contiguous
    /// (used under the sequencer's rules lock, as `append` and `stepIfDue` are).
    private var waiting: [StateSync.AppliedSpan] = []
    /// Where the entries of `waiting` end: the checkpoint's size once they are written.
    private var end: UInt64
    private var lastStep = ContinuousClock.now
    private let queue = DispatchQueue(label: "carbonledger.rules-checkpoint")
    private let inFlight = DispatchGroup()
    /// Where the checkpoint stands once the steps handed over are written (read and written on
    /// `queue` only).
    private var position: RuleCheckpoints.Position
    private let lock = NSLock()
    private var stoppedBy: String?
    private var stepsWritten = 0

    /// Takes over the checkpoint at `position` (what a starting writer loaded, or wrote); or,
    /// with `stoppedBy`, keeps none (it could not be opened or made).
    init(_ checkpoints: RuleCheckpoints?, log: LogStore, at position: RuleCheckpoints.Position, stoppedBy: String? = nil) {
        self.checkpoints = checkpoints
        self.log = log
        self.position = position
        self.end = position.size
        self.stoppedBy = checkpoints == nil ? stoppedBy ?? "no rules checkpoint" : stoppedBy
    }

    /// Why this writer's checkpoints stopped, if they did.
    var fault: String? { lock.withLock { stoppedBy } }
    /// Steps written by this writer.
    var steps: Int { lock.withLock { stepsWritten } }

    /// Stops the steps of this writer, from the rules' thread: what it keeps no longer follows
    /// from where the checkpoint stands.
    func abandon(_ why: String) {
        stop(why)
        waiting = []
    }

    private func stop(_ why: String) {
        lock.withLock { if stoppedBy == nil { stoppedBy = why } }
    }

    /// Keeps the writes of the committed entries `span.start ..< span.end` for a step.
    func append(_ span: StateSync.AppliedSpan) {
        guard span.end > span.start, fault == nil else { return }
        guard span.start == end else {
            // Never a gap: a step over one would make a checkpoint that is no state of the log.
            stop("the writes of entries \(span.start) ..< \(span.end) do not follow the \(end) kept for it")
            waiting = []
            return
        }
        waiting.append(span)
        end = span.end
    }

    /// Hands the writes kept to a step when `entries` entries or `interval` have passed since
    /// the last one (or now, with `force`).
    func stepIfDue(entries: UInt64, interval: Duration, force: Bool = false) {
        guard let first = waiting.first, fault == nil else { return }
        guard force || end - first.start >= entries || ContinuousClock.now - lastStep >= interval else { return }
        let step = waiting
        waiting = []
        lastStep = ContinuousClock.now
        // One step at a time: the rules wait here only when the disk is behind them.
        inFlight.wait()
        let handed = Handoff(value: step)
        queue.async(group: inFlight) { [self] in write(handed.value) }
    }

    /// Waits until every step handed over is written.
    func wait() { inFlight.wait() }

    private func write(_ step: [StateSync.AppliedSpan]) {
        guard fault == nil, let checkpoints, let last = step.last else { return }
        do {
            let to = RuleCheckpoints.Position(size: last.end, head: try log.read { try $0.leafHash(ofEntryBefore: last.end) })
            try checkpoints.advance(from: position, to: to) { write in
                for span in step { try span.overlay.forEachWriteInOrder(write) }
            }
            position = to
            lock.withLock { stepsWritten += 1 }
        } catch {
            stop("a step to entry \(last.end) failed: \(error)")
        }
    }
}
