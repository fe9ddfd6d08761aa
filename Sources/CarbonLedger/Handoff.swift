import Dispatch

/// Hands a value that is not `Sendable` to another thread that alone uses it from then on
/// (a finished chunk's state changes, written by the scratch-store thread).
struct Handoff<T>: @unchecked Sendable {
    let value: T
}
