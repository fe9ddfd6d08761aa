/// The tree nodes a run of consecutive leaves completes among themselves, hashed and checked
/// against the stored nodes apart from the rest of the tree: a replay's workers do this for
/// their part of the log, so that the replay's own thread hashes and reads only the few nodes
/// that reach left of a part (`MerkleFrontier.append(leafHash:merged:node:hasher:store:)`).
public enum MerkleRunNodes {
    /// What one leaf of the run completes inside it.
    public struct Leaf: Sendable, Equatable {
        /// How many nodes above the leaf it completes inside the run.
        public var merged: UInt8
        /// The last of them (the leaf hash when none).
        public var node: Digest
        /// Whether the stored leaf node and those nodes are the ones hashed.
        public var matches: Bool
    }

    /// For the leaves `first ..< first + leafHashes.count`, what each completes inside the run.
    /// `stored[i]` is the stored node of storage index `MerkleNodeID.storedCount(leaves: first) + i`, nil
    /// where it is missing or not 32 bytes; it holds at least the nodes the run's leaves complete.
    public static func compute(first: UInt64, leafHashes: ArraySlice<Digest>, stored: ArraySlice<Digest?>, hasher: MerkleHasher) -> [Leaf] {
        let base = MerkleNodeID.storedCount(leaves: first)
        // The run's complete subtrees not merged yet, as (level, index, hash), largest first.
        var open: [(level: Int, index: UInt64, hash: Digest)] = []
        var out: [Leaf] = []
        out.reserveCapacity(leafHashes.count)
        for (k, leaf) in leafHashes.enumerated() {
            let m = first + UInt64(k)
            let at = stored.startIndex + Int(MerkleNodeID.storedCount(leaves: m) - base)
            func matches(_ level: Int, _ h: Digest) -> Bool {
                let i = at + level
                return i < stored.endIndex && stored[i] == h
            }
            var h = leaf, index = m, level = 0
            var ok = matches(0, h)
            // A left sibling inside the run is the last subtree left open.
            while index & 1 == 1, let top = open.last, top.level == level, top.index == index - 1 {
                open.removeLast()
                h = hasher.nodeHash(top.hash, h)
                index >>= 1
                level += 1
                ok = ok && matches(level, h)
            }
            open.append((level, index, h))
            out.append(Leaf(merged: UInt8(level), node: h, matches: ok))
        }
        return out
    }
}
