/// Why a proof document was refused.
public enum ProofError: Error, Equatable, CustomStringConvertible {
    case json(JSONError)
    case field(String, String)
    case checkpoint(String, NoteError)
    case merkle(MerkleVerificationError)
    case mismatch(String)

    public var description: String {
        switch self {
        case .json(let e): return "proof is not valid JSON: \(e)"
        case .field(let f, let why): return "proof field \"\(f)\": \(why)"
        case .checkpoint(let f, let e): return "proof field \"\(f)\": \(e)"
        case .merkle(let e): return "Merkle proof does not verify: \(e)"
        case .mismatch(let why): return why
        }
    }
}
