import Foundation

/// An Ed25519 public key.
public struct Ed25519PublicKey: Hashable, Sendable {
    /// The 32 raw bytes.
    public let raw: [UInt8]

    public init(raw: [UInt8]) throws {
        guard raw.count == 32 else { throw CryptoError.badKeyLength(expected: 32, actual: raw.count) }
        self.raw = raw
    }

    /// True if `signature` is a valid Ed25519 signature of `message` by this key.
    public func isValidSignature<C: ContiguousBytes>(_ signature: [UInt8], for message: C) -> Bool {
        message.withUnsafeBytes { LibCryptoEd25519.verify(publicKey: raw, signature: signature, message: $0) }
    }
}
