import Foundation
import LedgerCore

/// Writes within one write transaction; sees its own writes.
public struct StoreWriter {
    public let reader: StoreReader
    var txn: LMDBTransaction { reader.txn }
    var store: LogStore { reader.store }

    public func appendEntry(seq: UInt64, bytes: [UInt8]) throws {
        try withKey(seq) { k in try bytes.withUnsafeBytes { try txn.put(store.entries, key: k, value: $0, append: true) } }
    }

    public func appendNode(_ id: MerkleNodeID, _ hash: Digest) throws {
        try withKey(id.storageIndex) { k in try hash.withUnsafeBytes { try txn.put(store.nodes, key: k, value: $0, append: true) } }
    }

    public func putSubmission(root: Digest, firstSeq: UInt64) throws {
        try root.withUnsafeBytes { k in try withKey(firstSeq) { try txn.put(store.submissions, key: k, value: $0) } }
    }

    public func putCheckpoint(size: UInt64, note: String) throws {
        try withKey(size) { k in try Array(note.utf8).withUnsafeBytes { try txn.put(store.checkpoints, key: k, value: $0) } }
    }

    public func putMeta(_ key: MetaKey, _ value: [UInt8]) throws {
        try txn.put(value, named: key.rawValue, in: store.meta)
    }

    public func putMeta(_ key: MetaKey, u64 v: UInt64) throws {
        try putMeta(key, withUnsafeBytes(of: v.bigEndian) { Array($0) })
    }
}

extension StoreWriter {
    /// Records a refused submission for statistics.
    public func putRejection(time: Timestamp, root: Digest, record: JSONValue) throws {
        var key = withUnsafeBytes(of: UInt64(bitPattern: time.millisecondsSinceEpoch).bigEndian) { Array($0) }
        key += root.bytes
        try key.withUnsafeBytes { k in try CanonicalJSON.encode(record).withUnsafeBytes { try txn.put(store.rejections, key: k, value: $0) } }
    }
}
