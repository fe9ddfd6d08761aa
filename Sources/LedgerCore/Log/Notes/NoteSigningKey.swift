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
