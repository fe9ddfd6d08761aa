import Foundation
import LedgerCore

/// Reads within one transaction (a consistent snapshot).
public struct StoreReader: MerkleNodeReader {
    public let store: LogStore
    /// The log's transaction.
    public let txn: LMDBTransaction
    /// The state's transaction (a read snapshot, taken before `txn`).
    public let stateTxn: LMDBTransaction

    /// Canonical bytes of entry `seq`, copied out of the map.
    public func entryBytes(_ seq: UInt64) throws -> [UInt8]? {
        try withKey(seq) { k in try txn.get(store.entries, key: k).map { Array($0) } }
    }

    public func node(_ id: MerkleNodeID) throws -> Digest {
        let raw = try withKey(id.storageIndex) { k in try txn.get(store.nodes, key: k) }
        guard let raw else { throw StoreError.missing("\(id)") }
        guard raw.count == 32 else { throw StoreError.corrupt("\(id) holds \(raw.count) bytes, not 32") }
        return Digest(raw: raw.baseAddress!)
    }

    public func firstSeq(ofSubmission root: Digest) throws -> UInt64? {
        let raw = try root.withUnsafeBytes { try txn.get(store.submissions, key: $0) }
        guard let raw else { return nil }
        guard let v = decodeU64(raw) else { throw StoreError.corrupt("submission index value for \(root.hex) is not 8 bytes") }
        return v
    }

    public func checkpoint(size: UInt64) throws -> String? {
        try withKey(size) { k in try txn.get(store.checkpoints, key: k).map { String(decoding: $0, as: UTF8.self) } }
    }

    /// Signed tree sizes nearest to `size` (for error messages).
    public func checkpointSizes(near size: UInt64, limit: Int = 3) throws -> [UInt64] {
        var out: [UInt64] = []
        try withKey(size) { k in
            try txn.scan(store.checkpoints, from: k) { key, _ in
                if let s = decodeU64(key) { out.append(s) }
                return out.count < limit
            }
        }
        return out
    }

    public func meta(_ key: MetaKey) throws -> [UInt8]? {
        try txn.value(named: key.rawValue, in: store.meta)
    }

    public func metaString(_ key: MetaKey) throws -> String? {
        try meta(key).map { String(decoding: $0, as: UTF8.self) }
    }

    public func metaU64(_ key: MetaKey) throws -> UInt64? {
        guard let b = try meta(key) else { return nil }
        guard let v = b.withUnsafeBytes(decodeU64) else { throw StoreError.corrupt("meta/\(key.rawValue) is not 8 bytes") }
        return v
    }

    public func metaDigest(_ key: MetaKey) throws -> Digest? {
        guard let b = try meta(key) else { return nil }
        guard let d = Digest(bytes: b) else { throw StoreError.corrupt("meta/\(key.rawValue) is not 32 bytes") }
        return d
    }
}
