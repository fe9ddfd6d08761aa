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
