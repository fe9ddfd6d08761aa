import Foundation
import LedgerCore

/// The rules' state as of one point of the log, in its own LMDB environment (`DIR/rules`): every
/// record the rules keep (the state in memory's, the cold ones and the days aged out of it), not
/// the read models. A writer that starts loads the records it holds in memory from here and
/// replays only the log after it, reading the cold records from here too: the state
/// environment, where the same records sit among the read models, was a restart of tens of
/// seconds of paging at 20 million entries (Benchmarks/RESULTS.md).
///
/// It moves forward in steps, one write transaction each, fsynced (`advance`): the writes of
/// the batches from where it stands to a later submission boundary, so it always holds the
/// state after exactly `size` entries, whose last one's leaf hash is `head`: a checkpoint that
/// is not the log's (another log, a history rewritten since, a log restored from an older
/// backup) is recognised and not loaded. A crash in a step leaves the step before.
public final class RuleCheckpoints: @unchecked Sendable {
    /// The subdirectory of the ledger directory.
    public static let directory = "rules"
    /// What `format` holds: this layout, and the log format whose rules' keys it holds (a log of
    /// another format keys them differently: its checkpoint is rebuilt). Layout 2 stores the
    /// typed records packed (`PackedRecord`); 1 stored canonical JSON only. Layout 3 adds the
    /// key filter's hashes (`FilterHashes`); layout 4 holds the rule records of
    /// `StateRecords.layout` 2 (a behaviour's record without the keys its fields determine),
    /// layout 5 those of layout 3 (no interval or daily cap records), layout 6 those of layout
    /// 4 (no act records, nor their hashes in the key filter's); layout 7 keeps the behaviours'
    /// records in a database of their own (`behaviours`); a writer moves a checkpoint of layout
    /// 6 into it in place (`upgradeInPlace`).
    public static let format = "carbonledger-rules/7 " + LogStore.format

    public let env: LMDBEnvironment
    /// State key (ASCII) -> the record: a typed one packed (`PackedRecord`), any other as
    /// canonical JSON. Readers get canonical JSON (`StoreStateReader`, `forEachRecord`).
    let records: LMDBDatabase
    /// The behaviours' records (`beh/SEQ16`, the same keys and values `records` would hold):
    /// one per report, each a key after every other, so a step appends them (MDB_APPEND) to
    /// full pages, where among the other keys each page split left two half-full ones and the
    /// file twice its records (Benchmarks/RESULTS.md). Nil only when opened read-only in a
    /// checkpoint of an earlier layout (which `position` does not read either).
    let behaviours: LMDBDatabase?
    /// `format`, `size` (u64 BE), `head` (32 bytes) and the filter's seed (`FilterHashes`).
    let meta: LMDBDatabase
    /// The hashes of the filtered keys, a record per step (`FilterHashes`); nil only when opened
    /// read-only, in a checkpoint of an earlier layout (which `position` does not read either).
    let filterHashes: LMDBDatabase?

    /// Where a checkpoint stands: the state after the log's first `size` entries, the last of
    /// which has leaf hash `head`.
    public struct Position: Equatable, Sendable {
        public var size: UInt64
        public var head: Digest

        public init(size: UInt64, head: Digest) {
            self.size = size
            self.head = head
        }
    }

