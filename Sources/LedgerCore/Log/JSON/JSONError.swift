/// Why bytes were refused as JSON or as canonical JSON. Offsets are byte offsets into the input.
public enum JSONError: Error, Equatable, CustomStringConvertible {
    case unexpectedEnd
    case unexpectedByte(offset: Int, byte: UInt8)
    case invalidUTF8(offset: Int)
    case loneSurrogate(offset: Int)
    case invalidEscape(offset: Int)
    case controlCharacterInString(offset: Int)
    case duplicateKey(String, offset: Int)
    case notAnInteger(offset: Int)
    case integerOutOfRange(offset: Int)
    case nestingTooDeep(offset: Int, limit: Int)
    case trailingData(offset: Int)
    case tooLarge(bytes: Int, limit: Int)
    /// Valid JSON, but not its canonical form (RFC 8785) where canonical bytes are required.
    case notCanonical(offset: Int)

    public var description: String {
        switch self {
        case .unexpectedEnd: return "JSON ends too early"
        case .unexpectedByte(let o, let b): return "unexpected byte 0x\(Hex.encode([b])) at offset \(o)"
        case .invalidUTF8(let o): return "invalid UTF-8 at offset \(o)"
        case .loneSurrogate(let o): return "lone UTF-16 surrogate escape at offset \(o)"
        case .invalidEscape(let o): return "invalid escape sequence at offset \(o)"
        case .controlCharacterInString(let o): return "unescaped control character in string at offset \(o)"
        case .duplicateKey(let k, let o): return "duplicate object key \"\(k)\" at offset \(o)"
        case .notAnInteger(let o): return "number at offset \(o) is not an integer (fractions and exponents are not allowed)"
        case .integerOutOfRange(let o): return "integer at offset \(o) is outside +-(2^53-1)"
        case .nestingTooDeep(let o, let l): return "nesting deeper than \(l) levels at offset \(o)"
        case .trailingData(let o): return "unexpected data after the JSON value at offset \(o)"
        case .tooLarge(let b, let l): return "JSON document of \(b) bytes exceeds the limit of \(l) bytes"
        case .notCanonical(let o): return "not canonical JSON (RFC 8785): first difference at byte offset \(o)"
        }
    }
}
