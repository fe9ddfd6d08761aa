/// Why a Merkle proof did not verify.
public enum MerkleVerificationError: Error, Equatable, CustomStringConvertible {
    case indexOutOfRange(index: UInt64, size: UInt64)
    case wrongProofLength(expected: Int, actual: Int)
    case rootMismatch(computed: Digest, expected: Digest)
    case sizesOutOfOrder(from: UInt64, to: UInt64)
    case nonEmptyProofForEqualSizes
    case emptyProof

    public var description: String {
        switch self {
        case .indexOutOfRange(let i, let s): return "leaf index \(i) is not below tree size \(s)"
        case .wrongProofLength(let e, let a): return "proof has \(a) hashes, a valid one has \(e)"
        case .rootMismatch(let c, let e): return "proof leads to root \(c), expected \(e)"
        case .sizesOutOfOrder(let a, let b): return "consistency needs from <= to, got from \(a), to \(b)"
        case .nonEmptyProofForEqualSizes: return "proof between equal or empty sizes must be empty"
        case .emptyProof: return "proof is empty"
        }
    }
}
