import Foundation
/// A strict JSON parser for the ledger's value subset (RFC 8259 syntax, RFC 7493 I-JSON rules):
/// rejects duplicate keys, invalid UTF-8, lone surrogates, non-integers and integers beyond
/// +-(2^53-1). Whitespace and any escape spelling are accepted; `parseCanonical` additionally
/// requires the exact canonical bytes.
public struct JSONParser {
    /// Limits applied while parsing.
    public struct Limits: Sendable {
        public var maxDepth: Int
        public var maxBytes: Int
        public init(maxDepth: Int = 64, maxBytes: Int = 64 << 20) {
            self.maxDepth = maxDepth
            self.maxBytes = maxBytes
        }
    }

    /// Parses one JSON document.
    public static func parse<C: ContiguousBytes>(_ bytes: C, limits: Limits = Limits()) throws(JSONError) -> JSONValue {
        try run(bytes, limits: limits, strict: false, ranges: false).value
    }

    /// Parses bytes that must already be canonical JSON (RFC 8785): what is hashed or signed is
    /// exactly what was received, never a re-encoding of it.
    public static func parseCanonical<C: ContiguousBytes>(_ bytes: C, limits: Limits = Limits()) throws(JSONError) -> JSONValue {
        try parseCanonical(bytes, limits: limits, ranges: false).value
    }

    /// `parseCanonical`, and where each member's value of the document (when it is an object)
    /// lies in `bytes`, in member order (none for another document): since the whole is
    /// canonical, each range holds its value's canonical bytes (an entry's event is hashed from
    /// them, not encoded again).
    public static func parseCanonicalMembers<C: ContiguousBytes>(_ bytes: C, limits: Limits = Limits())
        throws(JSONError) -> (value: JSONValue, valueRanges: [Range<Int>])
    {
        try parseCanonical(bytes, limits: limits, ranges: true)
    }

    private static func parseCanonical<C: ContiguousBytes>(_ bytes: C, limits: Limits, ranges: Bool)
        throws(JSONError) -> (value: JSONValue, valueRanges: [Range<Int>])
    {
        // One strict pass (no whitespace, members in canonical order, no escape, no -0) accepts
        // only canonical bytes, and the ledger's own bytes pass it: without parsing and then
        // encoding again to compare, a replay decodes its entries in 38% fewer instructions
        // (Benchmarks/RESULTS.md). What it refuses (all non-canonical input, and the canonical
        // strings with escapes it leaves out) goes the reference way, which accepts or names
        // the first byte that differs.
        if let parsed = try? run(bytes, limits: limits, strict: true, ranges: ranges) { return parsed }
        let parsed = try run(bytes, limits: limits, strict: false, ranges: ranges)
        let canonical = CanonicalJSON.encode(parsed.value)
        let mismatch: Int? = bytes.withUnsafeBytes { buf in
            let n = Swift.min(buf.count, canonical.count)
            for k in 0..<n where buf[k] != canonical[k] { return k }
            return buf.count == canonical.count ? nil : n
        }
        if let at = mismatch { throw JSONError.notCanonical(offset: at) }
        return parsed
    }

    /// The strict pass alone: the value when `bytes` pass it, nil when they do not (tests: it
    /// must never accept what is not canonical).
    static func parseStrictlyCanonical(_ bytes: [UInt8]) -> JSONValue? {
        try? run(bytes, limits: Limits(), strict: true, ranges: false).value
    }

    private static func run<C: ContiguousBytes>(_ bytes: C, limits: Limits, strict: Bool, ranges: Bool)
        throws(JSONError) -> (value: JSONValue, valueRanges: [Range<Int>])
    {
        let result: Result<(JSONValue, [Range<Int>]), JSONError> = bytes.withUnsafeBytes { buf in
            var p = JSONParser(buf: buf, limits: limits, strict: strict)
            if ranges { p.topLevelRanges = [] }
            do {
                guard buf.count <= limits.maxBytes else {
                    throw JSONError.tooLarge(bytes: buf.count, limit: limits.maxBytes)
                }
                try p.skipWhitespace()
                let v = try p.parseValue(depth: 0)
                try p.skipWhitespace()
                if p.i != buf.count { throw JSONError.trailingData(offset: p.i) }
                return .success((v, p.topLevelRanges ?? []))
            } catch let e as JSONError {
                return .failure(e)
            } catch {
                fatalError("unreachable: JSONParser throws only JSONError")
            }
        }
        return try result.get()
    }

