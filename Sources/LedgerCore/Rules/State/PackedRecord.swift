import Foundation

/// The compact form the rules checkpoint (`DIR/rules`) stores a typed record in (issue 23,
/// item 1): the same members in the same order as its canonical JSON (`CanonicalRecord`), each a
/// one-byte member name and a one-byte tag before its value, without the JSON's quotes, names,
/// digits and hex. A behaviour's record, most of the checkpoint, takes about 250 bytes instead
/// of 510 (Benchmarks/RESULTS.md). Only the checkpoint keeps this form: the state environment,
/// which the queries read and `verify` compares, keeps SPEC.md section 10's canonical JSON, and
/// whatever reads the checkpoint gets that JSON back (`canonical(_:)`) or the typed record
/// (`RecordReader` reads both forms).
///
/// Layout: `marker`, then per member its name (an index into `names`, or `inlineName`, a
/// varint length and the name's bytes) and its value: `Tag.int` and a zigzag varint;
/// `Tag.string`, a varint length and UTF-8; `Tag.falseValue` or `Tag.trueValue`; `Tag.strings`,
/// a varint count and each string so; `Tag.records`, a varint count and each nested record's
/// canonical JSON with a varint length; `Tag.time`, the milliseconds as a zigzag varint;
/// `Tag.digest`, 32 bytes. Nothing follows the last member.
public enum PackedRecord {
    /// The first byte of a packed record: a canonical JSON value never starts with it.
    public static let marker: UInt8 = 0x00
    /// A member name not in `names`, written out.
    static let inlineName: UInt8 = 0xFF

    enum Tag: UInt8 {
        case int = 1, string, falseValue, trueValue, strings, records, time, digest
    }

    /// Member names by their byte. The format: append new names, never reorder or remove (the
    /// checkpoint's format, `RuleCheckpoints.format`, would have to change); at most 255 of
    /// them (`inlineName` is the 256th byte). A record member not listed here is stored with
    /// its name written out.
    static let names: [StaticString] = [
        "account", "act", "actor", "aggregate", "allow", "allowance_t", "amount", "amount_kg", "amount_mg",
        "approved_mg", "authority", "baseline_mg", "batch", "behaviours", "cancellation", "cancelled", "cap", "count",
        "credited_mg", "daily_cap_mg", "day", "decided_by", "decided_seq", "decision", "donated_mg", "earned",
        "eligible", "employees_credited_mg", "employees_reversed_mg", "employer", "end", "event", "factor_mg",
        "footprint", "from_ms", "gap_limited", "gap_t", "granted_seq", "held", "id", "interval", "issued_mg",
        "issued_seq", "key", "kind", "last", "leaf", "lineage_root", "locked_mg", "max_permille", "methodologies",
        "methodology", "mg_per_point", "opened_seq", "owner", "period_from", "period_to", "person", "person_platform",
        "person_seq", "platform", "platforms", "points", "points_per_event", "previous_key", "project", "project_mg",
        "proposed_by", "proposed_seq", "purpose", "qualitative", "qualitative_mg", "reason", "received_mg", "recovery",
        "redeemed", "reduction_mg", "region", "regions", "registered_seq", "report_hash", "request", "retired",
        "retired_kg", "retirement", "retirements", "reversed", "reversed_mg", "reversed_seq", "revoked_by_recovery",
        "revoked_keys", "revoked_seq", "reward", "role", "roles", "root", "rotations", "scenario", "scenarios", "seq",
        "serial_prefix", "since_seq", "start", "state", "status", "title", "to_ms", "total_mg", "unit", "units",
        "valid_from", "valid_to", "verifier", "version", "versions", "vintage", "vintage_from", "vintage_to", "year",
        // Layout 4 of the checkpoint.
        "capped",
    ]

    /// Whether `bytes` are a packed record (else canonical JSON).
    @inline(__always)
    public static func isPacked(_ bytes: UnsafeRawBufferPointer) -> Bool { bytes.first == marker }

