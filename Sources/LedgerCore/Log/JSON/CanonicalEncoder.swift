/// Writes RFC 8785 (JCS) canonical JSON for the ledger's value subset.
///
/// Integers print as plain decimal (JCS's ECMAScript number form for integers within 2^53),
/// strings escape only `"`, `\` and control characters, members are sorted by UTF-16 key.
public enum CanonicalJSON {
    /// The canonical bytes of `value`.
    public static func encode(_ value: JSONValue) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(256)
        write(value, into: &out)
        return out
    }

    /// The canonical text of `value` (what a command prints or a page shows).
    public static func string(_ value: JSONValue) -> String {
        String(decoding: encode(value), as: UTF8.self)
    }

    /// Appends the canonical bytes of `value` to `out`.
    public static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
        case .bool(true): out.append(contentsOf: [0x74, 0x72, 0x75, 0x65])
        case .bool(false): out.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65])
        case .int(let i): writeInt(i, into: &out)
        case .string(let s): writeString(s, into: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (n, v) in a.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                write(v, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            for (n, m) in o.members.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                writeString(m.key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(m.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Appends a decimal integer. The value must lie within +-(2^53-1): a larger one is a
    /// programming error, since parsing and every constructor of ledger values reject it.
    @inlinable
    public static func writeInt(_ i: Int64, into out: inout [UInt8]) {
        precondition(i >= -JSONValue.maxSafeInteger && i <= JSONValue.maxSafeInteger,
                     "integer \(i) outside +-(2^53-1) cannot be canonical")
        if i < 0 { out.append(UInt8(ascii: "-")) }
        var m = i.magnitude
        if m == 0 { out.append(UInt8(ascii: "0")); return }
        var buf: (UInt64, UInt64) = (0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &buf) { p in
            while m > 0 { p[n] = UInt8(ascii: "0") + UInt8(m % 10); m /= 10; n += 1 }
            while n > 0 { n -= 1; out.append(p[n]) }
        }
    }

    /// Appends a JSON string with JCS escaping.
    @inlinable
    public static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        // Most strings need no escape: copy them whole.
        let copied: Bool = s.withUTF8 { buf in
            for b in buf where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { return false }
            out.append(contentsOf: buf)
            return true
        }
        if copied {
            out.append(UInt8(ascii: "\""))
            return
        }
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\\")); out.append(b)
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(b)
            case 0x08: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "b"))
            case 0x09: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
            case 0x0A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            case 0x0C: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "f"))
            case 0x0D: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                        hex[Int(b >> 4)], hex[Int(b & 15)]])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
