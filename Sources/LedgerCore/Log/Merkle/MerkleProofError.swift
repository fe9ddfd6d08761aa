/// Why a proof could not be produced.
public enum MerkleProofError: Error, Equatable, CustomStringConvertible {
    case indexOutOfRange(index: UInt64, size: UInt64)
    case sizesOutOfOrder(from: UInt64, to: UInt64)
    case sizeBeyondTree(size: UInt64, treeSize: UInt64)

    public var description: String {
        switch self {
        case .indexOutOfRange(let i, let s): return "leaf index \(i) is not below tree size \(s)"
        case .sizesOutOfOrder(let a, let b): return "consistency needs 0 < from <= to, got from \(a), to \(b)"
        case .sizeBeyondTree(let s, let t): return "tree size \(s) exceeds the log's size \(t)"
        }
    }
}