    /// Opens (or creates) the checkpoint of the ledger directory `ledgerPath`; a writer's
    /// `LogStore.ruleCheckpoints()` does, once per process. `readOnly`: opens an existing one
    /// for reading (`verify`).
    /// `upgradeChunk`: how many records a transaction of `upgradeInPlace` moves at most (tests
    /// make it small, to move a checkpoint in several).
    init(ledgerPath: String, readOnly: Bool = false, upgradeChunk: Int = 65_536) throws {
        let path = ledgerPath + "/" + Self.directory
        var options = LMDBOptions()
        options.readOnly = readOnly
        // Its pages lie scattered (every step rewrites leaves all over its B-tree) and a start
        // reads some of every part of it: with readahead, a start after a kill read 8.5 GB of a
        // 20 GB checkpoint (8 MB around each page fault) to load 0.4 GB of records.
        options.noReadahead = true
        if !readOnly {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw StoreError.missing("the rules checkpoint directory \(path) cannot be created: \(error.localizedDescription)")
            }
        }
        env = try LMDBEnvironment(path: path, options: options)
        records = try env.openDatabase("records")
        behaviours = readOnly ? try env.openDatabaseIfPresent(Self.behavioursDatabase) : try env.openDatabase(Self.behavioursDatabase)
        meta = try env.openDatabase("meta")
        // Read-only, a checkpoint of an earlier layout has none (and `position` reads it as none).
        filterHashes = try env.openDatabaseIfPresent(FilterHashes.database)
        if !readOnly { upgraded = try upgradeInPlace(chunk: upgradeChunk) }
    }

    /// The layout before this one, which a writer moves into this one in place (`upgradeInPlace`)
    /// rather than replaying the whole log to make it again.
    static let previousFormat = "carbonledger-rules/6 " + LogStore.format
    /// `format` while that move is under way: neither layout, so no reader takes it for one.
    static let upgradingFormat = "carbonledger-rules/7-upgrading " + LogStore.format
    /// The behaviours' records this process moved out of a checkpoint of the layout before.
    public private(set) var upgraded = 0

    /// Moves a checkpoint of the layout before (`carbonledger-rules/6`: the behaviours' records
    /// among the others) into this one: its `beh/` records into `behaviours`, in key order, at
    /// most `chunk` a transaction, the first of which marks the checkpoint as being moved and
    /// the last sets this format. At 20 million entries the replay that makes it again takes
    /// many minutes; this moves records. A move cut short goes on at the next writer's open
    /// (each transaction deletes from `records` what it appends to `behaviours`). Returns how
    /// many records it moved; 0 for a checkpoint of any other format.
    func upgradeInPlace(chunk: Int) throws -> Int {
        let previous = Array(Self.previousFormat.utf8), upgrading = Array(Self.upgradingFormat.utf8)
        // Only a whole one: without its key filter's hashes (every layout-6 checkpoint has them)
        // it could not step on, and is made again by a replay instead.
        guard let behaviours, filterHashes != nil else { return 0 }
        let movable = try env.read { txn -> Bool in
            guard try FilterHashes.seed(txn, meta: meta) != nil, let format = try txn.value(named: "format", in: meta) else { return false }
            return format == previous || format == upgrading
        }
        guard movable else { return 0 }
        let prefix = StoreStateReader.behaviourPrefix
        var moved = 0
        while true {
            // The closure may run again (a full map is grown and the transaction redone): it
            // returns what it moved rather than counting.
            let (done, count) = try env.write { txn -> (Bool, Int) in
                guard let format = try txn.value(named: "format", in: meta), format == previous || format == upgrading else { return (true, 0) }
                // Whatever the database holds before the move began (a layout-7 checkpoint's,
                // which an earlier build then made again in layout 6) is not this state's.
                if format == previous { try txn.clear(behaviours) }
                var batch: [(key: [UInt8], value: [UInt8])] = []
                try prefix.withUnsafeBytes { start in
                    try txn.scan(records, from: start) { k, v in
                        guard k.starts(with: prefix), batch.count < chunk else { return false }
                        batch.append((Array(k), Array(v)))
                        return true
                    }
                }
                var frontier = try AppendFrontier(txn, behaviours)
                for (k, v) in batch {
                    let append = frontier.takes(k)
                    try k.withUnsafeBytes { kb in
                        try v.withUnsafeBytes { try txn.put(behaviours, key: kb, value: $0, append: append) }
                        _ = try txn.delete(records, key: kb)
                    }
                }
                let finished = batch.count < chunk
                let next = finished ? Array(Self.format.utf8) : upgrading
                try txn.put(next, named: "format", in: meta)
                return (finished, batch.count)
            }
            moved += count
            if done { return moved }
        }
    }

    /// The name of the behaviours' database.
    public static let behavioursDatabase = "behaviours"

    /// The greatest key of a database in a write transaction, as puts move it: which of them
    /// may append (MDB_APPEND, which refuses a key that is not after every other).
    struct AppendFrontier {
        private var last: [UInt8]?

        init(_ txn: LMDBTransaction, _ db: LMDBDatabase) throws {
            last = try [UInt8(0xFF)].withUnsafeBytes { try txn.last(db, before: $0).map { Array($0.key) } }
        }

        /// Whether `key` goes after every key of the database; if so it is the last one now.
        mutating func takes<K: Collection<UInt8>>(_ key: K) -> Bool {
            guard last.map({ $0.lexicographicallyPrecedes(key) }) ?? true else { return false }
            last = Array(key)
            return true
        }
    }

    /// What is wrong with where `txn` keeps the records, or nil: a behaviour's record among the
    /// others, where no reader looks for it (they are in `behaviours`). For `verify`, in a
    /// transaction of `read(at:)`.
    public func layoutProblem(_ txn: LMDBTransaction) throws -> String? {
        var stray: String?
        try StoreStateReader.behaviourPrefix.withUnsafeBytes { start in
            try txn.scan(records, from: start) { k, _ in
                if StoreStateReader.isBehaviourKey(k) { stray = String(decoding: k, as: UTF8.self) }
                return false
            }
        }
        return stray.map { "holds \($0) among its records, where the behaviours' records are in their own database (\(Self.behavioursDatabase))" }
    }

    /// The checkpoint's records as the rules read them, through `txn`.
    func reader(_ txn: LMDBTransaction) -> StoreStateReader {
        StoreStateReader(txn: txn, records: records, meta: meta, filterHashes: filterHashes, behaviours: behaviours)
    }

    /// Runs `body` over one read transaction: where the checkpoint stands (nil when it holds
    /// none, or one of another format), and its records.
    public func read<R>(_ body: (Position?, StoreStateReader) throws -> R) throws -> R {
        try env.read { txn in try body(try Self.position(txn, meta), reader(txn)) }
    }

    /// Calls `body` with each record in key order, as the state environment would store it
    /// (canonical JSON; `stored`: as this checkpoint stores it); returns where the checkpoint
    /// stands. A record that is not well formed is an error naming it.
    @discardableResult
    public func forEachRecord(stored: Bool = false, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) throws -> Position? {
        try env.read { txn in
            func visit(_ k: UnsafeRawBufferPointer, _ v: UnsafeRawBufferPointer) throws -> Bool {
                if stored || !PackedRecord.isPacked(v) {
                    try body(k, v)
                } else {
                    try Self.canonical(v, key: String(decoding: k, as: UTF8.self)).withUnsafeBytes { try body(k, $0) }
                }
                return true
            }
            // The behaviours' records where their keys fall among the others'.
            var behavioursVisited = behaviours == nil
            func visitBehaviours() throws {
                guard !behavioursVisited, let behaviours else { return }
                behavioursVisited = true
                try txn.scan(behaviours, from: nil, visit)
            }
            try txn.scan(records, from: nil) { k, v in
                if !behavioursVisited, !k.lexicographicallyPrecedes(StoreStateReader.behaviourPrefix) { try visitBehaviours() }
                return try visit(k, v)
            }
            try visitBehaviours()
            return try Self.position(txn, meta)
        }
    }

    /// The canonical JSON of a packed record stored at `key`; a damaged one is an error that
    /// says how to rebuild the checkpoint.
    static func canonical(_ packed: UnsafeRawBufferPointer, key: @autoclosure () -> String) throws -> [UInt8] {
        guard let json = PackedRecord.canonical(packed) else { throw damaged(key()) }
        return json
    }

    /// The error of a packed record at `key` that does not read back.
    static func damaged(_ key: String) -> StoreError {
        .corrupt("the rules checkpoint's record \(key) is damaged (its packed bytes do not read back): \(remedy)")
    }

    /// What to do about a damaged or unreadable checkpoint, wherever it is found.
    public static let remedy = "remove the ledger directory's \(directory)/ subdirectory and the next writer replays the whole log to make it again"

    /// Where the checkpoint stands now.
    public func position() throws -> Position? {
        try env.read { txn in try Self.position(txn, meta) }
    }

    /// Runs `body` over the records database and the behaviours' (nil in a checkpoint of an
    /// earlier layout) in one read snapshot, if the checkpoint stands at `position` there; nil
    /// if it does not.
    public func read<R>(at position: Position, _ body: (LMDBTransaction, LMDBDatabase, LMDBDatabase?) throws -> R) throws -> R? {
        try env.read { txn in try Self.position(txn, meta) == position ? body(txn, records, behaviours) : nil }
    }

    /// What is wrong with the key filter's hashes in `txn` (`FilterHashes`), or nil: for `verify`,
    /// in a transaction of `read(at:)`.
    public func filterProblem(_ txn: LMDBTransaction) throws -> String? {
        guard let filterHashes else { return "has no database of its key filter's hashes (\(FilterHashes.database))" }
        return try FilterHashes.problem(reader(txn), database: filterHashes)
    }

    static func position(_ txn: LMDBTransaction, _ meta: LMDBDatabase) throws -> Position? {
        guard let format = try txn.value(named: "format", in: meta), format == Array(Self.format.utf8),
              let size = try txn.value(named: StateMetaKey.size.rawValue, in: meta)?.withUnsafeBytes(decodeU64),
              let head = try txn.value(named: "head", in: meta).flatMap(Digest.init(bytes:)) else { return nil }
        return Position(size: size, head: head)
    }

    private func setPosition(_ p: Position, _ txn: LMDBTransaction) throws {
        try txn.put(Array(Self.format.utf8), named: "format", in: meta)
        try txn.put(withUnsafeBytes(of: p.size.bigEndian) { Array($0) }, named: StateMetaKey.size.rawValue, in: meta)
        try txn.put(p.head.bytes, named: "head", in: meta)
    }

    /// Why a step was not taken.
    public enum Refusal: Error, Equatable, CustomStringConvertible {
        /// The checkpoint is not where the step starts: another writer moved it, or it was replaced.
        case notAt(expected: UInt64?, found: UInt64?)

        public var description: String {
            switch self {
            case .notAt(let e, let f):
                func state(_ size: UInt64?) -> String { size.map { "the state after \($0) entries" } ?? "no state" }
                return "the rules checkpoint holds \(state(f)), not \(state(e)), where the step starts: another writer moved it"
            }
        }
    }

    /// Moves the checkpoint from `from` (where it must stand) to `to`, writing what `writes`
    /// hands its argument in order (the later write of a key wins; `.absent` deletes it).
    public func advance(from: Position?, to: Position, _ writes: (_ write: (String, StateOverlay.Content) throws -> Void) throws -> Void) throws {
        try env.write { txn in
            let found = try Self.position(txn, meta)
            guard found == from else { throw Refusal.notAt(expected: from?.size, found: found?.size) }
            var writer = RecordWriter(packed: true)
            guard let filterHashes, let seed = try FilterHashes.seed(txn, meta: meta) else {
                throw StoreError.corrupt("the rules checkpoint has no seed of its key filter's hashes: \(Self.remedy)")
            }
            guard let behaviours else { throw StoreError.missing("the rules checkpoint has no database of its behaviours' records: \(Self.remedy)") }
            var filtered = FilterHashes.Collector(seed: seed)
            // A report's record has a key after every one stored, and is appended; a reversal's
            // or a request's rewrites one before it.
            var frontier = try AppendFrontier(txn, behaviours)
            try writes { key, content in
                filtered.wrote(key, content)
                guard StoreStateReader.isBehaviourKey(key) else { return try writer.write(key, content, to: records, in: txn) }
                let append = !content.isAbsent && frontier.takes(key.utf8)
                try writer.write(key, content, to: behaviours, in: txn, append: append)
            }
            try filtered.store(txn, database: filterHashes)
            try setPosition(to, txn)
        }
    }

    /// Empties the checkpoint and sets it at `to` (the state before the first entry, for a
    /// replay from there to make it again).
    public func reset(at to: Position) throws {
        try env.write { txn in
            try txn.clear(records)
            guard let behaviours else { throw StoreError.missing("the rules checkpoint has no database of its behaviours' records: \(Self.remedy)") }
            try txn.clear(behaviours)
            guard let filterHashes else { throw StoreError.missing("the rules checkpoint has no database of its key filter's hashes: \(Self.remedy)") }
            try FilterHashes.reset(txn, database: filterHashes, meta: meta)
            try setPosition(to, txn)
        }
    }
}
