/// Where an RFC 6962 tree node lives: level 0 holds leaf hashes, and node (level, index) is the
/// root of the complete subtree over leaves [index * 2^level, (index + 1) * 2^level).
public struct MerkleNodeID: Hashable, Sendable, CustomStringConvertible {
    public var level: Int
    public var index: UInt64
    public init(level: Int, index: UInt64) { self.level = level; self.index = index }
    public var description: String { "node(level \(level), index \(index))" }
}

extension MerkleNodeID {
    /// The node's position in append order (as in Go's tlog.StoredHashIndex): appending leaf m
    /// completes leaf m and then its finished ancestors, so storing nodes under this index makes
    /// every write an append. Index = 2m - popcount(m) + level, with m the last leaf it covers.
    @inlinable
    public var storageIndex: UInt64 {
        Self.storedCount(leaves: (index + 1) << UInt64(level) - 1) + UInt64(level)
    }

    /// Nodes stored for a tree of `leaves` leaves (one per complete subtree): the storage index
    /// of the first node that leaf `leaves` completes.
    @inlinable
    public static func storedCount(leaves: UInt64) -> UInt64 {
        2 * leaves - UInt64(leaves.nonzeroBitCount)
    }
}
