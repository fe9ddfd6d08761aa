import Foundation
import LedgerCore

/// The ledger's LMDB layout (SPEC.md section "Storage"): the log's environment in the ledger
/// directory, and the state's (the projections) in its `state/` subdirectory.
///
/// Only the log is durable at each commit. The state is written after the log, without fsync,
/// so the page cache absorbs the rewrites of its B-tree pages (most of the bytes a commit wrote
/// when both were fsynced); it is derived from the log, and whatever a crash costs it is
/// replayed from the log (`StateSync`, SPEC.md section 10).
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
    /// Submissions the sequencer refused (operational record for statistics; not part of the
    /// verified log): time (ms, u64 BE) + submission root -> canonical JSON.
    public let rejections: LMDBDatabase
    /// The log environment's unnamed database: the names of its named databases.
    public let databases: LMDBDatabase
    /// Every named database this ledger writes in the log's environment.
    public static let databaseNames = ["checkpoints", "entries", "meta", "nodes", "rejections", "submissions"]

    /// The state's environment (`DIR/state`), opened without fsync.
    public let stateEnv: LMDBEnvironment
    /// Derived state (projections): ASCII path -> canonical JSON, as the reducer left it after
    /// the first `StateMetaKey.size` entries of the log.
    public let state: LMDBDatabase
    /// name (ASCII) -> value; see `StateMetaKey`.
    public let stateMeta: LMDBDatabase
    /// Only in an auditor's kept replay: the state keys written since its projections were last
    /// compared with a ledger's, so that a later run compares those alone. One record per
    /// commit (u64 BE counter -> each written key as a u16 BE length and its bytes), which
    /// measured faster than one B-tree record per key (Benchmarks/RESULTS.md).
    public let touched: LMDBDatabase?

    /// The format tag stored under `meta/format` and `state_meta/format`. Version 2 keyed the
    /// duplicate index by the platform's escaped source reference instead of its SHA-256;
    /// version 3 moved the state into its own environment, written without fsync; version 4
    /// keys intervals and daily caps by day first, and account history by million entries
    /// first (SPEC.md section 10).
    public static let format = "carbonledger-lmdb/4"
    /// The format tag stored under `state_meta/format`: the log's, and the version of what the
    /// state environment keeps (3: the read models, `lb/` among them, and the rules' records the
    /// queries read, not those only the rules read, which are the rules checkpoint's; 2 kept the
    /// behaviours' records and had no `lb/`). A state of another is rebuilt by a writer
    /// (`stateIsTrusted`) and refused by readers until then.
    public static let stateFormat = format + " state/3"
    /// Formats whose log is this format's: a writer takes them over, and the state, whose
    /// `state_meta/format` then differs, is rebuilt from the log (`stateIsTrusted`).
    public static let upgradableFormats: Set<String> = ["carbonledger-lmdb/3"]
    /// The state environment's subdirectory of the ledger directory.
    public static let stateDirectory = "state"
    /// The earlier format (`upgradableFormats`) this writer's open took the directory over from.
    public let tookOverFormat: String?
    /// True when a read-only store has no state directory and stands in an empty one (see
    /// `init`): the log reads and verifies, the projections are absent.
    public let stateAbsent: Bool
    /// The temporary directory of that stand-in, removed with the store.
    private let standInDirectory: String?

    /// Throws `unsupportedFormat` unless the store is empty, in this build's format, or opened
    /// by a writer in one of `upgradableFormats`: the state of another format would fail
    /// verification in ways that name no cause. Run by `init`, before anything else in the
    /// directory changes. A writer takes an upgradable directory over by recording this format
    /// (one log commit); its state is rebuilt before it is next read for a batch. Returns the
    /// format taken over, if any.
    private static func requireFormat(env: LMDBEnvironment, meta: LMDBDatabase) throws -> String? {
        let found = try env.read { txn -> String? in
            guard let found = try txn.value(named: MetaKey.format.rawValue, in: meta).map({ String(decoding: $0, as: UTF8.self) }),
                  let size = try txn.value(named: MetaKey.size.rawValue, in: meta), size != [UInt8](repeating: 0, count: 8) else { return nil }
            return found
        }
        guard let found, found != Self.format else { return nil }
        guard upgradableFormats.contains(found), !env.options.readOnly else {
            throw StoreError.unsupportedFormat(found: found, supported: Self.format)
        }
        try env.write { txn in
            try txn.put(Array(Self.format.utf8), named: MetaKey.format.rawValue, in: meta)
        }
        return found
    }

    /// Refuses a read-only open of a state that another format wrote: its keys would answer
    /// queries wrongly. Writers rebuild such a state instead (`stateIsTrusted`).
    private func requireStateFormat() throws {
        guard env.options.readOnly, !stateAbsent else { return }
        try stateEnv.read { txn in
            let found = try txn.value(named: StateMetaKey.format.rawValue, in: stateMeta).map { String(decoding: $0, as: UTF8.self) }
            if found == Self.stateFormat { return }
            if found == nil, try txn.count(state) == 0 { return }
            throw StoreError.staleState(found: found)
        }
    }

    /// Opens the ledger directory `path`. A read-only store whose state directory is missing
    /// (a copy of the log alone, e.g. by `mdb_copy`) is refused unless `allowingAbsentState`,
    /// which stands in an empty state so the log can still be verified. `auditState` opens an
    /// auditor's kept replay (`verify --audit-state`): its state is fsynced at every commit (it
    /// has no log to be rebuilt from), and it has the `touched` database.
    public init(path: String, options: LMDBOptions = LMDBOptions(), allowingAbsentState: Bool = false, auditState: Bool = false) throws {
        env = try LMDBEnvironment(path: path, options: options)
        entries = try env.openDatabase("entries")
        nodes = try env.openDatabase("nodes")
        submissions = try env.openDatabase("submissions")
        checkpoints = try env.openDatabase("checkpoints")
        meta = try env.openDatabase("meta")
        rejections = try env.openDatabase("rejections")
        databases = try env.openMainDatabase()
        // Before the state directory is made: a directory of another format is left unchanged.
        tookOverFormat = try Self.requireFormat(env: env, meta: meta)
        var statePath = path + "/" + Self.stateDirectory
        var stateOptions = options
        stateOptions.noSync = options.noSync || !auditState
        if !options.readOnly {
            do {
                try FileManager.default.createDirectory(atPath: statePath, withIntermediateDirectories: true)
            } catch {
                throw StoreError.missing("the state directory \(statePath) cannot be created: \(error.localizedDescription)")
            }
            (stateAbsent, standInDirectory) = (false, nil)
        } else if FileManager.default.fileExists(atPath: statePath) {
            (stateAbsent, standInDirectory) = (false, nil)
        } else if allowingAbsentState {
            let standIn = NSTemporaryDirectory() + "carbonledger-no-state-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: standIn, withIntermediateDirectories: true)
            (statePath, stateAbsent, standInDirectory) = (standIn, true, standIn)
            stateOptions.readOnly = false
        } else {
            throw StoreError.missing("the state directory \(statePath) (open the ledger once for writing to rebuild it from the log)")
        }
        stateEnv = try LMDBEnvironment(path: statePath, options: stateOptions)
        state = try stateEnv.openDatabase("state")
        stateMeta = try stateEnv.openDatabase("state_meta")
        touched = auditState ? try stateEnv.openDatabase("touched") : nil
        try requireStateFormat()
    }

    deinit {
        // A process that wrote state leaves it marked as on disk, so the next boot needs no
        // rebuild. Not for a store opened without fsync (a verifier's scratch store, a ledger
        // run with --no-sync): flushing gigabytes nobody asked to keep would cost more.
        if wroteState && !env.options.noSync { try? syncState() }
        if let standIn = standInDirectory { try? FileManager.default.removeItem(atPath: standIn) }
    }

    /// The rules checkpoint (`DIR/rules`, `RuleCheckpoints`), opened by the first writer that
    /// asks for it: every writer of this store shares it, as LMDB opens an environment once per
    /// process.
    public func ruleCheckpoints() throws -> RuleCheckpoints {
        try rulesCheckpointLock.withLock {
            if let c = rulesCheckpoint { return c }
            let c = try RuleCheckpoints(ledgerPath: env.path)
            rulesCheckpoint = c
            return c
        }
    }
    private var rulesCheckpoint: RuleCheckpoints?
    private let rulesCheckpointLock = NSLock()

    /// The rules checkpoint if the directory has one (nil, and nothing made, if not), opened
    /// read-only by a read-only store: what `verify` compares with its replay.
    public func ruleCheckpointsIfPresent() throws -> RuleCheckpoints? {
        try rulesCheckpointLock.withLock {
            if let c = rulesCheckpoint { return c }
            let path = env.path + "/" + RuleCheckpoints.directory
            guard FileManager.default.fileExists(atPath: path + "/data.mdb") else { return nil }
            let c = try RuleCheckpoints(ledgerPath: env.path, readOnly: env.options.readOnly)
            rulesCheckpoint = c
            return c
        }
    }

    /// Set after this process's first state commit (see `syncState`).
    var wroteState: Bool {
        get { wroteStateLock.withLock { wroteStateValue } }
        set { wroteStateLock.withLock { wroteStateValue = newValue } }
    }
    private var wroteStateValue = false
    private let wroteStateLock = NSLock()

    /// A consistent view of the log and of the state. The state's snapshot is taken first:
    /// writers commit the log before the state, so the state seen is never ahead of the log seen.
    public func read<R>(_ body: (StoreReader) throws -> R) throws -> R {
        try stateEnv.read { s in try env.read { try body(StoreReader(store: self, txn: $0, stateTxn: s)) } }
    }

    /// A write transaction of the log; like `LMDBEnvironment.write`, `body` may run more than
    /// once (after the map grows), so it must keep no effects outside the transaction until this
    /// returns. Every log commit first removes `meta/state_synced`: the state is about to change.
    public func write<R>(_ body: (StoreWriter) throws -> R) throws -> R {
        try stateEnv.read { s in
            try env.write { txn in
                try Array(MetaKey.stateSynced.rawValue.utf8).withUnsafeBytes { _ = try txn.delete(meta, key: $0) }
                return try body(StoreWriter(reader: StoreReader(store: self, txn: txn, stateTxn: s)))
            }
        }
    }
}

extension LMDBTransaction {
    /// The value under an ASCII name (the keys of `meta` and `state_meta`), copied out of the map.
    func value(named key: String, in db: LMDBDatabase) throws -> [UInt8]? {
        try Array(key.utf8).withUnsafeBytes { try get(db, key: $0).map { Array($0) } }
    }

    /// Puts `value` under an ASCII name.
    func put(_ value: [UInt8], named key: String, in db: LMDBDatabase) throws {
        try Array(key.utf8).withUnsafeBytes { k in try value.withUnsafeBytes { try put(db, key: k, value: $0) } }
    }
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
