/// The canonical bytes of one flat JSON object, written member by member: how the rules build
/// the records a behaviour report writes whole (its record, its history line, its interval).
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

    /// `capacity`: about how many bytes the record takes, to allocate once.
    public init(capacity: Int = 128) {
        out = []
        out.reserveCapacity(capacity)
        out.append(UInt8(ascii: "{"))
    }

    /// Empties the record for another object, keeping its buffer: a writer that encodes many
    /// records one after another (the state's commit) allocates once.
    public mutating func reset() {
        out.removeAll(keepingCapacity: true)
        out.append(UInt8(ascii: "{"))
        finished = false
        #if DEBUG
        lastKey = nil
        #endif
    }

    /// Closes the object and calls `body` with its bytes, which stay in the record's buffer.
    public mutating func finishInPlace<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        precondition(!finished, "a CanonicalRecord finished twice")
        finished = true
        out.append(UInt8(ascii: "}"))
        #if DEBUG
        assert((try? JSONParser.parseCanonical(out))?.objectValue != nil, "a CanonicalRecord is not canonical JSON: \(String(decoding: out, as: UTF8.self))")
        #endif
        return try out.withUnsafeBytes(body)
    }

    /// Closes the object and returns its bytes; the record takes no more members.
    public mutating func finish() -> [UInt8] {
        // In place: copying the buffer to close it cost as much as writing it.
        precondition(!finished, "a CanonicalRecord finished twice")
        finished = true
        out.append(UInt8(ascii: "}"))
        #if DEBUG
        let parsed = try? JSONParser.parseCanonical(out)
        assert(parsed?.objectValue != nil, "a CanonicalRecord is not canonical JSON: \(String(decoding: out, as: UTF8.self))")
        #endif
        return out
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
        if out.count > 1 { out.append(UInt8(ascii: ",")) }
        out.append(UInt8(ascii: "\""))
        k.withUTF8Buffer { out.append(contentsOf: $0) }
        out.append(UInt8(ascii: "\""))
        out.append(UInt8(ascii: ":"))
    }

    public mutating func int(_ k: StaticString, _ v: Int64) {
        key(k)
        CanonicalJSON.writeInt(v, into: &out)
    }

    public mutating func string(_ k: StaticString, _ v: String) {
        key(k)
        CanonicalJSON.writeString(v, into: &out)
    }

    public mutating func bool(_ k: StaticString, _ v: Bool) {
        key(k)
        CanonicalJSON.write(.bool(v), into: &out)
    }

    /// An array of strings.
    public mutating func strings(_ k: StaticString, _ v: [String]) {
        key(k)
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
        out.append(UInt8(ascii: "\""))
        v.write(into: &out)
        out.append(UInt8(ascii: "\""))
    }

    /// A digest as its 64 lowercase hex digits.
    public mutating func hex(_ k: StaticString, _ v: Digest) {
        key(k)
        out.append(UInt8(ascii: "\""))
        v.writeHex(into: &out)
        out.append(UInt8(ascii: "\""))
    }
}
