/// A rule broken by a submission: which event, which field, which rule, and why.
public struct RuleViolation: Error, Equatable, CustomStringConvertible {
    /// Index of the offending event in its submission; nil for the submission as a whole.
    public var eventIndex: Int?
    /// JSON path of the offending field (e.g. `type`, `signature`).
    public var field: String
    /// Stable rule id, e.g. `submission.replay`; listed in SPEC.md.
    public var rule: String
    public var message: String
    /// The entry that already holds what this event claims (double counting, double spending,
    /// replay), when there is one.
    public var conflictingSeq: UInt64?

    public init(eventIndex: Int? = nil, field: String, rule: String, message: String, conflictingSeq: UInt64? = nil) {
        self.eventIndex = eventIndex; self.field = field; self.rule = rule; self.message = message; self.conflictingSeq = conflictingSeq
    }

    public var description: String {
        let at = eventIndex.map { "event \($0), " } ?? ""
        return "\(at)field \"\(field)\": \(message) [rule \(rule)]"
    }
}
