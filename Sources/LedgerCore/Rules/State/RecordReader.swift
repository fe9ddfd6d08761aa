/// Reads the members of a flat canonical JSON object (SPEC.md section 2) in order, straight
/// from its bytes: what a `StateRecord` decodes itself with. Each read names the member it
/// expects next; a record whose bytes differ in any way from what its type writes (another
/// member, another order, another type, trailing bytes) leaves the reader `failed`, never traps.
/// Strings are copied out, so the bytes (an LMDB page) need to live only during the decoding.
///
/// It reads the rules checkpoint's compact form of the same members too (`PackedRecord`), told
/// apart by its first byte: so every record type decodes from either.
public struct RecordReader {
    private let bytes: UnsafeRawBufferPointer
    private var i = 1
    private var members = 0
    public private(set) var failed = false
    /// Whether the bytes are `PackedRecord`'s form.
    private let packed: Bool

    public init?(_ bytes: UnsafeRawBufferPointer) {
        if PackedRecord.isPacked(bytes) {
            packed = true
        } else {
            guard bytes.count >= 2, bytes[0] == UInt8(ascii: "{") else { return nil }
            packed = false
        }
        self.bytes = bytes
    }

    /// Whether every member was read as asked and the object ends there.
    public var complete: Bool {
        if packed { return !failed && i == bytes.count }
        return !failed && i == bytes.count - 1 && bytes[i] == UInt8(ascii: "}")
    }

    /// Whether the next member is `key` (nothing is consumed).
    public func next(is key: StaticString) -> Bool {
        guard !failed else { return false }
        if packed { return PackedRecord.Cursor(bytes, at: i).nextName(is: key) }
        var j = i
        if members > 0 {
            guard j < bytes.count, bytes[j] == UInt8(ascii: ",") else { return false }
            j += 1
        }
        guard j < bytes.count, bytes[j] == UInt8(ascii: "\"") else { return false }
        j += 1
        let n = key.utf8CodeUnitCount
        guard j + n + 2 <= bytes.count else { return false }
        var same = true
        key.withUTF8Buffer { k in
            for x in 0..<n where bytes[j + x] != k[x] { same = false; break }
        }
        return same && bytes[j + n] == UInt8(ascii: "\"") && bytes[j + n + 1] == UInt8(ascii: ":")
    }

    /// Consumes `"key":` (or the packed name), or fails.
    private mutating func member(_ key: StaticString) -> Bool {
        guard next(is: key) else { failed = true; return false }
        if packed {
            var c = PackedRecord.Cursor(bytes, at: i)
            _ = c.name()
            i = c.i
            members += 1
            return true
        }
        i += (members > 0 ? 1 : 0) + key.utf8CodeUnitCount + 3
        members += 1
        return true
    }

    public mutating func int(_ key: StaticString) -> Int64 {
        guard member(key) else { return 0 }
        if packed { return read(.int) { $0.int() } ?? 0 }
        return integer()
    }

    public mutating func string(_ key: StaticString) -> String {
        guard member(key) else { return "" }
        if packed { return read(.string) { $0.string() } ?? "" }
        return text()
    }

    /// A time: its RFC 3339 text (section 3) in JSON, its milliseconds packed. Nil (and
    /// `failed`) when the member is not one.
    public mutating func time(_ key: StaticString) -> Timestamp? {
        if packed { return member(key) ? read(.time) { $0.time() } : nil }
        guard let t = Timestamp(rfc3339: string(key)) else { failed = true; return nil }
        return t
    }

    /// A SHA-256: 64 hex digits in JSON, 32 bytes packed. Nil (and `failed`) when not one.
    public mutating func digest(_ key: StaticString) -> Digest? {
        if packed { return member(key) ? read(.digest) { $0.digest() } : nil }
        guard let d = Digest(hex: string(key)) else { failed = true; return nil }
        return d
    }

    public mutating func bool(_ key: StaticString) -> Bool {
        guard member(key) else { return false }
        if packed {
            guard i < bytes.count else { failed = true; return false }
            switch bytes[i] {
            case PackedRecord.Tag.trueValue.rawValue: i += 1; return true
            case PackedRecord.Tag.falseValue.rawValue: i += 1; return false
            default: failed = true; return false
            }
        }
        if literal("true") { return true }
        if literal("false") { return false }
        failed = true
        return false
    }

