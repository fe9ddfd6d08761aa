import LedgerCore

/// Errors from the ledger's store that are not plain LMDB failures.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    case missing(String)
    case corrupt(String)
    case notALedger(String)
    /// The directory was written in another layout (`meta/format`) than this build's.
    case unsupportedFormat(found: String, supported: String)

    public var description: String {
        switch self {
        case .missing(let what): return "missing from the store: \(what)"
        case .corrupt(let what): return "store is corrupt: \(what)"
        case .notALedger(let dir): return "\(dir) is not a CarbonLedger directory (run `cledger init` first)"
        case .unsupportedFormat(let found, let supported):
            return "the ledger directory is in format \(found); this cledger reads \(supported) only (SPEC.md section 10). "
                + "The log itself is the same in both: `cledger mirror` pointed at a server running the cledger that wrote it "
                + "builds a verified copy in the current format"
        }
    }
}

/// The ledger's LMDB layout (SPEC.md section "Storage"): one environment per ledger directory
/// with these databases.
public final class LogStore: @unchecked Sendable {
    public let env: LMDBEnvironment
    /// seq (u64 big-endian) -> canonical entry bytes.
    public let entries: LMDBDatabase
    /// Merkle node storage index (u64 big-endian) -> 32-byte hash.
    public let nodes: LMDBDatabase
    /// submission root (32 bytes) -> first seq (u64 big-endian).
    public let submissions: LMDBDatabase
    /// tree size (u64 big-endian) -> signed checkpoint note.
    public let checkpoints: LMDBDatabase
    /// name (ASCII) -> value; see `MetaKey`.
    public let meta: LMDBDatabase
    /// Derived state (projections): ASCII path -> canonical JSON, as the reducer left it.
    public let state: LMDBDatabase
    /// Submissions the sequencer refused (operational record for statistics; not part of the
    /// verified log): time (ms, u64 BE) + submission root -> canonical JSON.
    public let rejections: LMDBDatabase

    /// The format tag stored under `meta/format`. Version 2 keys the duplicate index by the
    /// platform's escaped source reference instead of its SHA-256 (SPEC.md 8.7, section 10).
    public static let format = "carbonledger-lmdb/2"

    /// Throws `unsupportedFormat` unless the store is empty or in this build's format: the
    /// state of another format would fail verification in ways that name no cause.
    public func requireFormat() throws {
        try read { r in
            guard let found = try r.metaString(.format), try r.metaU64(.size) ?? 0 > 0 else { return }
            guard found == Self.format else { throw StoreError.unsupportedFormat(found: found, supported: Self.format) }
        }
    }

    public init(path: String, options: LMDBOptions = LMDBOptions()) throws {
        env = try LMDBEnvironment(path: path, options: options)
        entries = try env.openDatabase("entries")
        nodes = try env.openDatabase("nodes")
        submissions = try env.openDatabase("submissions")
        checkpoints = try env.openDatabase("checkpoints")
        meta = try env.openDatabase("meta")
        state = try env.openDatabase("state")
        rejections = try env.openDatabase("rejections")
    }

    public func read<R>(_ body: (StoreReader) throws -> R) throws -> R {
        try env.read { try body(StoreReader(store: self, txn: $0)) }
    }

    /// A write transaction; like `LMDBEnvironment.write`, `body` may run more than once (after
    /// the map grows), so it must keep no effects outside the transaction until this returns.
    public func write<R>(_ body: (StoreWriter) throws -> R) throws -> R {
        try env.write { try body(StoreWriter(reader: StoreReader(store: self, txn: $0))) }
    }
}

/// Keys of the `meta` database.
public enum MetaKey: String, CaseIterable, Sendable {
    case format, origin, size, head, lastTime = "last_time", checkpoint
}

/// Big-endian u64 keys: LMDB's byte order then equals numeric order.
@inlinable
func withKey<R>(_ v: UInt64, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try withUnsafeBytes(of: v.bigEndian) { try body($0) }
}

