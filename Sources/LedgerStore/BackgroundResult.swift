import Dispatch

/// A result computed on another queue and waited for later: how the replay overlaps decoding
/// and hashing the next chunk, and writing the last one, with the rules of the current one, and
/// how the group committer runs a batch's commit while it prepares the next batch, and how a
/// load builds the key filter while it loads the records.
public final class BackgroundResult<T>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<T, Error>?

    /// Runs `work` on `queue`; `wait()` returns its value or rethrows its error.
    public init(on queue: DispatchQueue, _ work: @escaping @Sendable () throws -> T) {
        queue.async {
            self.result = Result { try work() }
            self.done.signal()
        }
    }

    /// A result that is already known (an error to report when it is waited for).
    public init(_ result: Result<T, Error>) {
        self.result = result
        done.signal()
    }

    public func wait() throws -> T {
        done.wait()
        defer { done.signal() }  // waiting twice is allowed
        return try result!.get()
    }
}
