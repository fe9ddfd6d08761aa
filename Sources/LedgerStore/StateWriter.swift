import Foundation
import LedgerCore

/// Writes within one write transaction of the state; sees its own writes.
public struct StateWriter {
    public let store: LogStore
    public let txn: LMDBTransaction

    /// The state as this transaction sees it, for the reducer.
    public var reader: StoreStateReader { StoreStateReader(store: store, txn: txn) }

    public func size() throws -> UInt64 { try reader.size() }

    public func setSize(_ size: UInt64) throws {
        try putMeta(.size, withUnsafeBytes(of: size.bigEndian) { Array($0) })
    }

    public func putMeta(_ key: StateMetaKey, _ value: [UInt8]) throws {
        try txn.put(value, named: key.rawValue, in: store.stateMeta)
    }

    /// Empties `touched`: the projections were compared with the keys it listed.
    public func forgetTouched() throws {
        if let t = store.touched { try txn.clear(t) }
    }

    /// Removes every state record (before a rebuild from the log).
    public func removeAll() throws {
        try txn.clear(store.state)
        try setSize(0)
    }

    /// Writes an overlay's changes (canonical JSON; deletions remove the key) but those of the
    /// keys `skipping` names, and lists the keys in one new `touched` record when the store has
    /// that database.
    public func apply(_ overlay: StateOverlay, skipping: ((String) -> Bool)? = nil) throws {
        var writer = RecordWriter()
        var touched: [UInt8] = []
        try overlay.forEachWriteInOrder(skipping: skipping) { key, content in
            if store.touched != nil {
                var key = key
                key.withUTF8 { k in
                    touched.append(UInt8(k.count >> 8))
                    touched.append(UInt8(k.count & 0xFF))
                    touched.append(contentsOf: k)
                }
            }
            try writer.write(key, content, to: store.state, in: txn)
        }
        if let t = store.touched, !touched.isEmpty {
            let last = try withUnsafeBytes(of: UInt64.max.bigEndian) { try txn.last(t, before: $0) }
            let next = (last.flatMap { decodeU64($0.key) } ?? 0) + 1
            try withKey(next) { k in try touched.withUnsafeBytes { try txn.put(t, key: k, value: $0) } }
        }
    }
}

/// Stores records as the rules left them (canonical JSON; `.absent` deletes the key), with one
/// encoding buffer for a whole batch of tens of thousands of records: a buffer per record, and
/// its free, measured more instructions on the commit thread than the JSON records took.
/// `packed`: the typed records in the rules checkpoint's compact form (`PackedRecord`).
struct RecordWriter {
    private var bytes: [UInt8] = []
    private var encoder: CanonicalRecord

    init(packed: Bool = false) {
        encoder = CanonicalRecord(capacity: 1024, packed: packed, cachingNames: true)
        bytes.reserveCapacity(1024)
    }

    /// `append`: the key is after every key of `db` (MDB_APPEND: no search, and full pages).
    mutating func write(_ key: String, _ content: StateOverlay.Content, to db: LMDBDatabase, in txn: LMDBTransaction, append: Bool = false) throws {
        var key = key
        try key.withUTF8 { k in
            let k = UnsafeRawBufferPointer(k)
            switch content {
            case .value(let v):
                bytes.removeAll(keepingCapacity: true)
                CanonicalJSON.write(v, into: &bytes)
                try bytes.withUnsafeBytes { try txn.put(db, key: k, value: $0, append: append) }
            case .canonical(let record):
                try record.withUnsafeBytes { r in
                    // A record loaded packed from the rules checkpoint goes anywhere else as its JSON.
                    guard PackedRecord.isPacked(r), !encoder.packed else { return try txn.put(db, key: k, value: r, append: append) }
                    try RuleCheckpoints.canonical(r, key: String(decoding: k, as: UTF8.self)).withUnsafeBytes { try txn.put(db, key: k, value: $0, append: append) }
                }
            case .typed(let typed):
                encoder.reset()
                typed.encode(into: &encoder)
                try encoder.finishInPlace { try txn.put(db, key: k, value: $0, append: append) }
            case .absent:
                try txn.delete(db, key: k)
            }
        }
    }
}
