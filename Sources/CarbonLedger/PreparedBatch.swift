import LedgerCore

/// A batch whose rules have run but which is not yet durable: everything `Sequencer.commit`
/// writes in one transaction. Nothing outside the sequencer looks inside; callers pass it from
/// `prepare` to `commit` (and to the next `prepare`, to pipeline).
public final class PreparedBatch: @unchecked Sendable {
    /// What the commit writes, collected while the rules run.
    struct Contents {
        /// The commit time of every entry of the batch.
        let time: Timestamp
        /// Per submission, in order: its receipt (tree size filled in by the commit) or the rule it broke.
        var outcomes: [Result<AppendReceipt, RuleViolation>] = []
        /// Entry bytes of each accepted submission, from its first seq.
        var entries: [(firstSeq: UInt64, bytes: [[UInt8]])] = []
        /// Tree nodes the new leaves complete, in append order.
        var nodes: [(MerkleNodeID, Digest)] = []
        /// Accepted submissions' roots, for the replay index.
        var accepted: [(root: Digest, firstSeq: UInt64)] = []
        /// Refused submissions, kept for statistics.
        var rejections: [(root: Digest, record: JSONValue)] = []

        init(time: Timestamp) { self.time = time }

        /// Appends an accepted submission's entries to the tree of `st`, collecting the entries,
        /// the nodes they complete and the index record for the commit.
        mutating func append(_ built: SubmissionEntries, root: Digest, firstSeq: UInt64, to st: inout WriterState, hasher: MerkleHasher) {
            for (i, leaf) in built.leafHashes.enumerated() {
                assert(firstSeq + UInt64(i) == st.frontier.size, "entries are appended at the tree's next leaf")
                st.frontier.append(leafHash: leaf, hasher: hasher) { level, index, hash in
                    nodes.append((MerkleNodeID(level: level, index: index), hash))
                }
            }
            st.head = built.head
            entries.append((firstSeq, built.bytes))
            accepted.append((root, firstSeq))
        }
    }

    /// The submissions, in the order they were prepared.
    public let submissions: [Submission]
    let contents: Contents
    /// The batch's changes of the rules' state in memory, made there and journaled (undone if
    /// the commit fails), and listed for the commit to store.
    let state: StateOverlay
    /// Whether the commit went through (set by `Sequencer.commit` under its lock).
    enum Outcome { case committed, failed }
    var outcome: Outcome?
    /// What the batch gives the read models, written with its state at the commit.
    let effects: StateSync.AppliedSpan.Effects
    /// Whether its state changes and read models were written after the commit (set by the
    /// `Projector` under its lock): the rules checkpoint takes them only once they were.
    enum StateWrite { case pending, written, failed }
    var stateWrite = StateWrite.pending
    /// The writer state the batch was prepared over, and the one its commit leaves.
    let start: WriterState
    let end: WriterState

    init(submissions: [Submission], contents: Contents, state: StateOverlay, effects: StateSync.AppliedSpan.Effects, start: WriterState, end: WriterState) {
        self.submissions = submissions
        self.contents = contents
        self.state = state
        self.effects = effects
        self.start = start
        self.end = end
    }

    /// The entries it applied, its overlay and its effects.
    var span: StateSync.AppliedSpan {
        StateSync.AppliedSpan(start: start.frontier.size, end: end.frontier.size, overlay: state, effects: effects)
    }
}