    public mutating func strings(_ key: StaticString) -> [String] {
        if packed { return packedArray(key, .strings) { $0.string() } }
        guard member(key), i < bytes.count, bytes[i] == UInt8(ascii: "[") else { failed = true; return [] }
        i += 1
        var out: [String] = []
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return out }
        while !failed {
            out.append(text())
            guard i < bytes.count else { failed = true; break }
            if bytes[i] == UInt8(ascii: "]") { i += 1; break }
            guard bytes[i] == UInt8(ascii: ",") else { failed = true; break }
            i += 1
        }
        return out
    }

    /// An array of flat objects, each decoded by `element` from its own bytes.
    public mutating func objects<T>(_ key: StaticString, _ element: (UnsafeRawBufferPointer) -> T?) -> [T] {
        if packed { return packedArray(key, .records) { c in c.slice().flatMap(element) } }
        guard member(key), i < bytes.count, bytes[i] == UInt8(ascii: "[") else { failed = true; return [] }
        i += 1
        var out: [T] = []
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return out }
        while !failed {
            guard let end = endOfFlatObject(from: i), let e = element(UnsafeRawBufferPointer(rebasing: bytes[i..<end])) else { failed = true; break }
            out.append(e)
            i = end
            guard i < bytes.count else { failed = true; break }
            if bytes[i] == UInt8(ascii: "]") { i += 1; break }
            guard bytes[i] == UInt8(ascii: ",") else { failed = true; break }
            i += 1
        }
        return out
    }

    /// Just past the `}` closing the flat object that starts at `start` (strings skipped whole).
    private func endOfFlatObject(from start: Int) -> Int? {
        guard start < bytes.count, bytes[start] == UInt8(ascii: "{") else { return nil }
        var j = start + 1
        var inString = false
        while j < bytes.count {
            let b = bytes[j]
            if inString {
                if b == UInt8(ascii: "\\") { j += 1 } else if b == UInt8(ascii: "\"") { inString = false }
            } else if b == UInt8(ascii: "\"") {
                inString = true
            } else if b == UInt8(ascii: "}") {
                return j + 1
            } else if b == UInt8(ascii: "{") || b == UInt8(ascii: "[") {
                return nil
            }
            j += 1
        }
        return nil
    }

    /// A packed member's value of tag `tag`, read by `value`; nil (and `failed`) when it is not one.
    private mutating func read<V>(_ tag: PackedRecord.Tag, _ value: (inout PackedRecord.Cursor) -> V?) -> V? {
        var c = PackedRecord.Cursor(bytes, at: i)
        guard c.byte() == tag.rawValue, let v = value(&c) else { failed = true; return nil }
        i = c.i
        return v
    }

    /// A packed array member of tag `tag`: its count, then each element read by `element`;
    /// empty (and `failed`) when it is not one.
    private mutating func packedArray<T>(_ key: StaticString, _ tag: PackedRecord.Tag, _ element: (inout PackedRecord.Cursor) -> T?) -> [T] {
        guard member(key) else { return [] }
        return read(tag) { c in
            guard let n = c.count() else { return nil }
            var out: [T] = []
            for _ in 0..<n {
                guard let e = element(&c) else { return nil }
                out.append(e)
            }
            return out
        } ?? []
    }

    /// A member that may be absent: nil when the next member is another one.
    public mutating func optionalString(_ key: StaticString) -> String? { next(is: key) ? string(key) : nil }
    public mutating func optionalInt(_ key: StaticString) -> Int64? { next(is: key) ? int(key) : nil }
    public mutating func optionalBool(_ key: StaticString) -> Bool? { next(is: key) ? bool(key) : nil }

    private mutating func literal(_ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard i + n <= bytes.count else { return false }
        var same = true
        word.withUTF8Buffer { w in for x in 0..<n where bytes[i + x] != w[x] { same = false; break } }
        if same { i += n }
        return same
    }

    /// A canonical integer: `0`, or an optional `-` and digits without a leading zero, within
    /// ±(2^53−1).
    private mutating func integer() -> Int64 {
        var negative = false
        if i < bytes.count, bytes[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        let first = i
        var v: Int64 = 0
        while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") {
            v = v * 10 + Int64(bytes[i] - UInt8(ascii: "0"))
            i += 1
            guard v <= JSONValue.maxSafeInteger else { failed = true; return 0 }
        }
        let digits = i - first
        guard digits > 0, digits == 1 || bytes[first] != UInt8(ascii: "0"), !(negative && v == 0) else { failed = true; return 0 }
        return negative ? -v : v
    }

    /// A string in quotes, as canonical JSON writes it: escapes only for `"`, `\` and control
    /// characters, which are never raw, and valid UTF-8. Most strings are ASCII without escapes
    /// and are copied in one piece (`String(decoding:)`: measured faster than validating, and
    /// ASCII needs no validation).
    private mutating func text() -> String {
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { failed = true; return "" }
        i += 1
        let start = i
        var escaped = false, ascii = true
        while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
            let b = bytes[i]
            if b < 0x20 { failed = true; return "" }
            if b >= 0x80 { ascii = false }
            if b == UInt8(ascii: "\\") { escaped = true; i += 2 } else { i += 1 }
        }
        guard i < bytes.count else { failed = true; return "" }
        let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<i])
        i += 1
        if !escaped {
            if ascii { return String(decoding: raw, as: UTF8.self) }
            guard let s = String(validating: raw, as: UTF8.self) else { failed = true; return "" }
            return s
        }
        // Rare (control characters, quotes): the canonical parser, on this string alone, which
        // refuses any other spelling of it.
        var quoted: [UInt8] = [UInt8(ascii: "\"")]
        quoted.append(contentsOf: raw)
        quoted.append(UInt8(ascii: "\""))
        guard let s = (try? JSONParser.parseCanonical(quoted))?.stringValue else { failed = true; return "" }
        return s
    }
}
