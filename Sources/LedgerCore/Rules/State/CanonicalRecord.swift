/// The canonical bytes of one flat JSON object, written member by member: how the rules build
/// the records a behaviour report writes whole (its record, its history line, its interval).
/// Or the same members in the rules checkpoint's compact form (`packed`, `PackedRecord`).
///
/// Built as `JSONObject`s (member arrays, key comparisons, a string per timestamp and hash),
/// encoded on the commit thread and freed as trees, they cost more CPU on both the rules and the
/// commit thread (perf samples by thread; Benchmarks/RESULTS.md). The bytes are the same:
/// members must be given in canonical key order (RFC 8785: UTF-16 order, byte order for the
/// ASCII keys the rules use), which debug builds check, together with the whole result's
/// canonical form.
public struct CanonicalRecord {
    /// The object's bytes so far (closed by `finish()`).
    private var out: [UInt8]
    private var finished = false
    #if DEBUG
    private var lastKey: String?
    #endif

    /// Whether it writes the rules checkpoint's compact form (`PackedRecord`) of the members
    /// instead of their canonical JSON.
    public let packed: Bool

    /// The packed names written so far, for an encoder that writes many records (`reset()`).
    private let names: PackedNameCache?

    /// `capacity`: about how many bytes the record takes, to allocate once. `packed`: writes
    /// `PackedRecord`'s form. `cachingNames`: with `packed`, for an encoder that writes many
    /// records, keeps each name's packed byte (`PackedNameCache`).
    public init(capacity: Int = 128, packed: Bool = false, cachingNames: Bool = false) {
        self.packed = packed
        names = packed && cachingNames ? PackedNameCache() : nil
        out = []
        out.reserveCapacity(capacity)
        out.append(packed ? PackedRecord.marker : UInt8(ascii: "{"))
    }

    /// Empties the record for another object, keeping its buffer: a writer that encodes many
    /// records one after another (the state's commit) allocates once.
    public mutating func reset() {
        out.removeAll(keepingCapacity: true)
        out.append(packed ? PackedRecord.marker : UInt8(ascii: "{"))
        finished = false
        #if DEBUG
        lastKey = nil
        #endif
    }

    /// Closes the object and calls `body` with its bytes, which stay in the record's buffer.
    public mutating func finishInPlace<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        close()
        return try out.withUnsafeBytes(body)
    }

    /// Closes the object and returns its bytes; the record takes no more members.
    public mutating func finish() -> [UInt8] {
        // In place: copying the buffer to close it cost as much as writing it.
        close()
        return out
    }

    private mutating func close() {
        precondition(!finished, "a CanonicalRecord finished twice")
        finished = true
        if !packed { out.append(UInt8(ascii: "}")) }
        #if DEBUG
        let json: [UInt8]? = packed ? out.withUnsafeBytes { PackedRecord.canonical($0) } : out
        let parsed = json.flatMap { try? JSONParser.parseCanonical($0) }
        assert(parsed?.objectValue != nil, "a CanonicalRecord is not canonical JSON: \(String(decoding: json ?? out, as: UTF8.self))")
        #endif
    }

    private mutating func key(_ k: StaticString) {
        #if DEBUG
        let text = k.description
        assert(text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") },
               "record keys are ASCII needing no escape")
        if let last = lastKey { assert(JSONObject.compareKeys(last, text) < 0, "member \(text) after \(last): not in canonical order") }
        lastKey = text
        #endif
        precondition(!finished, "a member added to a finished CanonicalRecord")
        if packed {
            if let names { return names.write(k, into: &out) }
            return PackedRecord.writeName(k, into: &out)
        }
        if out.count > 1 { out.append(UInt8(ascii: ",")) }
        out.append(UInt8(ascii: "\""))
        k.withUTF8Buffer { out.append(contentsOf: $0) }
        out.append(UInt8(ascii: "\""))
        out.append(UInt8(ascii: ":"))
    }

    public mutating func int(_ k: StaticString, _ v: Int64) {
        key(k)
        if packed { return tagged(.int) { PackedRecord.writeInt(v, into: &$0) } }
        CanonicalJSON.writeInt(v, into: &out)
    }

    public mutating func string(_ k: StaticString, _ v: String) {
        key(k)
        if packed { return tagged(.string) { PackedRecord.writeString(v, into: &$0) } }
        CanonicalJSON.writeString(v, into: &out)
    }

    public mutating func bool(_ k: StaticString, _ v: Bool) {
        key(k)
        if packed { return tagged(v ? .trueValue : .falseValue) { _ in } }
        CanonicalJSON.write(.bool(v), into: &out)
    }

    /// An array of strings.
    public mutating func strings(_ k: StaticString, _ v: [String]) {
        key(k)
        if packed {
            return tagged(.strings) { out in
                PackedRecord.writeCount(v.count, into: &out)
                for s in v { PackedRecord.writeString(s, into: &out) }
            }
        }
        out.append(UInt8(ascii: "["))
        for (i, s) in v.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            CanonicalJSON.writeString(s, into: &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    /// An array of records given as their canonical bytes.
    public mutating func records(_ k: StaticString, _ v: [[UInt8]]) {
        key(k)
        if packed {
            return tagged(.records) { out in
                PackedRecord.writeCount(v.count, into: &out)
                for r in v {
                    PackedRecord.writeCount(r.count, into: &out)
                    out.append(contentsOf: r)
                }
            }
        }
        out.append(UInt8(ascii: "["))
        for (i, r) in v.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: r)
        }
        out.append(UInt8(ascii: "]"))
    }

    /// A timestamp as its RFC 3339 string.
    public mutating func time(_ k: StaticString, _ v: Timestamp) {
        key(k)
        if packed { return tagged(.time) { PackedRecord.writeInt(v.millisecondsSinceEpoch, into: &$0) } }
        out.append(UInt8(ascii: "\""))
        v.write(into: &out)
        out.append(UInt8(ascii: "\""))
    }

    /// A digest as its 64 lowercase hex digits.
    public mutating func hex(_ k: StaticString, _ v: Digest) {
        key(k)
        if packed { return tagged(.digest) { out in v.withUnsafeBytes { out.append(contentsOf: $0) } } }
        out.append(UInt8(ascii: "\""))
        v.writeHex(into: &out)
        out.append(UInt8(ascii: "\""))
    }

    private mutating func tagged(_ tag: PackedRecord.Tag, _ value: (inout [UInt8]) -> Void) {
        out.append(tag.rawValue)
        value(&out)
    }
}
