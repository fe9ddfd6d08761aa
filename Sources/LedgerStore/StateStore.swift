import Foundation
import LedgerCore

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
            try w.putMeta(.format, Array(Self.stateFormat.utf8))
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
        guard try r.stateMeta(.format) == Array(Self.stateFormat.utf8) else { return false }
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
