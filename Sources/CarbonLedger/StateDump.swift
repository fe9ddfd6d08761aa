import Foundation
import Synchronization
import LedgerCore
import LedgerStore

/// Records of a state database from key `from` on, copied out of a transaction: at most
/// `limit`, and none after `through`.
struct StateDump {
    struct Record {
        let key: [UInt8]
        let value: [UInt8]
        var keyText: String { String(decoding: key, as: UTF8.self) }
        var valueText: String { String(decoding: value.prefix(300), as: UTF8.self) }
    }
    var records: [Record] = []
    /// True if the database has no records after these.
    var done = true

    /// At most `limit` records from `from` on (through `through`), those `skipping` names left
    /// out. `canonicalizing`: the rules checkpoint's packed records as their canonical JSON (one
    /// that is not well formed is copied as it is, and so differs from any JSON).
    init(_ txn: LMDBTransaction, _ db: LMDBDatabase, from: [UInt8]?, limit: Int, through: [UInt8]? = nil,
         skipping: ((UnsafeRawBufferPointer) -> Bool)? = nil, canonicalizing: Bool = false) throws {
        var out: [Record] = []
        var more = false
        func visit(_ start: UnsafeRawBufferPointer?) throws {
            try txn.scan(db, from: start) { k, v in
                if let t = through, t.lexicographicallyPrecedes(k) { return false }
                if let skipping, skipping(k) { return true }
                if out.count == limit { more = true; return false }
                out.append(Record(key: Array(k), value: canonicalizing ? PackedRecord.json(stored: v) : Array(v)))
                return true
            }
        }
        if let f = from { try f.withUnsafeBytes { try visit($0) } } else { try visit(nil) }
        records = out
        done = !more
    }
}
