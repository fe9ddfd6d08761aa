/// Errors in signed-note keys, notes and checkpoints.
public enum NoteError: Error, Equatable, CustomStringConvertible {
    case malformedKey(String)
    case malformedNote(String)
    case unknownAlgorithm(UInt8)
    case keyHashMismatch
    case noSignatureByKey(String)
    case invalidSignature(String)
    case malformedCheckpoint(String)

    public var description: String {
        switch self {
        case .malformedKey(let why): return "malformed key: \(why)"
        case .malformedNote(let why): return "malformed note: \(why)"
        case .unknownAlgorithm(let a): return "unknown signature algorithm 0x\(Hex.encode([a])) (only Ed25519, 0x01)"
        case .keyHashMismatch: return "key hash does not match the key's name and bytes"
        case .noSignatureByKey(let k): return "the note carries no signature by key \(k)"
        case .invalidSignature(let k): return "invalid signature for key \(k)"
        case .malformedCheckpoint(let why): return "malformed checkpoint: \(why)"
        }
    }
}