    private let buf: UnsafeRawBufferPointer
    private let limits: Limits
    /// The strict pass: whatever canonical JSON would not spell this way is refused (with
    /// `notCanonical`, whose offset the reference pass then finds).
    private let strict: Bool
    private var i = 0
    /// Where the top-level object's member values lie, when asked for.
    private var topLevelRanges: [Range<Int>]?

    private init(buf: UnsafeRawBufferPointer, limits: Limits, strict: Bool) {
        self.buf = buf
        self.limits = limits
        self.strict = strict
    }

    private mutating func skipWhitespace() throws(JSONError) {
        while i < buf.count {
            switch buf[i] {
            case 0x20, 0x09, 0x0A, 0x0D:
                if strict { throw .notCanonical(offset: i) }
                i += 1
            default: return
            }
        }
    }

    private func peek() throws(JSONError) -> UInt8 {
        guard i < buf.count else { throw .unexpectedEnd }
        return buf[i]
    }

    private mutating func expectLiteral(_ lit: StaticString) throws(JSONError) {
        let n = lit.utf8CodeUnitCount
        let p = lit.utf8Start
        for k in 0..<n {
            guard i + k < buf.count else { throw .unexpectedEnd }
            guard buf[i + k] == p[k] else { throw .unexpectedByte(offset: i + k, byte: buf[i + k]) }
        }
        i += n
    }

