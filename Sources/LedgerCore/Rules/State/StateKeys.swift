/// A state key: `parts` joined by `/`, built in one allocation. The rules build about twenty
/// keys per behaviour report; string interpolation, which grows its buffer as it appends,
/// measured slower (Benchmarks/RESULTS.md).
func statePath(_ parts: String...) -> String {
    var count = parts.count - 1
    for p in parts { count += p.utf8.count }
    return String(unsafeUninitializedCapacity: count) { buffer in
        var i = 0
        for (k, p) in parts.enumerated() {
            if k > 0 { buffer[i] = UInt8(ascii: "/"); i += 1 }
            let copied: Void? = p.utf8.withContiguousStorageIfAvailable { src in
                UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[i..<(i + src.count)])
                    .copyMemory(from: UnsafeRawBufferPointer(src))
                i += src.count
            }
            if copied == nil { for b in p.utf8 { buffer[i] = b; i += 1 } }
        }
        return i
    }
}

/// The number a key ends in: a range's or block's first serial (`rng/BATCH/FIRST16`), a
/// locked behaviour's seq (`reqm/ID/SEQ16`); -1 for a key without one, which the rules never write.
func keyNumber(_ key: String) -> Int64 { key.split(separator: "/").last.flatMap { Int64($0) } ?? -1 }

/// Fixed-width decimal for state keys, so byte order equals numeric order.
@inlinable
public func pad16(_ v: Int64) -> String {
    // Hot (several state keys per event): write the digits once, no intermediate strings.
    if v < 0 {  // never in v1 keys (every padded number is validated >= 0); kept total anyway
        let s = String(v)
        return String(repeating: "0", count: max(0, 16 - s.utf8.count)) + s
    }
    let width = decimalWidth(UInt64(v), minimum: 16)
    return String(unsafeUninitializedCapacity: width) { buffer in
        writeDigits(UInt64(v), width: width, into: buffer, at: 0)
        return width
    }
}

/// How many decimal digits `v` takes, at least `minimum`.
@usableFromInline func decimalWidth(_ v: UInt64, minimum: Int) -> Int {
    var n = 1, x = v
    while x >= 10 { x /= 10; n += 1 }
    return max(minimum, n)
}

/// Writes `v` as `width` decimal digits, zero-padded, into `buffer` from `start` (`width` is
/// at least `decimalWidth(v, minimum: 0)`).
@inlinable func writeDigits(_ v: UInt64, width: Int, into buffer: UnsafeMutableBufferPointer<UInt8>, at start: Int) {
    var x = v
    for k in stride(from: start + width - 1, through: start, by: -1) {
        buffer[k] = UInt8(ascii: "0") + UInt8(x % 10)
        x /= 10
    }
}

/// Text as one state-key segment: printable ASCII without `/`. Bytes outside `!`..`~`, and `/`
/// and `%` themselves, become `%XX` (uppercase hex); everything else stays as it is, so the
/// encoding is one-to-one and keeps the text's byte order apart from escaped bytes.
///
/// Why not a hash: the duplicate index (`src/`) is written once per behaviour report. Under
/// SHA-256 keys every report landed on a random page of a large B-tree, and every commit
/// rewrote thousands of pages. Platforms' references mostly grow with time (trip and order
/// numbers, dates), so their own text keeps the index's writes together: far fewer bytes reach
/// the device per event, and ingest is faster (Benchmarks/RESULTS.md).
///
/// This is Foundation's `addingPercentEncoding(withAllowedCharacters:)` with `!`..`~` minus `/`
/// and `%` allowed (same output for every test string), written out because it runs once per
/// behaviour report and Foundation's was several times slower, enough to show in profiles of
/// the rules thread (Benchmarks/RESULTS.md).
func keySegment(_ text: String) -> String {
    // Most references need no escape: then the segment is the text itself, no copy made.
    if text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "%") }) { return text }
    var out: [UInt8] = []
    out.reserveCapacity(text.utf8.count)
    let hex = Array("0123456789ABCDEF".utf8)
    for b in text.utf8 {
        if b > 0x20 && b < 0x7F && b != UInt8(ascii: "/") && b != UInt8(ascii: "%") {
            out.append(b)
        } else {
            out += [UInt8(ascii: "%"), hex[Int(b >> 4)], hex[Int(b & 0x0F)]]
        }
    }
    return String(decoding: out, as: UTF8.self)
}

extension String {
    /// Whether this key's bytes begin with `prefix`'s. The namespace tests run on every read
    /// and write of the rules: `hasPrefix` compares Unicode characters, and `utf8.starts(with:)`
    /// walks two iterators, both several times slower in profiles of the rules thread.
    @inline(__always)
    func hasBytePrefix(_ prefix: StaticString) -> Bool {
        let p = UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount)
        if let answer = utf8.withContiguousStorageIfAvailable({ b -> Bool in
            guard b.count >= p.count else { return false }
            for i in 0..<p.count where b[i] != p[i] { return false }
            return true
        }) { return answer }
        return utf8.starts(with: p)
    }
}
