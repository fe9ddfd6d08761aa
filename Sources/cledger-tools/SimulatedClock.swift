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
