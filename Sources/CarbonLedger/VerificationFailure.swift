import Foundation
import Synchronization
import LedgerCore
import LedgerStore

/// The first fault `verify` found: where, and why.
public struct VerificationFailure: Error, Equatable, CustomStringConvertible {
    /// The first bad seq, when the fault belongs to an entry.
    public var seq: UInt64?
    public var reason: String

    public var description: String {
        if let s = seq { return "seq \(s): \(reason)" }
        return reason
    }
}
