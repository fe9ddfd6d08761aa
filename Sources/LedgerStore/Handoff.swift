import Dispatch

/// Hands a value that is not `Sendable` to another thread that alone uses it from then on
/// (a finished chunk's state changes, written by the scratch-store thread; the pages of the key
/// filter's hashes, read by the thread that builds it).
public struct Handoff<T>: @unchecked Sendable {
    public let value: T

    public init(value: T) { self.value = value }
}
