import Foundation
import Synchronization
import LedgerCore
import LedgerStore

/// What a successful verification covered.
public struct VerificationReport: Sendable {
    /// Entries replayed (all of them, or up to the `upTo` cut rounded down to a submission).
    public var entries: UInt64
    /// State keys compared between the live projections and the replay (0 for a partial replay).
    public var stateKeysCompared: Int
    /// The log size at which the projections were compared: the log's size, unless a crash or
    /// a failed state write between a commit's log and its state left the state behind (caught
    /// up by the next writer to start; SPEC.md section 10).
    public var stateSize: UInt64
    public var submissions: UInt64
    public var checkpointsChecked: UInt64
    public var checkpoint: Checkpoint
    public var registryKey: NoteVerifierKey
    /// Every registry key the log has had, the genesis key first, each rotation's after it (the
    /// checkpoints of each rotating commit are signed by both): the chain a trusted key is
    /// looked up in.
    public var registryKeys: [NoteVerifierKey] = []
    /// False when the live projections trail the audit state the replay began from (a crash
    /// came between a commit's log and its state): they could not be compared.
    public var projectionsCompared = true
    /// True when only the projections written since the audit state's last comparison were
    /// compared (a run from an audit state, without `compareAllProjections`); then
    /// `stateKeysCompared` counts a key once per commit of the replay that wrote it.
    public var comparedWrittenOnly = false
    /// Where the replay began: 0, or the size an audit state had verified earlier (only the
    /// entries from there on were replayed).
    public var resumedFrom: UInt64 = 0
    /// The rules checkpoint (`DIR/rules`) compared with the replay: its size and the records
    /// compared; nil when it was not (none, not this log's, before where the replay began, or
    /// moved by a writer while the replay ran: `rulesCheckpointNote` says which).
    public var rulesCheckpointCompared: (size: UInt64, records: Int)?
    public var rulesCheckpointNote: String?
}
