/// Account kinds (SPEC.md section 8.5).
public enum AccountKind: String, CaseIterable, Sendable {
    case person, employee, enterprise, platform, project, welfare
}
