/// Account kinds (SPEC.md section 8.5).
public enum AccountKind: String, CaseIterable, Sendable {
    case person, employee, enterprise, platform, project, welfare
}

extension AccountKind {
    /// The kind with its article, for messages ("an enterprise").
    public var withArticle: String { self == .enterprise ? "an enterprise" : "a \(rawValue)" }
}
