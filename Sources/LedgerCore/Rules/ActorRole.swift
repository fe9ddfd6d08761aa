/// Roles a registered key can hold (SPEC.md section 8.3).
public enum ActorRole: String, CaseIterable, Sendable {
    case admin, platform, verifier, issuer, holder, exchange
    /// The competent authority of a compliance scheme: it states companies' allowances (v2).
    case authority

    /// The roles of `rules`.
    static func of(_ rules: RuleSet) -> [ActorRole] { rules >= .v2 ? allCases : allCases.filter { $0 != .authority } }
}
