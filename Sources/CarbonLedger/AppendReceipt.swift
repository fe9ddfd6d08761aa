import Foundation
import LedgerCore
import LedgerStore

/// What an accepted submission got.
public struct AppendReceipt: Equatable, Sendable {
    /// Seq of its first event; its events occupy `firstSeq ..< firstSeq + count`.
    public var firstSeq: UInt64
    public var count: Int
    /// The submission's root (its identity).
    public var root: Digest
    /// The tree size of the checkpoint signed by the commit that made it durable.
    public var treeSize: UInt64

    public var lastSeq: UInt64 { firstSeq + UInt64(count) - 1 }
}
