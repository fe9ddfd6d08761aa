import Dispatch

/// Frees `value` on `queue` instead of the calling thread. The caller's reference is moved in
/// (`value` becomes nil), so the last reference is always the queue's: capturing the value in
/// the closure alone freed it on the caller whenever the queue ran first. Freeing a replayed
/// chunk's state (tens of thousands of records) showed in profiles of the thread that runs the
/// rules (Benchmarks/RESULTS.md, "Measurements behind choices in the code").
func dispose<T>(_ value: inout T?, on queue: DispatchQueue) {
    let disposal = Disposal(value.take())
    queue.async { disposal.drop() }
}

private final class Disposal<T>: @unchecked Sendable {
    private var value: T?
    init(_ value: T?) { self.value = value }
    func drop() { value = nil }
}