    /// The canonical JSON of a packed record, byte for byte what `CanonicalRecord` writes for
    /// the same members; nil when `bytes` are not a well-formed packed record.
    public static func canonical(_ bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(bytes.count * 2)
        guard walk(bytes, into: &out, writing: true) else { return nil }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// Whether `bytes` are a well-formed packed record (`canonical(_:)` would read them), found
    /// without writing the JSON: what a writer's start checks of the records it loads, which
    /// it reads as JSON only if a rule asks.
    public static func isWellFormed(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var none: [UInt8] = []
        return walk(bytes, into: &none, writing: false)
    }

    /// Reads a packed record member by member, appending its JSON members to `out` if `writing`.
    private static func walk(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8], writing: Bool) -> Bool {
        guard isPacked(bytes) else { return false }
        var r = Cursor(bytes, at: 1)
        var first = true
        func string(_ r: inout Cursor, _ out: inout [UInt8]) -> Bool {
            guard writing else { return r.validString() }
            guard let raw = r.slice() else { return false }
            // Most strings are printable ASCII without a quote or a backslash: their JSON is
            // their bytes in quotes, with no string made (`verify` reads millions).
            if !raw.contains(where: { $0 < 0x20 || $0 >= 0x7F || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                out.append(UInt8(ascii: "\""))
                out.append(contentsOf: raw)
                out.append(UInt8(ascii: "\""))
                return true
            }
            guard let s = String(validating: raw, as: UTF8.self) else { return false }
            CanonicalJSON.writeString(s, into: &out)
            return true
        }
        while !r.atEnd {
            guard let name = r.name() else { return false }
            if writing {
                if !first { out.append(UInt8(ascii: ",")) }
                out.append(UInt8(ascii: "\""))
                out.append(contentsOf: name)
                out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
            }
            first = false
            guard let tag = r.byte().flatMap(Tag.init(rawValue:)) else { return false }
            switch tag {
            case .int:
                guard let v = r.int() else { return false }
                if writing { CanonicalJSON.writeInt(v, into: &out) }
            case .string:
                guard string(&r, &out) else { return false }
            case .falseValue: if writing { out.append(contentsOf: Array("false".utf8)) }
            case .trueValue: if writing { out.append(contentsOf: Array("true".utf8)) }
            case .strings:
                guard let n = r.count() else { return false }
                if writing { out.append(UInt8(ascii: "[")) }
                for e in 0..<n {
                    if writing, e > 0 { out.append(UInt8(ascii: ",")) }
                    guard string(&r, &out) else { return false }
                }
                if writing { out.append(UInt8(ascii: "]")) }
            case .records:
                guard let n = r.count() else { return false }
                if writing { out.append(UInt8(ascii: "[")) }
                for e in 0..<n {
                    guard let nested = r.slice() else { return false }
                    if writing, e > 0 { out.append(UInt8(ascii: ",")) }
                    if writing { out.append(contentsOf: nested) }
                }
                if writing { out.append(UInt8(ascii: "]")) }
            case .time:
                guard let t = r.time() else { return false }
                if writing { quoted(&out) { t.write(into: &$0) } }
            case .digest:
                guard let d = r.digest() else { return false }
                if writing { quoted(&out) { d.writeHex(into: &$0) } }
            }
        }
        return true
    }

    /// Appends what `text` writes in quotes (a time's or a digest's JSON string).
    private static func quoted(_ out: inout [UInt8], _ text: (inout [UInt8]) -> Void) {
        out.append(UInt8(ascii: "\""))
        text(&out)
        out.append(UInt8(ascii: "\""))
    }

    /// `canonical(_:)` of stored bytes that may be either form: canonical JSON is returned as it is.
    public static func canonical(stored bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        isPacked(bytes) ? canonical(bytes) : Array(bytes)
    }

    /// The JSON of stored bytes for a comparison or a JSON reader: `canonical(stored:)`, and a
    /// damaged packed record as it is stored, which no JSON reader takes and which differs from
    /// any JSON.
    public static func json(stored bytes: UnsafeRawBufferPointer) -> [UInt8] {
        canonical(stored: bytes) ?? Array(bytes)
    }

    /// The byte `name` is written as, or nil when it is written out. An open-addressed table
    /// over the names' FNV-1a hashes: every member of every record written looks its name up.
    static func id(of name: StaticString) -> UInt8? {
        name.withUTF8Buffer { n in
            var slot = Int(fnv(UnsafeRawBufferPointer(n)) & UInt32(NameTable.mask))
            while true {
                let entry = NameTable.shared.slots[slot]
                if entry == 0 { return nil }
                let id = Int(entry - 1)
                if same(names[id], UnsafeRawBufferPointer(n)) { return UInt8(id) }
                slot = (slot + 1) & NameTable.mask
            }
        }
    }

    /// Whether `name` has exactly `bytes`: a length and a `memcmp`, per member of every record
    /// read or written.
    @inline(__always)
    static func same(_ name: StaticString, _ bytes: UnsafeRawBufferPointer) -> Bool {
        let n = name.utf8CodeUnitCount
        guard bytes.count == n else { return false }
        guard n > 0, let base = bytes.baseAddress else { return true }
        return memcmp(name.utf8Start, base, n) == 0
    }

    static func fnv(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var h: UInt32 = 2_166_136_261
        for b in bytes { h = (h ^ UInt32(b)) &* 16_777_619 }
        return h
    }

    /// `names` by hash: slot -> id + 1 (0: empty). Four times as many slots as names.
    final class NameTable: Sendable {
        static let mask = 511
        static let shared = NameTable()
        let slots: [UInt16]
        init() {
            var slots = [UInt16](repeating: 0, count: Self.mask + 1)
            for (id, name) in PackedRecord.names.enumerated() {
                var slot = name.withUTF8Buffer { Int(PackedRecord.fnv(UnsafeRawBufferPointer($0)) & UInt32(Self.mask)) }
                while slots[slot] != 0 { slot = (slot + 1) & Self.mask }
                slots[slot] = UInt16(id + 1)
            }
            self.slots = slots
        }
    }

    // MARK: writing

    static func writeName(_ name: StaticString, into out: inout [UInt8]) {
        if let id = id(of: name) {
            out.append(id)
        } else {
            out.append(inlineName)
            writeCount(name.utf8CodeUnitCount, into: &out)
            name.withUTF8Buffer { out.append(contentsOf: $0) }
        }
    }

    static func writeCount(_ n: Int, into out: inout [UInt8]) {
        writeVarint(UInt64(n), into: &out)
    }

    /// Zigzag, so that small negative numbers take few bytes too.
    static func writeInt(_ v: Int64, into out: inout [UInt8]) {
        writeVarint(UInt64(bitPattern: (v << 1) ^ (v >> 63)), into: &out)
    }

    /// LEB128, in its shortest form (`Cursor.varint` reads no other).
    private static func writeVarint(_ value: UInt64, into out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    static func writeString(_ s: String, into out: inout [UInt8]) {
        var s = s
        s.withUTF8 { u in
            writeCount(u.count, into: &out)
            out.append(contentsOf: u)
        }
    }

    // MARK: reading

    /// Reads a packed record's parts; every read returns nil instead of going past the end.
    struct Cursor {
        let bytes: UnsafeRawBufferPointer
        var i: Int

        init(_ bytes: UnsafeRawBufferPointer, at i: Int) {
            self.bytes = bytes
            self.i = i
        }

        var atEnd: Bool { i >= bytes.count }

        mutating func byte() -> UInt8? {
            guard i < bytes.count else { return nil }
            defer { i += 1 }
            return bytes[i]
        }

        mutating func varint() -> UInt64? {
            var v: UInt64 = 0
            var shift: UInt64 = 0
            while let b = byte() {
                // 64 bits at most, and only the shortest form: one value, one spelling, so that
                // a record read from bytes encodes to exactly them (as with canonical JSON).
                guard shift < 63 || (shift == 63 && b <= 1) else { return nil }
                v |= UInt64(b & 0x7F) << shift
                if b < 0x80 { return b == 0 && shift > 0 ? nil : v }
                shift += 7
            }
            return nil
        }

        /// A length or count: at most what is left of the record.
        mutating func count() -> Int? {
            guard let v = varint(), v <= UInt64(bytes.count - i) else { return nil }
            return Int(v)
        }

        mutating func int() -> Int64? {
            guard let z = varint() else { return nil }
            let v = Int64(bitPattern: (z >> 1) ^ (0 &- (z & 1)))
            guard v >= -JSONValue.maxSafeInteger, v <= JSONValue.maxSafeInteger else { return nil }
            return v
        }

        mutating func slice() -> UnsafeRawBufferPointer? {
            guard let n = count() else { return nil }
            defer { i += n }
            return UnsafeRawBufferPointer(rebasing: bytes[i..<(i + n)])
        }

        mutating func string() -> String? {
            guard let raw = slice() else { return nil }
            if !raw.contains(where: { $0 >= 0x80 }) { return String(decoding: raw, as: UTF8.self) }
            return String(validating: raw, as: UTF8.self)
        }

        /// Whether a string is next, skipped: as `string()`, without making it.
        mutating func validString() -> Bool {
            guard let raw = slice() else { return false }
            return !raw.contains(where: { $0 >= 0x80 }) || String(validating: raw, as: UTF8.self) != nil
        }

        mutating func time() -> Timestamp? {
            guard let ms = int() else { return nil }
            let t = Timestamp(millisecondsSinceEpoch: ms)
            guard t >= Timestamp.minimum, t <= Timestamp.maximum else { return nil }
            return t
        }

        mutating func digest() -> Digest? {
            guard i + 32 <= bytes.count, let base = bytes.baseAddress else { return nil }
            defer { i += 32 }
            return Digest(raw: base + i)
        }

        /// A member's name, as its bytes.
        mutating func name() -> UnsafeRawBufferPointer? {
            guard let id = byte() else { return nil }
            if id == PackedRecord.inlineName { return slice() }
            guard Int(id) < PackedRecord.names.count else { return nil }
            let name = PackedRecord.names[Int(id)]
            return UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
        }

        /// Whether the next member is named `name` (nothing is consumed).
        func nextName(is name: StaticString) -> Bool {
            var peek = self
            guard let found = peek.name() else { return false }
            return PackedRecord.same(name, found)
        }
    }
}
