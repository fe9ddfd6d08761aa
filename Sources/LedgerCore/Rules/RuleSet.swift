/// The rule sets a log can be bound to by its genesis event's `rules` member (SPEC.md section 8).
/// A log keeps the rule set it was created with for its whole life, so a log written under v1
/// replays and verifies exactly as it did, while new ledgers get the latest rules.
public enum RuleSet: String, CaseIterable, Comparable, Sendable {
    /// The first rules: each retirement declares its own compliance allowance, admins may give
    /// any account a holder key, discrete acts are checked per platform, redemptions are not
    /// idempotent, issuance requests aggregate every platform's consented reports.
    case v1 = "carbonledger/v1"
    /// Issue 21's rules (SPEC.md section 8.23 lists what changed).
    case v2 = "carbonledger/v2"
    /// The programme's windows: how late a behaviour may be reported and reversed (SPEC.md
    /// section 8.23).
    case v3 = "carbonledger/v3"

    /// What `cledger init` writes.
    public static let latest = RuleSet.v3

    private var rank: Int { RuleSet.allCases.firstIndex(of: self) ?? 0 }
    public static func < (a: RuleSet, b: RuleSet) -> Bool { a.rank < b.rank }
}
