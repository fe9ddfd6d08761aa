/// A rule broken by a submission: which event, which field, which rule, and why.
public struct RuleViolation: Error, Equatable, CustomStringConvertible {
    /// Index of the offending event in its submission; nil for the submission as a whole.
    public var eventIndex: Int?
    /// JSON path of the offending field (e.g. `type`, `signature`).
    public var field: String
    /// The rule broken (SPEC.md section 8.22).
    public var rule: RuleID
    /// The event's type, which a `.fields` rule's id names.
    public var eventType: String?
    public var message: String
    /// The entry that already holds what this event claims (double counting, double spending,
    /// replay), when there is one.
    public var conflictingSeq: UInt64?

    public init(eventIndex: Int? = nil, field: String, rule: RuleID, eventType: String? = nil, message: String, conflictingSeq: UInt64? = nil) {
        self.eventIndex = eventIndex; self.field = field; self.rule = rule; self.eventType = eventType; self.message = message
        self.conflictingSeq = conflictingSeq
    }

    /// The stable id clients see, e.g. `submission.replay`, or `behaviour.report.fields`.
    public var id: String { rule == .fields ? "\(eventType ?? "event").fields" : rule.rawValue }

    public var description: String {
        let at = eventIndex.map { "event \($0), " } ?? ""
        return "\(at)field \"\(field)\": \(message) [rule \(id)]"
    }
}
