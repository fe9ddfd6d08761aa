import Dispatch

/// A result computed on another queue and waited for later: how the replay overlaps decoding
/// and hashing the next chunk, and writing the last one, with the rules of the current one, and
/// how the group committer runs a batch's commit while it prepares the next batch.
final class BackgroundResult<T>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<T, Error>?

    /// Runs `work` on `queue`; `wait()` returns its value or rethrows its error.
    init(on queue: DispatchQueue, _ work: @escaping @Sendable () throws -> T) {
        queue.async {
            self.result = Result { try work() }
            self.done.signal()
        }
    }

    /// A result that is already known (an error to report when it is waited for).
    init(_ result: Result<T, Error>) {
        self.result = result
        done.signal()
    }

    func wait() throws -> T {
        done.wait()
        defer { done.signal() }  // waiting twice is allowed
        return try result!.get()
    }
}

/// Hands a value that is not `Sendable` to another thread that alone uses it from then on
/// (a finished chunk's state changes, written by the scratch-store thread).
struct Handoff<T>: @unchecked Sendable {
    let value: T
}

/// Frees `value` on `queue` instead of the calling thread. The caller's reference is moved in
/// (`value` becomes nil), so the last reference is always the queue's: capturing the value in
/// the closure alone freed it on the caller whenever the queue ran first. Freeing a replayed
/// chunk's state (tens of thousands of records) cost 5% of the thread that runs the rules.
func dispose<T>(_ value: inout T?, on queue: DispatchQueue) {
    let disposal = Disposal(value.take())
    queue.async { disposal.drop() }
}

private final class Disposal<T>: @unchecked Sendable {
    private var value: T?
    init(_ value: T?) { self.value = value }
    func drop() { value = nil }
}
