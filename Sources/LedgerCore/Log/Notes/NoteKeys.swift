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

extension String {
    func trimmingASCIIWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\n" || f == "\r" || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\n" || l == "\r" || l == "\t" { s.removeLast() }
        return String(s)
    }
}
