import Foundation

/// A token bucket per signer key: `rate` submissions per second, bursts up to `burst`.
final class RateLimiter: @unchecked Sendable {
    private let lock = NSLock()
    private var buckets: [String: (tokens: Double, at: Double)] = [:]
    let rate: Double
    let burst: Double

    init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = burst
    }

    /// True if `key` may submit now (and takes a token).
    func allow(_ key: String, now: Double = Date().timeIntervalSinceReferenceDate) -> Bool {
        lock.lock(); defer { lock.unlock() }
        var b = buckets[key] ?? (burst, now)
        b.tokens = min(burst, b.tokens + (now - b.at) * rate)
        b.at = now
        guard b.tokens >= 1 else { buckets[key] = b; return false }
        b.tokens -= 1
        buckets[key] = b
        if buckets.count > 100_000 { buckets = buckets.filter { now - $0.value.at < 60 } }
        return true
    }
}
