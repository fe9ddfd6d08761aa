/// A record of the rule state held as a typed value rather than as JSON: the rules read and
/// change its fields directly, and it becomes canonical JSON only where it is stored (SPEC.md
/// section 10, byte for byte what the JSON rules wrote). Each record type is one step of moving
/// the rule state into memory as typed values (issue 23): the rules that use it are written
/// against the type, whatever holds it.
///
/// A record decodes exactly the members it encodes, in canonical order, and refuses anything
/// else, so decoding a stored record and encoding it again gives the stored bytes
/// (`StateRecordTests`). It decodes straight from the stored bytes (`RecordReader`): parsing
/// them into a JSON tree first and reading that was most of the JSON work of the rules thread.
/// The layout of the rule records, as a rules checkpoint (`RuleCheckpoints.format`) and an
/// auditor's kept replay (`ReplayPosition`) hold them: a record of another layout is not read.
/// Layout 2: a behaviour's record without the keys of its interval, daily cap and eligibility,
/// which its other fields determine (layout 1 stored them, 112 of its 253 packed bytes).
/// Layout 3: no records of intervals and daily caps (`iv/`, `ivlong/`, `cap/`): the index of
/// behaviours (`BehaviourIndex`) is made from the behaviours' records instead; layout 4: no
/// records of acts (`act/`) either.
public enum StateRecords {
    public static let layout = "rule-records/4"
}

public protocol StateRecord: Sendable {
    /// The record read from its stored canonical JSON bytes; nil when they are not such a record.
    init?(canonical bytes: UnsafeRawBufferPointer)
    /// Writes its members, in canonical order, into `record` (empty when given).
    func encode(into record: inout CanonicalRecord)
}

extension StateRecord {
    /// Its canonical JSON bytes, as stored.
    public var canonical: [UInt8] {
        var o = CanonicalRecord(capacity: 256)
        encode(into: &o)
        return o.finish()
    }
}

extension StateRecord {
    /// The record stored at `key` as `bytes`: a value that is not one is a damaged state.
    public static func stored(_ bytes: UnsafeRawBufferPointer, at key: String) throws(StateRecordError) -> Self {
        guard let r = Self(canonical: bytes) else { throw StateRecordError(key: key, expected: "\(Self.self)") }
        return r
    }

    /// The record stored at `key`, read as JSON.
    public static func stored(_ value: JSONValue, at key: String) throws(StateRecordError) -> Self {
        guard let r = Self(record: value) else { throw StateRecordError(key: key, expected: "\(Self.self)") }
        return r
    }

    /// The record a JSON value holds (a rule that still reads it as JSON wrote it so); nil when
    /// the value is not such a record.
    public init?(record value: JSONValue) {
        guard let r = CanonicalJSON.encode(value).withUnsafeBytes({ Self(canonical: $0) }) else { return nil }
        self = r
    }
}

/// A stored value that is not the record its key says: the state is damaged (it is derived, so
/// a rebuild from the log repairs it).
public struct StateRecordError: Error, CustomStringConvertible {
    public let key: String
    public let expected: String
    public init(key: String, expected: String) { self.key = key; self.expected = expected }
    public var description: String {
        "the state record \(key) is not a valid \(expected); the state is damaged: rebuild it from the log (cledger upgrade, or remove the state/ directory and open the ledger)"
    }
}

extension StateReader {
    /// The record at `key` as a `R`; nil when there is none. Readers that hold the stored bytes
    /// decode from them instead.
    public func record<R: StateRecord>(_ type: R.Type, at key: String) throws -> R? {
        guard let value = try get(key) else { return nil }
        return try R.stored(value, at: key)
    }

    public func predecessorRecord<R: StateRecord>(_ type: R.Type, parent: String, before: String) throws -> (key: String, record: R)? {
        guard let p = try predecessor(parent: parent, before: before) else { return nil }
        return (p.key, try R.stored(p.value, at: p.key))
    }

    public func childRecords<R: StateRecord>(_ type: R.Type, of parent: String) throws -> [(key: String, record: R)] {
        try children(of: parent).map { c in (c.key, try R.stored(c.value, at: c.key)) }
    }
}

extension StateRecord {
    /// Its compact form, as the rules checkpoint stores it (`PackedRecord`).
    public var packed: [UInt8] {
        var o = CanonicalRecord(capacity: 256, packed: true)
        encode(into: &o)
        return o.finish()
    }
}
