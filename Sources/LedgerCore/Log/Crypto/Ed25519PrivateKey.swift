import Foundation

/// An Ed25519 private key (its 32-byte seed) with its public key.
public struct Ed25519PrivateKey: Sendable {
    /// The 32-byte RFC 8032 seed.
    public let seed: [UInt8]
    /// The matching public key.
    public let publicKey: Ed25519PublicKey

    /// A fresh key from libcrypto's CSPRNG.
    public static func generate() throws -> Ed25519PrivateKey {
        try Ed25519PrivateKey(seed: LibCryptoEd25519.randomBytes(32))
    }

    public init(seed: [UInt8]) throws {
        guard seed.count == 32 else { throw CryptoError.badKeyLength(expected: 32, actual: seed.count) }
        self.seed = seed
        self.publicKey = try Ed25519PublicKey(raw: LibCryptoEd25519.publicKey(seed: seed))
    }

    /// Signs `message` (pure Ed25519, no pre-hash).
    public func sign<C: ContiguousBytes>(_ message: C) throws -> [UInt8] {
        try message.withUnsafeBytes { try LibCryptoEd25519.sign(seed: seed, message: $0) }
    }
}