    private mutating func parseValue(depth: Int) throws(JSONError) -> JSONValue {
        let c = try peek()
        switch c {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .int(try parseInteger())
        default: throw .unexpectedByte(offset: i, byte: c)
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONError) -> JSONValue {
        if depth > limits.maxDepth { throw .nestingTooDeep(offset: i, limit: limits.maxDepth) }
        i += 1
        var members: [JSONObject.Member] = []
        // State records have 5 to 15 members: growing from empty reallocated several times.
        members.reserveCapacity(8)
        try skipWhitespace()
        if try peek() == UInt8(ascii: "}") { i += 1; return .object(JSONObject()) }
        var sorted = true
        var keyOffsets: [Int] = []
        while true {
            try skipWhitespace()
            let c = try peek()
            guard c == UInt8(ascii: "\"") else { throw .unexpectedByte(offset: i, byte: c) }
            let keyOffset = i
            if !strict { keyOffsets.append(i) }
            let key = try parseString()
            try skipWhitespace()
            let colon = try peek()
            guard colon == UInt8(ascii: ":") else { throw .unexpectedByte(offset: i, byte: colon) }
            i += 1
            try skipWhitespace()
            let valueStart = i
            let value = try parseValue(depth: depth)
            if depth == 1 { topLevelRanges?.append(valueStart..<i) }
            if let last = members.last, JSONObject.compareKeys(last.key, key) >= 0 {
                if strict { throw .notCanonical(offset: keyOffset) }
                sorted = false
            }
            members.append(JSONObject.Member(key: key, value: value))
            try skipWhitespace()
            let sep = try peek()
            i += 1
            if sep == UInt8(ascii: "}") { break }
            guard sep == UInt8(ascii: ",") else { throw .unexpectedByte(offset: i - 1, byte: sep) }
        }
        if !sorted {
            // Stable sort keeps the first of equal keys first, so the duplicate reported is the
            // later one in the input.
            let order = members.indices.sorted {
                let c = JSONObject.compareKeys(members[$0].key, members[$1].key)
                return c != 0 ? c < 0 : $0 < $1
            }
            for k in 1..<order.count where JSONObject.compareKeys(members[order[k - 1]].key, members[order[k]].key) == 0 {
                throw .duplicateKey(members[order[k]].key, offset: keyOffsets[order[k]])
            }
            members = order.map { members[$0] }
        }
        return .object(JSONObject(sortedUniqueMembers: members))
    }

    private mutating func parseArray(depth: Int) throws(JSONError) -> JSONValue {
        if depth > limits.maxDepth { throw .nestingTooDeep(offset: i, limit: limits.maxDepth) }
        i += 1
        var items: [JSONValue] = []
        try skipWhitespace()
        if try peek() == UInt8(ascii: "]") { i += 1; return .array(items) }
        while true {
            try skipWhitespace()
            items.append(try parseValue(depth: depth))
            try skipWhitespace()
            let sep = try peek()
            i += 1
            if sep == UInt8(ascii: "]") { break }
            guard sep == UInt8(ascii: ",") else { throw .unexpectedByte(offset: i - 1, byte: sep) }
        }
        return .array(items)
    }

    private mutating func parseInteger() throws(JSONError) -> Int64 {
        let start = i
        var negative = false
        if buf[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        guard i < buf.count else { throw .unexpectedEnd }
        let first = buf[i]
        guard first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9") else {
            throw .unexpectedByte(offset: i, byte: first)
        }
        var value: Int64 = 0
        if first == UInt8(ascii: "0") {
            i += 1
        } else {
            while i < buf.count, buf[i] >= UInt8(ascii: "0"), buf[i] <= UInt8(ascii: "9") {
                value = value * 10 + Int64(buf[i] - UInt8(ascii: "0"))
                if value > JSONValue.maxSafeInteger { throw .integerOutOfRange(offset: start) }
                i += 1
            }
        }
        if i < buf.count {
            switch buf[i] {
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): throw .notAnInteger(offset: start)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): throw .unexpectedByte(offset: i, byte: buf[i]) // leading zero
            default: break
            }
        }
        if strict && negative && value == 0 { throw .notCanonical(offset: start) }
        return negative ? -value : value
    }

    private mutating func parseString() throws(JSONError) -> String {
        i += 1  // opening quote
        let start = i
        // Fast path: no escapes, so the bytes are the string.
        var bits: UInt8 = 0
        while i < buf.count {
            let b = buf[i]
            if b == UInt8(ascii: "\"") {
                let raw = UnsafeRawBufferPointer(rebasing: buf[start..<i])
                i += 1
                // ASCII is valid UTF-8 as it is: `String(decoding:)` (which repairs instead of
                // refusing) is exact then, and much faster than `String(validating:)`; member
                // names and most values are ASCII, and this showed in profiles of the rules
                // thread (Benchmarks/RESULTS.md, "Measurements behind choices in the code").
                if bits < 0x80 { return String(decoding: raw, as: UTF8.self) }
                return try Self.decodeUTF8(raw, offset: start)
            }
            if b == UInt8(ascii: "\\") {
                // Canonical strings escape only what must be, in one spelling each: the strict
                // pass leaves them all to the reference pass (the ledger's own strings have none).
                if strict { throw .notCanonical(offset: i) }
                break
            }
            if b < 0x20 { throw .controlCharacterInString(offset: i) }
            bits |= b
            i += 1
        }
        guard i < buf.count else { throw .unexpectedEnd }
        var bytes = [UInt8](UnsafeRawBufferPointer(rebasing: buf[start..<i]))
        while true {
            guard i < buf.count else { throw .unexpectedEnd }
            let b = buf[i]
            if b == UInt8(ascii: "\"") { i += 1; break }
            if b < 0x20 { throw .controlCharacterInString(offset: i) }
            if b != UInt8(ascii: "\\") { bytes.append(b); i += 1; continue }
            let escapeAt = i
            i += 1
            guard i < buf.count else { throw .unexpectedEnd }
            let e = buf[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(e)
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = UInt32(try readHex4())
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    guard i + 1 < buf.count, buf[i] == UInt8(ascii: "\\"), buf[i + 1] == UInt8(ascii: "u") else {
                        throw .loneSurrogate(offset: escapeAt)
                    }
                    i += 2
                    let low = UInt32(try readHex4())
                    guard low >= 0xDC00 && low < 0xE000 else { throw .loneSurrogate(offset: escapeAt) }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00 && scalar < 0xE000 {
                    throw .loneSurrogate(offset: escapeAt)
                }
                guard let u = Unicode.Scalar(scalar) else { throw .invalidEscape(offset: escapeAt) }
                bytes.append(contentsOf: UTF8.encode(u)!)
            default: throw .invalidEscape(offset: escapeAt)
            }
        }
        let decoded: String? = bytes.withUnsafeBufferPointer { String(validating: $0, as: UTF8.self) }
        guard let s = decoded else { throw .invalidUTF8(offset: start) }
        return s
    }

    private mutating func readHex4() throws(JSONError) -> UInt16 {
        guard i + 4 <= buf.count else { throw .unexpectedEnd }
        var v: UInt16 = 0
        for k in 0..<4 {
            let c = buf[i + k]
            let n: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): n = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): n = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): n = c - UInt8(ascii: "A") + 10
            default: throw .invalidEscape(offset: i + k)
            }
            v = v << 4 | UInt16(n)
        }
        i += 4
        return v
    }

    private static func decodeUTF8(_ raw: UnsafeRawBufferPointer, offset: Int) throws(JSONError) -> String {
        guard let s = String(validating: raw.bindMemory(to: UInt8.self), as: UTF8.self) else {
            throw .invalidUTF8(offset: offset)
        }
        return s
    }
}
