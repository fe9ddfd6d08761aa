/// RFC 6962 proof generation over stored complete-subtree nodes: O(log n) node reads and at most
/// O(log n) hashes for the incomplete right edge, never a pass over the leaves.
public struct MerkleProofBuilder<Reader: MerkleNodeReader> {
    public let reader: Reader
    public let hasher: MerkleHasher

    public init(reader: Reader, hasher: MerkleHasher) {
        self.reader = reader
        self.hasher = hasher
    }

    /// The root of the tree of the first `size` leaves.
    public func root(size: UInt64) throws -> Digest {
        size == 0 ? MerkleHasher.emptyRoot : try subtreeRoot(start: 0, size: size)
    }

    /// The audit path of leaf `index` in the tree of size `size` (RFC 6962 section 2.1.1).
    public func inclusionProof(index: UInt64, size: UInt64) throws -> [Digest] {
        guard index < size else { throw MerkleProofError.indexOutOfRange(index: index, size: size) }
        var path: [Digest] = []
        try appendPath(index: index, start: 0, size: size, into: &path)
        return path
    }

    /// The consistency proof from tree size `from` to `to` (RFC 6962 section 2.1.2); empty when
    /// `from == to`.
    public func consistencyProof(from: UInt64, to: UInt64) throws -> [Digest] {
        guard from > 0, from <= to else { throw MerkleProofError.sizesOutOfOrder(from: from, to: to) }
        var proof: [Digest] = []
        if from < to { try appendSubproof(m: from, start: 0, size: to, complete: true, into: &proof) }
        return proof
    }

    /// MTH(D[start ..< start+size]).
    public func subtreeRoot(start: UInt64, size: UInt64) throws -> Digest {
        precondition(size > 0)
        if size & (size - 1) == 0 {
            let level = size.trailingZeroBitCount
            precondition(start & (size - 1) == 0, "RFC 6962 complete subtrees are aligned")
            return try reader.node(MerkleNodeID(level: level, index: start >> UInt64(level)))
        }
        let k = Self.largestPowerOfTwo(below: size)
        return hasher.nodeHash(try subtreeRoot(start: start, size: k),
                               try subtreeRoot(start: start + k, size: size - k))
    }

    private func appendPath(index m: UInt64, start: UInt64, size n: UInt64, into path: inout [Digest]) throws {
        guard n > 1 else { return }
        let k = Self.largestPowerOfTwo(below: n)
        if m < k {
            try appendPath(index: m, start: start, size: k, into: &path)
            path.append(try subtreeRoot(start: start + k, size: n - k))
        } else {
            try appendPath(index: m - k, start: start + k, size: n - k, into: &path)
            path.append(try subtreeRoot(start: start, size: k))
        }
    }

    private func appendSubproof(m: UInt64, start: UInt64, size n: UInt64, complete b: Bool,
                                into proof: inout [Digest]) throws {
        if m == n {
            if !b { proof.append(try subtreeRoot(start: start, size: n)) }
            return
        }
        let k = Self.largestPowerOfTwo(below: n)
        if m <= k {
            try appendSubproof(m: m, start: start, size: k, complete: b, into: &proof)
            proof.append(try subtreeRoot(start: start + k, size: n - k))
        } else {
            try appendSubproof(m: m - k, start: start + k, size: n - k, complete: false, into: &proof)
            proof.append(try subtreeRoot(start: start, size: k))
        }
    }

    /// The largest power of two strictly below `n` (n >= 2).
    @inlinable
    static func largestPowerOfTwo(below n: UInt64) -> UInt64 {
        precondition(n >= 2)
        return 1 << UInt64(63 - (n - 1).leadingZeroBitCount)
    }
}