func decodeU64(_ b: UnsafeRawBufferPointer) -> UInt64? {
    guard b.count == 8 else { return nil }
    return b.reduce(0) { $0 << 8 | UInt64($1) }
}

/// Reads within one transaction (a consistent snapshot).
public struct StoreReader: MerkleNodeReader {
    public let store: LogStore
    public let txn: LMDBTransaction

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
        try Array(key.rawValue.utf8).withUnsafeBytes { k in try txn.get(store.meta, key: k).map { Array($0) } }
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
        try Array(key.rawValue.utf8).withUnsafeBytes { k in try value.withUnsafeBytes { try txn.put(store.meta, key: k, value: $0) } }
    }

    public func putMeta(_ key: MetaKey, u64 v: UInt64) throws {
        try putMeta(key, withUnsafeBytes(of: v.bigEndian) { Array($0) })
    }
}

/// The `state` database seen through one transaction, as the reducer's `StateReader`.
public final class StoreStateReader: StateReader {
    let reader: StoreReader
    public init(_ reader: StoreReader) { self.reader = reader }

    // State records are written only by the canonical encoder, and `verify` compares their
    // stored bytes with a replay's, so the reducer's reads parse them without re-encoding to
    // re-check canonical form (that re-encoding was a tenth of each read in profiles).
    public func get(_ key: String) throws -> JSONValue? {
        try Array(key.utf8).withUnsafeBytes { k in
            guard let raw = try reader.txn.get(reader.store.state, key: k) else { return nil }
            return try JSONParser.parse(raw)
        }
    }

    public func children(of parent: String) throws -> [(key: String, value: JSONValue)] {
        let prefix = Array((parent + "/").utf8)
        var out: [(String, JSONValue)] = []
        try prefix.withUnsafeBytes { start in
            try reader.txn.scan(reader.store.state, from: start) { k, v in
                guard k.starts(with: prefix) else { return false }
                if !k[prefix.count...].contains(UInt8(ascii: "/")) {
                    out.append((String(decoding: k, as: UTF8.self), try JSONParser.parse(v)))
                }
                return true
            }
        }
        return out
    }

    public func predecessor(parent: String, before: String) throws -> (key: String, value: JSONValue)? {
        let prefix = Array((parent + "/").utf8)
        return try Array(before.utf8).withUnsafeBytes { b in
            guard let (k, v) = try reader.txn.last(reader.store.state, before: b) else { return nil }
            guard k.count > prefix.count, k.starts(with: prefix), !k[prefix.count...].contains(UInt8(ascii: "/")) else { return nil }
            return (String(decoding: k, as: UTF8.self), try JSONParser.parse(v))
        }
    }
}

extension StoreWriter {
    /// Writes an overlay's changes (canonical JSON; deletions remove the key).
    public func apply(_ overlay: StateOverlay) throws {
        // One encoding buffer for the whole batch (tens of thousands of records).
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1024)
        try overlay.forEachWriteInOrder { key, value in
            var key = key
            try key.withUTF8 { k in
                if let v = value {
                    bytes.removeAll(keepingCapacity: true)
                    CanonicalJSON.write(v, into: &bytes)
                    try bytes.withUnsafeBytes { try txn.put(store.state, key: UnsafeRawBufferPointer(k), value: $0) }
                } else {
                    try txn.delete(store.state, key: UnsafeRawBufferPointer(k))
                }
            }
        }
    }

    /// Records a refused submission for statistics.
    public func putRejection(time: Timestamp, root: Digest, record: JSONValue) throws {
        var key = withUnsafeBytes(of: UInt64(bitPattern: time.millisecondsSinceEpoch).bigEndian) { Array($0) }
        key += root.bytes
        try key.withUnsafeBytes { k in try CanonicalJSON.encode(record).withUnsafeBytes { try txn.put(store.rejections, key: k, value: $0) } }
    }
}
