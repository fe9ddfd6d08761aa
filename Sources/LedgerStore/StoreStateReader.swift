import Foundation
import LedgerCore

/// The `state` database seen through one transaction, as the reducer's `StateReader`; or the
/// records of a rules checkpoint (`RuleCheckpoints`), which are the same keys and bytes.
public final class StoreStateReader: StateReader {
    let txn: LMDBTransaction
    let records: LMDBDatabase
    let metaDatabase: LMDBDatabase
    /// A rules checkpoint's hashes of its filtered keys (`FilterHashes`); nil for the state environment.
    let filterHashes: LMDBDatabase?
    /// Where the behaviours' records (`beh/`) are: a rules checkpoint's database of them
    /// (`RuleCheckpoints.behaviours`), else `records`.
    let behaviourRecords: LMDBDatabase

    public init(store: LogStore, txn: LMDBTransaction) {
        self.txn = txn
        records = store.state
        metaDatabase = store.stateMeta
        filterHashes = nil
        behaviourRecords = records
    }

    /// The records of `records` and the size under `meta`, through `txn`.
    init(txn: LMDBTransaction, records: LMDBDatabase, meta: LMDBDatabase, filterHashes: LMDBDatabase? = nil, behaviours: LMDBDatabase? = nil) {
        self.txn = txn
        self.records = records
        self.metaDatabase = meta
        self.filterHashes = filterHashes
        behaviourRecords = behaviours ?? records
    }

    /// The prefix of the behaviours' keys (`beh/SEQ16`).
    public static let behaviourPrefix = Array("beh/".utf8)

    /// Whether a key (or a key's prefix, for a scan) is a behaviour's.
    @inline(__always)
    public static func isBehaviourKey(_ k: UnsafeRawBufferPointer) -> Bool {
        k.count >= 4 && k[0] == UInt8(ascii: "b") && k[1] == UInt8(ascii: "e") && k[2] == UInt8(ascii: "h") && k[3] == UInt8(ascii: "/")
    }

    /// `isBehaviourKey` of a key given as text.
    @inline(__always)
    static func isBehaviourKey(_ key: String) -> Bool {
        key.utf8.withContiguousStorageIfAvailable { isBehaviourKey(UnsafeRawBufferPointer($0)) } ?? Array(key.utf8).withUnsafeBytes(isBehaviourKey)
    }

    /// The database that holds `key`.
    @inline(__always)
    func database(of key: UnsafeRawBufferPointer) -> LMDBDatabase {
        Self.isBehaviourKey(key) ? behaviourRecords : records
    }

    /// The state of `reader`'s snapshot.
    public convenience init(_ reader: StoreReader) { self.init(store: reader.store, txn: reader.stateTxn) }

    func meta(_ key: StateMetaKey) throws -> [UInt8]? {
        try txn.value(named: key.rawValue, in: metaDatabase)
    }

    /// How many log entries this state reflects.
    public func size() throws -> UInt64 {
        guard let b = try meta(.size) else { return 0 }
        guard let v = b.withUnsafeBytes(decodeU64) else { throw StoreError.corrupt("state_meta/size is not 8 bytes") }
        return v
    }

    // State records are written only by the canonical encoder, and `verify` compares their
    // stored bytes with a replay's, so the reducer's reads parse them without re-encoding to
    // re-check canonical form (that re-encoding was a tenth of each read in profiles).
    public func get(_ key: String) throws -> JSONValue? {
        try Self.withBytes(of: key) { k in
            guard let raw = try txn.get(database(of: k), key: k) else { return nil }
            return try Self.parse(raw, key: key)
        }
    }

    /// Decoded from the stored bytes in the transaction's pages, with no JSON tree between.
    public func record<R: StateRecord>(_ type: R.Type, at key: String) throws -> R? {
        try Self.withBytes(of: key) { k in
            guard let raw = try txn.get(database(of: k), key: k) else { return nil }
            return try Self.decode(R.self, raw, at: key)
        }
    }

    /// A stored record as `R`: one that is not is a damaged state, or a damaged rules
    /// checkpoint when packed (only the checkpoint packs records), each named with its remedy.
    static func decode<R: StateRecord>(_ type: R.Type, _ raw: UnsafeRawBufferPointer, at key: String) throws -> R {
        do {
            return try R.stored(raw, at: key)
        } catch {
            throw PackedRecord.isPacked(raw) ? RuleCheckpoints.damaged(key) : error
        }
    }

    /// A stored record as JSON: the rules checkpoint's packed records (`PackedRecord`) are read
    /// through their canonical JSON.
    static func parse(_ raw: UnsafeRawBufferPointer, key: @autoclosure () -> String) throws -> JSONValue {
        guard PackedRecord.isPacked(raw) else { return try JSONParser.parse(raw) }
        return try JSONParser.parse(try RuleCheckpoints.canonical(raw, key: key()))
    }

    /// A key's bytes, not copied when the string is native (the rules' interpolated keys are):
    /// an array per read showed in profiles of the reducer.
    static func withBytes<R>(of key: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        if let r = try key.utf8.withContiguousStorageIfAvailable({ try body(UnsafeRawBufferPointer($0)) }) { return r }
        return try Array(key.utf8).withUnsafeBytes(body)
    }

    /// Whether `key` is a child of `parent`: `parent/` and one more segment.
    static func isChild(_ key: UnsafeRawBufferPointer, of parent: String) -> Bool {
        let n = parent.utf8.count
        return key.count > n + 1 && key[n] == UInt8(ascii: "/") && key.starts(with: parent.utf8)
            && !key[(n + 1)...].contains(UInt8(ascii: "/"))
    }

    public func children(of parent: String) throws -> [(key: String, value: JSONValue)] {
        try children(of: parent) { k, v in try Self.parse(v, key: k) }
    }

    public func childRecords<R: StateRecord>(_ type: R.Type, of parent: String) throws -> [(key: String, record: R)] {
        try children(of: parent) { k, v in
            try Self.decode(R.self, v, at: k)
        }
    }

    /// The children of `parent` in byte order, each value read from its stored bytes by `value`.
    private func children<V>(of parent: String, _ value: (String, UnsafeRawBufferPointer) throws -> V) throws -> [(key: String, V)] {
        let prefix = Array((parent + "/").utf8)
        var out: [(String, V)] = []
        try prefix.withUnsafeBytes { start in
            try txn.scan(database(of: start), from: start) { k, v in
                guard k.starts(with: prefix) else { return false }
                if !k[prefix.count...].contains(UInt8(ascii: "/")) {
                    let key = String(decoding: k, as: UTF8.self)
                    out.append((key, try value(key, v)))
                }
                return true
            }
        }
        return out
    }

    public func predecessor(parent: String, before: String) throws -> (key: String, value: JSONValue)? {
        try Self.withBytes(of: before) { b in
            guard let (k, v) = try txn.last(database(of: b), before: b), Self.isChild(k, of: parent) else { return nil }
            let key = String(decoding: k, as: UTF8.self)
            return (key, try Self.parse(v, key: key))
        }
    }

    public func predecessorRecord<R: StateRecord>(_ type: R.Type, parent: String, before: String) throws -> (key: String, record: R)? {
        try Self.withBytes(of: before) { b in
            guard let (k, v) = try txn.last(database(of: b), before: b), Self.isChild(k, of: parent) else { return nil }
            let key = String(decoding: k, as: UTF8.self)
            return (key, try Self.decode(R.self, v, at: key))
        }
    }
}
