/// An instant in the commit of an audit state's chunk (`verify --audit-state`) at which
/// `Verifier.auditCommitHook` runs. Crash tests stop the process there and kill it, so the kill
/// lands at a known step of the commit protocol, not at a guessed moment.
public struct AuditCommitPoint: Sendable, Equatable {
    public enum Stage: String, Sendable, CaseIterable {
        /// Inside the chunk's write transaction, after its state and position are put, before
        /// the commit: a kill here must leave the audit state as the commit before left it.
        case beforeCommit = "audit-before-commit"
        /// After the chunk's commit is durable: a kill here must keep exactly that position.
        case afterCommit = "audit-after-commit"
    }

    public var stage: Stage
    /// This run's chunk commits so far, this one included (1-based).
    public var commit: Int
    /// The replay position (entries) the commit records.
    public var position: UInt64

    public init(stage: Stage, commit: Int, position: UInt64) {
        self.stage = stage
        self.commit = commit
        self.position = position
    }
}
