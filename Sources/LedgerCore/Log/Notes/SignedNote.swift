/// A C2SP signed note: text, a blank line, then signature lines `— name base64(keyid || sig)`.
/// Signatures cover the text bytes exactly (up to and including its final newline).
public struct SignedNote: Equatable, Sendable {
    /// One signature line.
    public struct Signature: Equatable, Sendable {
        public var name: String
        public var keyHash: UInt32
        public var signature: [UInt8]
    }

    public var text: String
    public var signatures: [Signature]

    private static let dash = "\u{2014} "

    /// Signs `text` (which must end in a newline and contain no blank line) with `key`.
    public static func sign(text: String, key: NoteSigningKey) throws(NoteError) -> SignedNote {
        try checkText(text)
        let sig = key.sign(Array(text.utf8))
        return SignedNote(text: text, signatures: [Signature(name: key.name, keyHash: key.verifierKey.keyHash, signature: sig)])
    }

    /// Signs `text` with each of `keys` (one signature line each, in order).
    public static func sign(text: String, keys: [NoteSigningKey]) throws(NoteError) -> SignedNote {
        try checkText(text)
        guard !keys.isEmpty else { throw .malformedNote("no signing key") }
        return SignedNote(text: text, signatures: keys.map { k in
            Signature(name: k.name, keyHash: k.verifierKey.keyHash, signature: k.sign(Array(text.utf8)))
        })
    }

    /// The serialized note.
    public var serialized: String {
        var out = text + "\n"
        for s in signatures {
            let kh = [UInt8(s.keyHash >> 24), UInt8(s.keyHash >> 16 & 0xFF), UInt8(s.keyHash >> 8 & 0xFF), UInt8(s.keyHash & 0xFF)]
            out += Self.dash + s.name + " " + Base64.encode(kh + s.signature) + "\n"
        }
        return out
    }

    /// Parses a serialized note without verifying any signature.
    public static func parse(_ note: String) throws(NoteError) -> SignedNote {
        let bytes = Array(note.utf8)
        guard bytes.count <= 1 << 20 else { throw .malformedNote("note longer than 1 MiB") }
        // The signature block starts after the last blank line.
        var split = -1
        var k = bytes.count - 2
        while k >= 0 {
            if bytes[k] == 0x0A && bytes[k + 1] == 0x0A { split = k; break }
            k -= 1
        }
        guard split >= 0 else { throw .malformedNote("no blank line before the signatures") }
        let text = String(decoding: bytes[...split], as: UTF8.self)
        try checkText(text)
        let sigBlock = String(decoding: bytes[(split + 2)...], as: UTF8.self)
        guard sigBlock.hasSuffix("\n") else { throw .malformedNote("signature block must end with a newline") }
        var sigs: [Signature] = []
        for line in sigBlock.dropLast().split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix(dash) else { throw .malformedNote("signature line must start with an em dash and a space") }
            let rest = line.dropFirst(dash.count)
            let parts = rest.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, isValidKeyName(String(parts[0])) else { throw .malformedNote("signature line must be '— name base64'") }
            guard let raw = Base64.decode(String(parts[1])), raw.count >= 5 else { throw .malformedNote("bad signature base64") }
            let kh = UInt32(raw[0]) << 24 | UInt32(raw[1]) << 16 | UInt32(raw[2]) << 8 | UInt32(raw[3])
            sigs.append(Signature(name: String(parts[0]), keyHash: kh, signature: Array(raw[4...])))
        }
        guard !sigs.isEmpty else { throw .malformedNote("no signatures") }
        guard sigs.count <= 100 else { throw .malformedNote("more than 100 signatures") }
        return SignedNote(text: text, signatures: sigs)
    }

    /// Parses and verifies the signatures by `key`; signatures by other keys are ignored. Every
    /// line naming `key` (its name and key ID) must verify, whatever their order (C2SP
    /// signed-note: a known key's failed signature rejects the whole note).
    public static func open(_ note: String, key: NoteVerifierKey) throws(NoteError) -> SignedNote {
        let n = try parse(note)
        let mine = n.signatures.filter { $0.name == key.name && $0.keyHash == key.keyHash }
        guard !mine.isEmpty else { throw .noSignatureByKey(key.description) }
        let text = Array(n.text.utf8)
        for s in mine where !key.publicKey.isValidSignature(s.signature, for: text) {
            throw .invalidSignature("\(key.name)+\(hex8(key.keyHash))")
        }
        return n
    }

    private static func checkText(_ text: String) throws(NoteError) {
        guard text.hasSuffix("\n") else { throw .malformedNote("text must end with a newline") }
        guard !text.utf8.contains(where: { $0 < 0x20 && $0 != 0x0A }) else { throw .malformedNote("control character in text") }
        let b = Array(text.utf8)
        for i in 0..<(b.count - 1) where b[i] == 0x0A && b[i + 1] == 0x0A {
            throw .malformedNote("text must not contain a blank line")
        }
    }
}
