import Testing
@testable import LedgerCore

@Suite struct CryptoTests {
    @Test func sha256KnownAnswers() {
        let ctx = SHA256Context()
        #expect(ctx.hash([UInt8]()).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(ctx.hash(Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // The context is reusable.
        #expect(ctx.hash(Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    /// RFC 4231 test cases 1, 2 and 6 (a key longer than the block is hashed first).
    @Test func hmacSHA256KnownAnswers() {
        #expect(hmacSHA256(key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8)).hex
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(hmacSHA256(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)).hex
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(hmacSHA256(key: [UInt8](repeating: 0xaa, count: 131), message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)).hex
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        // The act identity is that HMAC over SPEC.md 8.7's string, the keys trimmed and lowercased.
        #expect(ActIdentity.act(salt: Array("Jefe".utf8), scenario: "e_invoice", " 044031900111 ", "No.12345678", day: "20261121")
                == hmacSHA256(key: Array("Jefe".utf8), message: Array("e_invoice|044031900111|no.12345678|20261121".utf8)).hex)
    }

    @Test func ed25519RFC8032TestVector1() throws {
        let sk = try Ed25519PrivateKey(seed: Hex.decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")!)
        #expect(Hex.encode(sk.publicKey.raw) == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        let sig = try sk.sign([UInt8]())
        #expect(Hex.encode(sig) == "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
        #expect(sk.publicKey.isValidSignature(sig, for: [UInt8]()))
        var bad = sig
        bad[10] ^= 1
        #expect(!sk.publicKey.isValidSignature(bad, for: [UInt8]()))
        #expect(!sk.publicKey.isValidSignature(sig, for: [0]))
        #expect(!sk.publicKey.isValidSignature(Array(sig.prefix(63)), for: [UInt8]()))
    }

    @Test func rejectsWrongKeyLengths() {
        #expect(throws: CryptoError.badKeyLength(expected: 32, actual: 31)) { _ = try Ed25519PrivateKey(seed: [UInt8](repeating: 1, count: 31)) }
        #expect(throws: CryptoError.badKeyLength(expected: 32, actual: 33)) { _ = try Ed25519PublicKey(raw: [UInt8](repeating: 1, count: 33)) }
    }

    @Test func hexAndBase64AreStrict() {
        #expect(Hex.decode("00ff") == [0, 255])
        #expect(Hex.decode("00FF") == nil)
        #expect(Hex.decode("0") == nil)
        #expect(Base64.decode("AAEC") == [0, 1, 2])
        #expect(Base64.decode("AAE") == nil)
        #expect(Base64.decode("AAE=") == [0, 1])
        #expect(Base64.decode("AAF=") == nil)  // non-zero padding bits: a second spelling of AAE=
        #expect(Base64.decode(" AAEC") == nil)
    }
}
