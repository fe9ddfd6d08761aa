import COpenSSL
import Foundation

// Every EVP_* / RAND_* call of the project lives in this file (swift-system's Syscalls.swift
// pattern), so the surface we depend on from libcrypto is reviewable in one place.

/// Errors raised by the libcrypto bindings.
public enum CryptoError: Error, Equatable, CustomStringConvertible {
    /// libcrypto failed an operation that cannot fail on valid input (out of memory, broken install).
    case libcrypto(String)
    /// A key had the wrong length.
    case badKeyLength(expected: Int, actual: Int)

    public var description: String {
        switch self {
        case .libcrypto(let what): return "libcrypto failed: \(what)"
        case .badKeyLength(let e, let a): return "key must be \(e) bytes, got \(a)"
        }
    }
}

/// The SHA-256 algorithm, fetched once per process (EVP_MD_fetch): re-fetching per call halves
/// throughput on this machine.
nonisolated(unsafe) private let sha256Algorithm: OpaquePointer = {
    guard let md = EVP_MD_fetch(nil, "SHA256", nil) else {
        fatalError("libcrypto has no SHA256 implementation")
    }
    return md
}()

/// A reusable SHA-256 context. Not thread-safe: give each thread its own.
public final class SHA256Context {
    fileprivate let ctx: OpaquePointer

    public init() {
        guard let ctx = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new failed: out of memory") }
        self.ctx = ctx
    }

    deinit { EVP_MD_CTX_free(ctx) }

    /// Starts a new digest.
    @inline(__always)
    public func begin() {
        let ok = EVP_DigestInit_ex(ctx, sha256Algorithm, nil)
        precondition(ok == 1, "EVP_DigestInit_ex failed")
    }

    /// Continues from `other`'s state: what it has absorbed, this digest has absorbed too.
    @inline(__always)
    public func copy(from other: SHA256Context) {
        let ok = EVP_MD_CTX_copy_ex(ctx, other.ctx)
        precondition(ok == 1, "EVP_MD_CTX_copy_ex failed")
    }

    /// Feeds bytes into the current digest.
    @inline(__always)
    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        let ok = EVP_DigestUpdate(ctx, bytes.baseAddress, bytes.count)
        precondition(ok == 1, "EVP_DigestUpdate failed")
    }

    /// Feeds one byte into the current digest.
    @inline(__always)
    public func update(byte: UInt8) {
        withUnsafeBytes(of: byte) { update($0) }
    }

    /// Finishes the digest.
    @inline(__always)
    public func finish() -> Digest {
        var out = Digest.zero
        var len: UInt32 = 32
        let ok = out.withUnsafeMutableBytes { p in
            EVP_DigestFinal_ex(ctx, p.baseAddress!.assumingMemoryBound(to: UInt8.self), &len)
        }
        precondition(ok == 1 && len == 32, "EVP_DigestFinal_ex failed")
        return out
    }

    /// SHA-256 of `bytes`.
    public func hash<C: ContiguousBytes>(_ bytes: C) -> Digest {
        begin()
        bytes.withUnsafeBytes { update($0) }
        return finish()
    }
}

/// Ed25519 through libcrypto's EVP_PKEY interface.
enum LibCryptoEd25519 {
    static func randomBytes(_ count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        guard RAND_bytes(&out, Int32(count)) == 1 else { throw CryptoError.libcrypto("RAND_bytes") }
        return out
    }

    static func publicKey(seed: [UInt8]) throws -> [UInt8] {
        let pkey = try privateKey(seed)
        defer { EVP_PKEY_free(pkey) }
        var out = [UInt8](repeating: 0, count: 32)
        var len = 32
        guard EVP_PKEY_get_raw_public_key(pkey, &out, &len) == 1, len == 32 else {
            throw CryptoError.libcrypto("EVP_PKEY_get_raw_public_key")
        }
        return out
    }

    static func sign(seed: [UInt8], message: UnsafeRawBufferPointer) throws -> [UInt8] {
        let pkey = try privateKey(seed)
        defer { EVP_PKEY_free(pkey) }
        guard let ctx = EVP_MD_CTX_new() else { throw CryptoError.libcrypto("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestSignInit(ctx, nil, nil, nil, pkey) == 1 else {
            throw CryptoError.libcrypto("EVP_DigestSignInit")
        }
        var sig = [UInt8](repeating: 0, count: 64)
        var len = 64
        let base = message.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let empty: [UInt8] = [0]
        let ok = empty.withUnsafeBufferPointer { e in
            EVP_DigestSign(ctx, &sig, &len, base ?? e.baseAddress, message.count)
        }
        guard ok == 1, len == 64 else { throw CryptoError.libcrypto("EVP_DigestSign") }
        return sig
    }

    static func verify(publicKey: [UInt8], signature: [UInt8], message: UnsafeRawBufferPointer) -> Bool {
        guard publicKey.count == 32, signature.count == 64 else { return false }
        guard let pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, publicKey, 32) else {
            return false
        }
        defer { EVP_PKEY_free(pkey) }
        guard let ctx = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestVerifyInit(ctx, nil, nil, nil, pkey) == 1 else { return false }
        let base = message.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let empty: [UInt8] = [0]
        let ok = empty.withUnsafeBufferPointer { e in
            EVP_DigestVerify(ctx, signature, 64, base ?? e.baseAddress, message.count)
        }
        // Verification failures leave entries on the thread's error queue; drop them so they do
        // not surface in an unrelated later call.
        ERR_clear_error()
        return ok == 1
    }

    private static func privateKey(_ seed: [UInt8]) throws -> OpaquePointer {
        guard seed.count == 32 else { throw CryptoError.badKeyLength(expected: 32, actual: seed.count) }
        guard let pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, seed, 32) else {
            throw CryptoError.libcrypto("EVP_PKEY_new_raw_private_key")
        }
        return pkey
    }
}

/// HMAC-SHA256 (RFC 2104) by libcrypto's one-shot `HMAC`: how platforms derive the pseudonyms
/// and act identities SPEC.md section 8.6-8.7 define, under the programme's salt.
public func hmacSHA256(key: [UInt8], message: [UInt8]) -> Digest {
    // RFC 2104 replaces a key longer than the 64-byte block by its hash: doing it here gives the
    // same MAC and keeps any key's length within HMAC's Int32.
    let key = key.count > 64 ? SHA256Context().hash(key).bytes : key
    var out = Digest.zero
    var len: UInt32 = 32
    let ok = out.withUnsafeMutableBytes { o in
        key.withUnsafeBufferPointer { k in
            message.withUnsafeBufferPointer { m in
                HMAC(sha256Algorithm, k.baseAddress, Int32(k.count), m.baseAddress, m.count, o.baseAddress!.assumingMemoryBound(to: UInt8.self), &len)
            }
        }
    }
    precondition(ok != nil && len == 32, "HMAC-SHA256 failed")
    return out
}
