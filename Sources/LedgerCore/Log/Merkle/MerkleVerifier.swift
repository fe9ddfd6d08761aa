/// Offline verification of RFC 6962 proofs (the algorithms of RFC 9162 sections 2.1.3.2 and
/// 2.1.4.2). Needs nothing but the hashes.
public enum MerkleVerifier {
    /// The root implied by an inclusion proof.
    public static func rootFromInclusionProof(index: UInt64, size: UInt64, leafHash: Digest, proof: [Digest],
                                              hasher: MerkleHasher) throws(MerkleVerificationError) -> Digest {
        guard index < size else { throw .indexOutOfRange(index: index, size: size) }
        let inner = innerProofSize(index: index, size: size)
        let border = (index >> UInt64(inner)).nonzeroBitCount
        guard proof.count == inner + border else {
            throw .wrongProofLength(expected: inner + border, actual: proof.count)
        }
        var r = leafHash
        for i in 0..<inner {
            r = (index >> UInt64(i)) & 1 == 0 ? hasher.nodeHash(r, proof[i]) : hasher.nodeHash(proof[i], r)
        }
        for i in inner..<proof.count { r = hasher.nodeHash(proof[i], r) }
        return r
    }

    /// Checks that `leafHash` is leaf `index` of the tree of size `size` with root `root`.
    public static func verifyInclusion(index: UInt64, size: UInt64, leafHash: Digest, proof: [Digest],
                                       root: Digest, hasher: MerkleHasher) throws(MerkleVerificationError) {
        let computed = try rootFromInclusionProof(index: index, size: size, leafHash: leafHash, proof: proof, hasher: hasher)
        guard computed == root else { throw .rootMismatch(computed: computed, expected: root) }
    }

    /// Checks that the tree of size `size1` with root `root1` is a prefix of the tree of size
    /// `size2` with root `root2`.
    public static func verifyConsistency(size1: UInt64, size2: UInt64, root1: Digest, root2: Digest,
                                         proof: [Digest], hasher: MerkleHasher) throws(MerkleVerificationError) {
        guard size1 <= size2 else { throw .sizesOutOfOrder(from: size1, to: size2) }
        if size1 == size2 {
            guard proof.isEmpty else { throw .nonEmptyProofForEqualSizes }
            guard root1 == root2 else { throw .rootMismatch(computed: root1, expected: root2) }
            return
        }
        if size1 == 0 {
            guard proof.isEmpty else { throw .nonEmptyProofForEqualSizes }
            return
        }
        guard !proof.isEmpty else { throw .emptyProof }

        let inner = innerProofSize(index: size1 - 1, size: size2)
        let shift = (size1).trailingZeroBitCount
        let innerAfterShift = inner - shift
        // When size1 is a power of two its root is the first "proof" node (RFC 9162 step 2).
        let seed: Digest
        var start = 0
        if size1 == 1 << UInt64(shift) {
            seed = root1
        } else {
            seed = proof[0]
            start = 1
        }
        let mask = (size1 - 1) >> UInt64(shift)
        let border = (mask >> UInt64(innerAfterShift)).nonzeroBitCount
        let expected = start + innerAfterShift + border
        guard proof.count == expected else { throw .wrongProofLength(expected: expected, actual: proof.count) }
        let rest = Array(proof[start...])

        var h1 = seed
        var h2 = seed
        for i in 0..<innerAfterShift {
            if (mask >> UInt64(i)) & 1 == 1 {
                h1 = hasher.nodeHash(rest[i], h1)
                h2 = hasher.nodeHash(rest[i], h2)
            } else {
                h2 = hasher.nodeHash(h2, rest[i])
            }
        }
        for i in innerAfterShift..<rest.count {
            h1 = hasher.nodeHash(rest[i], h1)
            h2 = hasher.nodeHash(rest[i], h2)
        }
        guard h1 == root1 else { throw .rootMismatch(computed: h1, expected: root1) }
        guard h2 == root2 else { throw .rootMismatch(computed: h2, expected: root2) }
    }

    /// Number of proof nodes below the point where the leaf's path meets the tree's right border.
    @inlinable
    static func innerProofSize(index: UInt64, size: UInt64) -> Int {
        64 - (index ^ (size - 1)).leadingZeroBitCount
    }
}
