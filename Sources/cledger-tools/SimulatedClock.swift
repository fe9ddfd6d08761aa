import Foundation
import LedgerCore

/// The time a benchmark's simulated day is appended at, set as the run moves from day to day:
/// the ledger's clock for `stress-append --simulated-clock`.
final class SimulatedClock: @unchecked Sendable {
    private var time: Timestamp
    private let lock = NSLock()

    init(_ time: Timestamp) { self.time = time }

    var now: Timestamp { lock.withLock { time } }

    func set(_ t: Timestamp) { lock.withLock { time = t } }
}

/// The process's anonymous resident memory (heap and stacks, not the mapped LMDB files), in
/// bytes, from /proc/self/status; nil where there is none.
func anonymousResidentBytes() -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix("RssAnon:") {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 2, let kb = Int(fields[1]) else { return nil }
        return kb * 1024
    }
    return nil
}
