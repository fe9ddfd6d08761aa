import Foundation
import LedgerCore

extension Timestamp {
    /// The wall clock, in milliseconds. Only the service reads the clock; the core is given times.
    public static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(millisecondsSinceEpoch: Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000)
    }
}
