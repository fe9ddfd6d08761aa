/// What the rules know about the ledger, derived only from the log: the sequencer keeps it as it
/// appends and the verifier rebuilds it on replay, with the same `Reducer`.
public struct LedgerState: Equatable, Sendable {
    /// The registry's name for this log, from the genesis event (also the checkpoint origin).
    public var origin: String?
    /// The registry's checkpoint key, from the genesis event.
    public var registryKey: NoteVerifierKey?
    /// The rule set the genesis event binds the log to.
    public var rules: RuleSet = .v1
    /// The programme's windows the genesis event states (v3 on; nil before).
    public var windows: Windows?
    /// Entries applied so far (the next seq).
    public var size: UInt64 = 0

    public init() {}
}
