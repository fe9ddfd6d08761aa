import Foundation

/// A thread-safe counter.
final class Counter: @unchecked Sendable {
    private var n = 0
    private let lock = NSLock()
    @discardableResult
    func increment() -> Int {
        lock.lock(); defer { lock.unlock() }
        n += 1
        return n - 1
    }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}
