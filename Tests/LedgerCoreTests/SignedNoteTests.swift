import Testing
@testable import LedgerCore

/// Interoperability with golang.org/x/mod/sumdb/note (the reference implementation of C2SP
/// signed notes): its published test key and signature must match byte for byte.
@Suite struct SignedNoteTests {
    static let skey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
    static let vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    static let text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
    static let signed = text + "\n\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
    static let enochKey = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
    static let enochSig = "\u{2014} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"

    @Test func signsTheGoVectorByteForByte() throws {
        let key = try NoteSigningKey(Self.skey)
        #expect(key.verifierKey.description == Self.vkey)
        #expect(key.encoded == Self.skey)
        #expect(try SignedNote.sign(text: Self.text, key: key).serialized == Self.signed)
    }

    @Test func verifiesTheGoVector() throws {
        let n = try SignedNote.open(Self.signed, key: NoteVerifierKey(Self.vkey))
        #expect(n.text == Self.text)
        // A note with a second, unknown signature still opens for the key we trust.
        let two = Self.text + "\n" + String(Self.signed.split(separator: "\n\n")[1]) + Self.enochSig
        _ = try SignedNote.open(two, key: NoteVerifierKey(Self.vkey))
        _ = try SignedNote.open(two, key: NoteVerifierKey(Self.enochKey))
    }

    @Test func rejectsEveryManglingOfTheVerifierKey() {
        var b = Array(Self.vkey.utf8)
        for i in 0..<b.count {
            b[i] &+= 1
            #expect(throws: NoteError.self) { _ = try NoteVerifierKey(String(decoding: b, as: UTF8.self)) }
            b[i] &-= 1
        }
        for i in 0...b.count {
            for j in (i + 1)..<(b.count + 1) where !(i == 0 && j == b.count) {
                #expect(throws: NoteError.self) { _ = try NoteVerifierKey(String(decoding: b[i..<j], as: UTF8.self)) }
            }
        }
        #expect(throws: NoteError.self) { _ = try NoteVerifierKey("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW") }
    }

    @Test func rejectsEveryManglingOfTheSigningKey() {
        var b = Array(Self.skey.utf8)
        for i in 0..<b.count {
            b[i] &+= 1
            #expect(throws: NoteError.self) { _ = try NoteSigningKey(String(decoding: b, as: UTF8.self)) }
            b[i] &-= 1
        }
    }

    @Test func rejectsBadNotes() throws {
        let key = try NoteVerifierKey(Self.vkey)
        let sig = String(Self.signed.split(separator: "\n\n")[1])
        let bad = [
            Self.text, Self.text + "\n", Self.text + "\n" + sig.dropLast(), "\u{1}" + Self.text + "\n" + sig,
            Self.text + "\n" + sig + "Unexpected line.\n",
            Self.text + "\n" + "\u{2014} Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
        ]
        for b in bad { #expect(throws: NoteError.self) { _ = try SignedNote.open(b, key: key) } }
        // A corrupted signature, a changed text, or only another key's signature.
        let flipped = Self.signed.replacingOccurrences(of: "x08go/ZJ", with: "x08go/ZK")
        #expect(throws: NoteError.self) { _ = try SignedNote.open(flipped, key: key) }
        let changed = Self.signed.replacingOccurrences(of: "answer", with: "ANSWER")
        #expect(throws: NoteError.invalidSignature("PeterNeumann+c74f20a3")) { _ = try SignedNote.open(changed, key: key) }
        #expect(throws: NoteError.noSignatureByKey(Self.vkey)) { _ = try SignedNote.open(Self.text + "\n" + Self.enochSig, key: key) }
        // A good and a bad line by the trusted key: refused in either order (C2SP signed-note:
        // a known key's failed signature rejects the note); another key's bad line is ignored.
        let good = String(Self.signed.split(separator: "\n\n")[1]), badLine = good.replacingOccurrences(of: "x08go/ZJ", with: "x08go/ZK")
        for lines in [good + badLine, badLine + good] {
            #expect(throws: NoteError.invalidSignature("PeterNeumann+c74f20a3")) { _ = try SignedNote.open(Self.text + "\n" + lines, key: key) }
        }
        let strangerBad = "\u{2014} Stranger x08go/ZKkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
        #expect(throws: Never.self) { _ = try SignedNote.open(Self.text + "\n" + strangerBad + good, key: key) }
        #expect(throws: Never.self) { _ = try SignedNote.open(Self.text + "\n" + good + good, key: key) }
    }

    @Test func checkpointRoundTripAndStrictParsing() throws {
        let key = try NoteSigningKey(Self.skey)
        let cp = Checkpoint(origin: "carbonledger.example/test", size: 8, root: Digest(hex: String(repeating: "ab", count: 32))!)
        let note = cp.sign(with: key)
        #expect(note.hasPrefix("carbonledger.example/test\n8\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n\n\u{2014} PeterNeumann "))
        #expect(try Checkpoint.open(note, key: key.verifierKey) == cp)
        #expect(throws: NoteError.self) { _ = try Checkpoint.open(note, key: key.verifierKey, origin: "other") }
        for body in ["o\n08\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n", "o\n8\nq6ur\n", "o\n-1\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n",
                     "o\n8\n", "\n8\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n"] {
            #expect(throws: NoteError.self) { _ = try Checkpoint(text: body) }
        }
    }
}
