import Foundation

/// The empty state: what replay starts from.
public final class EmptyState: StateReader {
    public init() {}
    public func get(_ key: String) throws -> JSONValue? { nil }
    public func predecessor(parent: String, before: String) throws -> (key: String, value: JSONValue)? { nil }
    public func children(of parent: String) throws -> [(key: String, value: JSONValue)] { [] }
}
