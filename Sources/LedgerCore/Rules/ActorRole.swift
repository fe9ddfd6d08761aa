/// Roles a registered key can hold (SPEC.md section 8.3).
public enum ActorRole: String, CaseIterable, Sendable {
    case admin, platform, verifier, issuer, holder, exchange
}
