/// Reads the members of a flat canonical JSON object (SPEC.md section 2) in order, straight
/// from its bytes: what a `StateRecord` decodes itself with. Each read names the member it
/// expects next; a record whose bytes differ in any way from what its type writes (another
/// member, another order, another type, trailing bytes) leaves the reader `failed`, never traps.
/// Strings are copied out, so the bytes (an LMDB page) need to live only during the decoding.
public struct RecordReader {
    private let bytes: UnsafeRawBufferPointer
    private var i = 1
    private var members = 0
    public private(set) var failed = false

    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "{") else { return nil }
        self.bytes = bytes
    }

    /// Whether every member was read as asked and the object ends there.
    public var complete: Bool { !failed && i == bytes.count - 1 && bytes[i] == UInt8(ascii: "}") }

    /// Whether the next member is `key` (nothing is consumed).
    public func next(is key: StaticString) -> Bool {
        guard !failed else { return false }
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

    /// Consumes `"key":`, or fails.
    private mutating func member(_ key: StaticString) -> Bool {
        guard next(is: key) else { failed = true; return false }
        i += (members > 0 ? 1 : 0) + key.utf8CodeUnitCount + 3
        members += 1
        return true
    }

    public mutating func int(_ key: StaticString) -> Int64 {
        guard member(key) else { return 0 }
        return integer()
    }

    public mutating func string(_ key: StaticString) -> String {
        guard member(key) else { return "" }
        return text()
    }

    public mutating func bool(_ key: StaticString) -> Bool {
        guard member(key) else { return false }
        if literal("true") { return true }
        if literal("false") { return false }
        failed = true
        return false
    }

    public mutating func strings(_ key: StaticString) -> [String] {
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
