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

/// Signed-note key names: non-empty UTF-8 without whitespace or '+'.
func isValidKeyName(_ name: String) -> Bool {
    !name.isEmpty && !name.unicodeScalars.contains { $0 == "+" || $0.properties.isWhitespace }
}

/// The C2SP signed-note key ID: the first 4 bytes (big-endian) of
/// SHA-256(name || 0x0A || 0x01 || public key).
func noteKeyHash(name: String, publicKey: Ed25519PublicKey) -> UInt32 {
    var msg = Array(name.utf8)
    msg.append(0x0A)
    msg.append(0x01)
    msg.append(contentsOf: publicKey.raw)
    let d = SHA256Context().hash(msg).bytes
    return UInt32(d[0]) << 24 | UInt32(d[1]) << 16 | UInt32(d[2]) << 8 | UInt32(d[3])
}

/// Parses the `keyid+base64(0x01 || 32 bytes)` tail shared by both key formats.
func parseKeyIDAndMaterial(_ idText: Substring, _ b64: Substring) throws(NoteError) -> (UInt32, [UInt8]) {
    guard idText.utf8.count == 8, let idBytes = Hex.decode(String(idText)) else {
        throw .malformedKey("key id must be 8 lowercase hex digits")
    }
    guard let raw = Base64.decode(String(b64)), !raw.isEmpty else { throw .malformedKey("bad base64 key") }
    guard raw[0] == 0x01 else { throw .unknownAlgorithm(raw[0]) }
    guard raw.count == 33 else { throw .malformedKey("an Ed25519 key is 32 bytes after the algorithm byte") }
    let id = UInt32(idBytes[0]) << 24 | UInt32(idBytes[1]) << 16 | UInt32(idBytes[2]) << 8 | UInt32(idBytes[3])
    return (id, Array(raw[1...]))
}

func hex8(_ v: UInt32) -> String {
    Hex.encode([UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)])
}

/// An Ed25519 verifier key in the C2SP signed-note format `name+keyid+base64(0x01 || key)`.
public struct NoteVerifierKey: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public let keyHash: UInt32
    public let publicKey: Ed25519PublicKey

    public init(name: String, publicKey: Ed25519PublicKey) throws(NoteError) {
        guard isValidKeyName(name) else { throw .malformedKey("name \"\(name)\" is empty or has '+' or whitespace") }
        self.name = name
        self.publicKey = publicKey
        self.keyHash = noteKeyHash(name: name, publicKey: publicKey)
    }

    /// Parses `name+keyid+base64`.
    public init(_ text: String) throws(NoteError) {
        let parts = text.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformedKey("expected name+keyid+base64") }
        let (id, raw) = try parseKeyIDAndMaterial(parts[1], parts[2])
        guard let pk = try? Ed25519PublicKey(raw: raw) else { throw .malformedKey("Ed25519 public key must be 32 bytes") }
        try self.init(name: String(parts[0]), publicKey: pk)
        guard id == keyHash else { throw .keyHashMismatch }
    }

    public var description: String {
        "\(name)+\(hex8(keyHash))+\(Base64.encode([0x01] + publicKey.raw))"
    }
}

/// An Ed25519 signing key in the C2SP signed-note format `PRIVATE+KEY+name+keyid+base64(0x01 || seed)`.
public struct NoteSigningKey: Sendable {
    public let name: String
    public let privateKey: Ed25519PrivateKey
    public let verifierKey: NoteVerifierKey

    public init(name: String, privateKey: Ed25519PrivateKey) throws(NoteError) {
        self.name = name
        self.privateKey = privateKey
        self.verifierKey = try NoteVerifierKey(name: name, publicKey: privateKey.publicKey)
    }

    /// A fresh key.
    public static func generate(name: String) throws -> NoteSigningKey {
        try NoteSigningKey(name: name, privateKey: Ed25519PrivateKey.generate())
    }

    /// Parses `PRIVATE+KEY+name+keyid+base64` (surrounding whitespace, such as a file's final
    /// newline, is ignored).
    public init(_ text: String) throws(NoteError) {
        let t = text.trimmingASCIIWhitespace()
        let parts = t.split(separator: "+", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "PRIVATE", parts[1] == "KEY" else {
            throw .malformedKey("expected PRIVATE+KEY+name+keyid+base64")
        }
        let (id, raw) = try parseKeyIDAndMaterial(parts[3], parts[4])
        guard let sk = try? Ed25519PrivateKey(seed: raw) else { throw .malformedKey("Ed25519 seed must be 32 bytes") }
        try self.init(name: String(parts[2]), privateKey: sk)
        guard id == verifierKey.keyHash else { throw .keyHashMismatch }
    }

    /// The private key file text (without a trailing newline).
    public var encoded: String {
        "PRIVATE+KEY+\(name)+\(hex8(verifierKey.keyHash))+\(Base64.encode([0x01] + privateKey.seed))"
    }

    /// Signs raw bytes with the Ed25519 key.
    public func sign(_ message: [UInt8]) -> [UInt8] {
        do { return try privateKey.sign(message) } catch {
            // A 32-byte seed was validated at construction; libcrypto failing here means the
            // process cannot sign anything, and signing nothing silently would be worse.
            fatalError("Ed25519 signing failed: \(error)")
        }
    }
}

extension String {
    func trimmingASCIIWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\n" || f == "\r" || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\n" || l == "\r" || l == "\t" { s.removeLast() }
        return String(s)
    }
}
