/// A SHA-256 digest: 32 bytes held inline (no heap allocation), compared word by word.
public struct Digest: Hashable, Sendable, CustomStringConvertible {
    @usableFromInline var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    /// 32 zero bytes: the `prev` of entry 0.
    public static let zero = Digest(w0: 0, w1: 0, w2: 0, w3: 0)

    @usableFromInline init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0; self.w1 = w1; self.w2 = w2; self.w3 = w3
    }

    /// Reads 32 bytes; `nil` if `bytes` is not exactly 32 long.
    public init?<C: Collection>(bytes: C) where C.Element == UInt8 {
        guard bytes.count == 32 else { return nil }
        var d = Digest.zero
        d.withUnsafeMutableBytes { p in
            for (i, b) in bytes.enumerated() { p[i] = b }
        }
        self = d
    }

    /// Reads 32 bytes from raw memory.
    @inlinable
    public init(raw: UnsafeRawPointer) {
        var d = Digest.zero
        Swift.withUnsafeMutableBytes(of: &d) { $0.copyMemory(from: UnsafeRawBufferPointer(start: raw, count: 32)) }
        self = d
    }

    /// Parses 64 lowercase hex characters.
    public init?(hex: String) {
        guard let b = Hex.decode(hex), b.count == 32 else { return nil }
        self.init(bytes: b)
    }

    @inlinable
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: self) { try body($0) }
    }

    @inlinable
    public mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeMutableBytes(of: &self) { try body($0) }
    }

    /// The 32 bytes.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// Lowercase hex, 64 characters.
    public var hex: String { withUnsafeBytes { Hex.encode($0) } }

    /// Appends 64 lowercase hex characters to `out` (no intermediate String).
    @inlinable
    public func writeHex(into out: inout [UInt8]) {
        withUnsafeBytes { raw in
            for b in raw {
                out.append(Hex.digit(b >> 4))
                out.append(Hex.digit(b & 15))
            }
        }
    }

    /// Standard base64 with padding (44 characters).
    public var base64: String { Base64.encode(bytes) }

    public var description: String { hex }
}
