/// A user-facing error: printed as is, exit code 1.
public struct CLIError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
