import Foundation
import LedgerCore

/// Keys of the state environment's `state_meta` database.
public enum StateMetaKey: String, CaseIterable, Sendable {
    /// How many log entries the state reflects (u64 BE): the state is the reducer's after
    /// entries `0 ..< size`.
    case size
    /// The machine's boot id when the state was last written: within the same boot the page
    /// cache holds every state commit, whether or not it reached the disk.
    case boot
    /// `LogStore.format` when the state was last written: a state another format wrote is
    /// rebuilt from the log, whose format is the same.
    case format
    /// Only in an auditor's kept replay (`verify --audit-state`): where it stands, as canonical
    /// JSON (SPEC.md section 9.1), written with the state it describes.
    case audit
}

extension LogStore {
    /// This machine's boot id (Linux: `/proc/sys/kernel/random/boot_id`), nil where there is none.
    public static let bootID: [UInt8]? = {
        guard let text = try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8) else { return nil }
        let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return id.isEmpty ? nil : Array(id.utf8)
    }()

    /// A write transaction of the state (no fsync). Records the boot it happened in.
    public func writeState<R>(_ body: (StateWriter) throws -> R) throws -> R {
        let result = try stateEnv.write { txn -> R in
            let w = StateWriter(store: self, txn: txn)
            let r = try body(w)
            try w.putMeta(.boot, Self.bootID ?? [])
            try w.putMeta(.format, Array(Self.format.utf8))
            return r
        }
        wroteState = true
        return result
    }

    /// Whether the stored state can be used as it is: written in this boot (the page cache has
    /// all of it), or flushed to disk since its last change (`meta/state_synced`). Otherwise a
    /// power loss may have left some of its pages and not others, and it must be rebuilt.
    public func stateIsTrusted(_ r: StoreReader) throws -> Bool {
        let size = try r.stateSize()
        if size == 0, try r.stateTxn.count(state) == 0 { return true }
        guard try r.stateMeta(.format) == Array(Self.format.utf8) else { return false }
        if let boot = Self.bootID, try r.stateMeta(.boot) == boot { return true }
        return try r.metaU64(.stateSynced) == size
    }

    /// Flushes the state environment to disk and records, in the log's durable meta, the state
    /// size it holds, so the next boot trusts it without a rebuild. Any later log commit removes
    /// the record before the state changes again. Does nothing when the log or the state moved
    /// on during the flush, or when the store is read-only.
    public func syncState() throws {
        guard !env.options.readOnly else { return }
        let (size, epoch, current) = try read { r in
            let size = try r.stateSize()
            return (size, try r.metaU64(.stateEpoch) ?? 0, try r.metaU64(.stateSynced) == size)
        }
        // Still recorded: no state was written since (every state change follows a log commit
        // that removes the record), so there is nothing to flush and no commit to make.
        if current { return }
        try stateEnv.sync()
        try write { w in
            guard try w.reader.metaU64(.size) == size, try w.reader.metaU64(.stateEpoch) ?? 0 == epoch else { return }
            // Read again now that the log's writer lock is held: no state commit can follow
            // unless a log commit (removing this record) precedes it.
            guard try stateEnv.read({ try StoreStateReader(store: self, txn: $0).size() }) == size else { return }
            try w.putMeta(.stateSynced, u64: size)
        }
    }
}

extension StoreReader {
    /// How many log entries the state reflects (0 for an empty state).
    public func stateSize() throws -> UInt64 {
        try StoreStateReader(store: store, txn: stateTxn).size()
    }

    public func stateMeta(_ key: StateMetaKey) throws -> [UInt8]? {
        try StoreStateReader(store: store, txn: stateTxn).meta(key)
    }
}

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
        try Array(key.rawValue.utf8).withUnsafeBytes { k in try value.withUnsafeBytes { try txn.put(store.stateMeta, key: k, value: $0) } }
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

    /// Writes an overlay's changes (canonical JSON; deletions remove the key), and lists the
    /// keys in one new `touched` record when the store has that database.
    public func apply(_ overlay: StateOverlay) throws {
        // One encoding buffer for the whole batch (tens of thousands of records).
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1024)
        var touched: [UInt8] = []
        try overlay.forEachWriteInOrder { key, content in
            var key = key
            try key.withUTF8 { k in
                if store.touched != nil {
                    touched.append(UInt8(k.count >> 8))
                    touched.append(UInt8(k.count & 0xFF))
                    touched.append(contentsOf: k)
                }
                switch content {
                case .value(let v):
                    bytes.removeAll(keepingCapacity: true)
                    CanonicalJSON.write(v, into: &bytes)
                    try bytes.withUnsafeBytes { try txn.put(store.state, key: UnsafeRawBufferPointer(k), value: $0) }
                case .canonical(let record):
                    try record.withUnsafeBytes { try txn.put(store.state, key: UnsafeRawBufferPointer(k), value: $0) }
                case .absent:
                    try txn.delete(store.state, key: UnsafeRawBufferPointer(k))
                }
            }
        }
        if let t = store.touched, !touched.isEmpty {
            let last = try withUnsafeBytes(of: UInt64.max.bigEndian) { try txn.last(t, before: $0) }
            let next = (last.flatMap { decodeU64($0.key) } ?? 0) + 1
            try withKey(next) { k in try touched.withUnsafeBytes { try txn.put(t, key: k, value: $0) } }
        }
    }
}

/// The `state` database seen through one transaction, as the reducer's `StateReader`.
public final class StoreStateReader: StateReader {
    let store: LogStore
    let txn: LMDBTransaction

    public init(store: LogStore, txn: LMDBTransaction) {
        self.store = store
        self.txn = txn
    }

    /// The state of `reader`'s snapshot.
    public convenience init(_ reader: StoreReader) { self.init(store: reader.store, txn: reader.stateTxn) }

    func meta(_ key: StateMetaKey) throws -> [UInt8]? {
        try txn.value(named: key.rawValue, in: store.stateMeta)
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
            guard let raw = try txn.get(store.state, key: k) else { return nil }
            return try JSONParser.parse(raw)
        }
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
        let prefix = Array((parent + "/").utf8)
        var out: [(String, JSONValue)] = []
        try prefix.withUnsafeBytes { start in
            try txn.scan(store.state, from: start) { k, v in
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
        try Self.withBytes(of: before) { b in
            guard let (k, v) = try txn.last(store.state, before: b), Self.isChild(k, of: parent) else { return nil }
            return (String(decoding: k, as: UTF8.self), try JSONParser.parse(v))
        }
    }
}
