/// The right edge of an append-only RFC 6962 tree (a "compact range" from index 0): the roots of
/// its maximal complete subtrees, largest first. Appending a leaf yields the complete nodes it
/// finishes, which the store persists so proofs never recompute from the leaves.
public struct MerkleFrontier: Sendable, Equatable {
    /// Roots of the complete subtrees, from the largest (leftmost) to the smallest.
    public private(set) var hashes: [Digest] = []
    /// Number of leaves.
    public private(set) var size: UInt64 = 0

    public init() {}

    /// Restores a frontier from stored nodes: one read per set bit of `size`.
    public init(size: UInt64, reader: some MerkleNodeReader) throws {
        var start: UInt64 = 0
        for level in stride(from: 63, through: 0, by: -1) where size & (1 << UInt64(level)) != 0 {
            hashes.append(try reader.node(MerkleNodeID(level: level, index: start >> UInt64(level))))
            start += 1 << UInt64(level)
        }
        self.size = size
    }

    /// A frontier as recorded (`hashes`, largest subtree first); nil unless it holds one hash
    /// per set bit of `size`.
    public init?(size: UInt64, hashes: [Digest]) {
        guard hashes.count == size.nonzeroBitCount else { return nil }
        self.size = size
        self.hashes = hashes
    }

    /// Appends a leaf hash; `store` receives every node completed by it, the leaf first.
    public mutating func append(leafHash: Digest, hasher: MerkleHasher,
                                store: (Int, UInt64, Digest) throws -> Void) rethrows {
        try store(0, size, leafHash)
        try append(leafHash: leafHash, merged: 0, node: leafHash, hasher: hasher, store: store)
    }

    /// `append` of a leaf whose first `merged` completed nodes are known already, the last of
    /// them `node` (a replay's workers hash, and check against the stored ones, the leaf and the
    /// nodes whose leaves all lie in their part of the log): `store` receives only the nodes
    /// after those, which reach further left.
    public mutating func append(leafHash: Digest, merged: Int, node: Digest, hasher: MerkleHasher,
                                store: (Int, UInt64, Digest) throws -> Void) rethrows {
        assert(merged <= (~size).trailingZeroBitCount, "a leaf completes one node per trailing 1 bit of its index")
        hashes.removeLast(merged)
        var h = merged > 0 ? node : leafHash
        var index = size >> UInt64(merged)
        var level = merged
        while index & 1 == 1 {
            h = hasher.nodeHash(hashes.removeLast(), h)
            index >>= 1
            level += 1
            try store(level, index, h)
        }
        hashes.append(h)
        size += 1
        assert(hashes.count == size.nonzeroBitCount, "frontier must hold one root per set bit of size")
    }

    /// The tree root (the empty-tree hash for size 0).
    public func root(hasher: MerkleHasher) -> Digest {
        guard var r = hashes.last else { return MerkleHasher.emptyRoot }
        for h in hashes.dropLast().reversed() { r = hasher.nodeHash(h, r) }
        return r
    }
}
