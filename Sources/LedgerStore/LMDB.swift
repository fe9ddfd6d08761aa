import CLMDB
import Foundation

// Every mdb_* call of the project lives in this file (swift-system's Syscalls.swift pattern).

/// An LMDB failure, with LMDB's own message.
public enum LMDBError: Error, Equatable, CustomStringConvertible {
    case mapFull
    /// Another process grew the map; this one must adopt the new size before continuing.
    case mapResized
    case failed(operation: String, code: Int32, message: String)
    /// A commit could not be written to disk (full or read-only filesystem, file size limit, I/O
    /// error); LMDB aborted it, so nothing of it is in the ledger.
    case commitFailed(path: String, code: Int32, message: String, freeBytes: Int64?)
    /// The data file is shorter than the pages LMDB's meta page says are in use.
    case truncated(path: String, bytes: Int64, needed: Int64)

    /// `op` is made only on failure: an interpolated name per successful put was a tenth of the
    /// rules checkpoint's instructions (callgrind; Benchmarks/RESULTS.md).
    @inline(__always)
    static func check(_ rc: Int32, _ op: @autoclosure () -> String) throws(LMDBError) {
        if rc == 0 { return }
        throw failure(rc, op())
    }

    private static func failure(_ rc: Int32, _ op: String) -> LMDBError {
        if rc == MDB_MAP_FULL { return .mapFull }
        if rc == MDB_MAP_RESIZED { return .mapResized }
        return .failed(operation: op, code: rc, message: String(cString: mdb_strerror(rc)))
    }

    public var description: String {
        switch self {
        case .mapFull: return "LMDB map is full"
        case .mapResized: return "LMDB map was grown by another process"
        case .failed(let op, let code, let msg): return "\(op) failed: \(msg) (LMDB code \(code))"
        case .truncated(let path, let bytes, let needed):
            return "the data file \(path)/data.mdb is truncated: it holds \(bytes) bytes but its pages in use end at byte \(needed); "
                + "restore the ledger from a mirror or a backup"
        case .commitFailed(let path, let code, let msg, let free):
            // LMDB reports a short write on a full disk as EIO, so say what the disk holds.
            let space = free.map { "; the filesystem holding \(path) has \($0) bytes free" } ?? ""
            return "could not write the ledger's data file in \(path): \(msg) (code \(code))\(space). Nothing of this commit was written; "
                + "free disk space (or fix the filesystem) and retry"
        }
    }
}

/// Set when LMDB's own consistency assertion failed (it aborts the process right after): a
/// damaged data file, not a bug of this program. A crash handler reads it.
public enum LMDBFault {
    nonisolated(unsafe) public static var assertionFailed = false
}

/// Options for opening an environment.
public struct LMDBOptions: Sendable {
    /// Initial map size in bytes; it grows by doubling on MDB_MAP_FULL.
    public var mapSize: Int = 1 << 30
    public var readOnly = false
    /// Skip fsync on commit. Off by default: a commit is durable when it returns.
    public var noSync = false
    public var maxDatabases: UInt32 = 16
    /// No readahead on the map (MDB_NORDAHEAD): for an environment read in key order whose
    /// pages lie scattered over a file larger than memory, where each page fault would read the
    /// device's whole readahead window around it (the rules checkpoint; `RuleCheckpoints`).
    public var noReadahead = false
    public init() {}
}

/// An LMDB environment (one directory). Thread-safe: any number of readers, one writer.
///
/// Growing the map requires that no transaction of this process is open, so every transaction
/// holds a shared lock and a resize takes it exclusively.
public final class LMDBEnvironment: @unchecked Sendable {
    let env: OpaquePointer
    private var lock = pthread_rwlock_t()
    private let writeMutex = NSLock()
    public private(set) var mapSize: Int
    public let options: LMDBOptions
    /// How many times the map was grown (for tests and metrics).
    public private(set) var resizeCount = 0

    /// The environment's directory.
    public let path: String
    /// Opened read-only without LMDB's lock file (no permission to write it).
    public private(set) var lockless = false

    public init(path: String, options: LMDBOptions = LMDBOptions()) throws(LMDBError) {
        self.path = path
        var e: OpaquePointer?
        try LMDBError.check(mdb_env_create(&e), "mdb_env_create")
        env = e!
        self.options = options
        self.mapSize = options.mapSize
        pthread_rwlock_init(&lock, nil)
        // Every stored property is set from here on, so if this initializer throws, `deinit`
        // runs and closes `env`; closing it here too was a double free (found by opening a
        // ledger for writing on a read-only filesystem).
        do {
            try LMDBError.check(mdb_env_set_maxdbs(env, options.maxDatabases), "mdb_env_set_maxdbs")
            if !options.readOnly {
                try LMDBError.check(mdb_env_set_mapsize(env, options.mapSize), "mdb_env_set_mapsize")
            }
            var flags = UInt32(MDB_NOTLS)
            if options.readOnly { flags |= UInt32(MDB_RDONLY) }
            if options.noReadahead { flags |= UInt32(MDB_NORDAHEAD) }
            // A reader without write permission on the lock file (an auditor's read-only copy)
            // cannot register in LMDB's reader table: open without the lock. Such a reader is
            // only safe while no writer runs, which holds for a directory it cannot write.
            if options.readOnly, access(path + "/lock.mdb", W_OK) != 0, errno == EACCES {
                flags |= UInt32(MDB_NOLOCK)
                lockless = true
            }
            if options.noSync { flags |= UInt32(MDB_NOSYNC) }
            try LMDBError.check(mdb_env_open(env, path, flags, 0o600), "mdb_env_open(\(path))")
            var info = MDB_envinfo()
            try LMDBError.check(mdb_env_info(env, &info), "mdb_env_info")
            mapSize = info.me_mapsize
            // A truncated file would make LMDB read past its end (SIGBUS): refuse it here.
            var stat = MDB_stat()
            try LMDBError.check(mdb_env_stat(env, &stat), "mdb_env_stat")
            let needed = (Int64(info.me_last_pgno) + 1) * Int64(stat.ms_psize)
            if let bytes = (try? FileManager.default.attributesOfItem(atPath: path + "/data.mdb"))?[.size] as? Int64, bytes < needed {
                throw LMDBError.truncated(path: path, bytes: bytes, needed: needed)
            }
            mdb_env_set_assert(env) { _, _ in LMDBFault.assertionFailed = true }
        }
    }

    deinit {
        mdb_env_close(env)
        pthread_rwlock_destroy(&lock)
    }

    /// Opens (creating unless read-only) a named database. Call before concurrent use.
    public func openDatabase(_ name: String) throws(LMDBError) -> LMDBDatabase {
        try open(name: name)
    }

    /// `openDatabase`, but nil when the environment is read-only and has no database `name`
    /// (one an earlier layout did not have).
    public func openDatabaseIfPresent(_ name: String) throws(LMDBError) -> LMDBDatabase? {
        do {
            return try open(name: name)
        } catch .failed(_, MDB_NOTFOUND, _) where options.readOnly {
            return nil
        }
    }

    /// The environment's unnamed database, whose keys are the names of its named databases.
    public func openMainDatabase() throws(LMDBError) -> LMDBDatabase {
        try open(name: nil)
    }

    private func open(name: String?) throws(LMDBError) -> LMDBDatabase {
        let flags: UInt32 = options.readOnly || name == nil ? 0 : UInt32(MDB_CREATE)
        pthread_rwlock_rdlock(&lock)
        defer { pthread_rwlock_unlock(&lock) }
        var txn: OpaquePointer?
        try LMDBError.check(mdb_txn_begin(env, nil, options.readOnly ? UInt32(MDB_RDONLY) : 0, &txn), "mdb_txn_begin")
        var dbi = MDB_dbi()
        let rc = mdb_dbi_open(txn, name, flags, &dbi)
        if rc != 0 { mdb_txn_abort(txn); try LMDBError.check(rc, "mdb_dbi_open(\(name ?? "main"))") }
        try LMDBError.check(mdb_txn_commit(txn), "mdb_txn_commit")
        return LMDBDatabase(dbi: dbi, name: name ?? "(main)")
    }

    /// Runs `body` in a read-only snapshot. Never blocks the writer.
    public func read<R>(_ body: (LMDBTransaction) throws -> R) throws -> R {
        while true {
            do {
                return try readOnce(body)
            } catch LMDBError.mapResized {
                try adoptGrownMap()
            }
        }
    }

    private func readOnce<R>(_ body: (LMDBTransaction) throws -> R) throws -> R {
        pthread_rwlock_rdlock(&lock)
        defer { pthread_rwlock_unlock(&lock) }
        var txn: OpaquePointer?
        try LMDBError.check(mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn), "mdb_txn_begin(read)")
        defer { mdb_txn_abort(txn) }
        return try body(LMDBTransaction(txn: txn!))
    }

    /// Runs `body` in a write transaction and commits it (durably unless `noSync`). If the map
    /// fills, the transaction is aborted, the map doubled and `body` run again from scratch, so
    /// `body` must not keep effects outside the transaction until this returns.
    public func write<R>(_ body: (LMDBTransaction) throws -> R) throws -> R {
        writeMutex.lock()
        defer { writeMutex.unlock() }
        while true {
            do {
                return try writeOnce(body)
            } catch LMDBError.mapFull {
                try grow()
            } catch LMDBError.mapResized {
                try adoptGrownMap()
            }
        }
    }

    private func writeOnce<R>(_ body: (LMDBTransaction) throws -> R) throws -> R {
        pthread_rwlock_rdlock(&lock)
        defer { pthread_rwlock_unlock(&lock) }
        var txn: OpaquePointer?
        try LMDBError.check(mdb_txn_begin(env, nil, 0, &txn), "mdb_txn_begin(write)")
        let result: R
        do {
            result = try body(LMDBTransaction(txn: txn!))
        } catch {
            mdb_txn_abort(txn)
            throw error
        }
        // mdb_txn_commit frees the transaction even when it fails.
        let rc = mdb_txn_commit(txn)
        if rc != 0 && rc != MDB_MAP_FULL && rc != MDB_MAP_RESIZED {
            throw LMDBError.commitFailed(path: path, code: rc, message: String(cString: mdb_strerror(rc)), freeBytes: freeBytes())
        }
        try LMDBError.check(rc, "mdb_txn_commit")
        return result
    }

    /// Bytes available to this process on the environment's filesystem, for error messages.
    func freeBytes() -> Int64? {
        var st = statvfs()
        guard statvfs(path, &st) == 0 else { return nil }
        return Int64(st.f_bavail) * Int64(st.f_frsize)
    }

    private func grow() throws(LMDBError) {
        pthread_rwlock_wrlock(&lock)
        defer { pthread_rwlock_unlock(&lock) }
        let newSize = mapSize * 2
        try LMDBError.check(mdb_env_set_mapsize(env, newSize), "mdb_env_set_mapsize(\(newSize))")
        var info = MDB_envinfo()
        try LMDBError.check(mdb_env_info(env, &info), "mdb_env_info")
        mapSize = info.me_mapsize
        resizeCount += 1
    }

    /// Adopts the larger map another process set (mdb_env_set_mapsize with 0).
    private func adoptGrownMap() throws(LMDBError) {
        pthread_rwlock_wrlock(&lock)
        defer { pthread_rwlock_unlock(&lock) }
        try LMDBError.check(mdb_env_set_mapsize(env, 0), "mdb_env_set_mapsize(0)")
        var info = MDB_envinfo()
        try LMDBError.check(mdb_env_info(env, &info), "mdb_env_info")
        mapSize = info.me_mapsize
    }

    /// Flushes to disk (for environments opened with `noSync`).
    public func sync() throws(LMDBError) {
        try LMDBError.check(mdb_env_sync(env, 1), "mdb_env_sync")
    }
}

/// A named database handle.
public struct LMDBDatabase: Sendable {
    let dbi: MDB_dbi
    public let name: String
}

/// A transaction. Valid only inside the closure that received it; buffers it returns point into
/// the map and must be copied before the closure ends.
public struct LMDBTransaction {
    let txn: OpaquePointer

    /// The value for `key`, or nil. The buffer is valid until the transaction ends.
    public func get(_ db: LMDBDatabase, key: UnsafeRawBufferPointer) throws(LMDBError) -> UnsafeRawBufferPointer? {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val()
        let rc = mdb_get(txn, db.dbi, &k, &v)
        if rc == MDB_NOTFOUND { return nil }
        try LMDBError.check(rc, "mdb_get(\(db.name))")
        return UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size)
    }

    /// Stores `value` under `key`. `append` asserts keys arrive in increasing order (MDB_APPEND,
    /// much faster for the log's sequential keys).
    public func put(_ db: LMDBDatabase, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer,
                    append: Bool = false) throws(LMDBError) {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        try LMDBError.check(mdb_put(txn, db.dbi, &k, &v, append ? UInt32(MDB_APPEND) : 0), "mdb_put(\(db.name))")
    }

    /// Deletes `key`; false if it was absent.
    @discardableResult
    public func delete(_ db: LMDBDatabase, key: UnsafeRawBufferPointer) throws(LMDBError) -> Bool {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        let rc = mdb_del(txn, db.dbi, &k, nil)
        if rc == MDB_NOTFOUND { return false }
        try LMDBError.check(rc, "mdb_del(\(db.name))")
        return true
    }

    /// The record with the greatest key strictly below `before`, or nil.
    public func last(_ db: LMDBDatabase, before: UnsafeRawBufferPointer) throws -> (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)? {
        var cursor: OpaquePointer?
        try LMDBError.check(mdb_cursor_open(txn, db.dbi, &cursor), "mdb_cursor_open(\(db.name))")
        defer { mdb_cursor_close(cursor) }
        var k = MDB_val(mv_size: before.count, mv_data: UnsafeMutableRawPointer(mutating: before.baseAddress))
        var v = MDB_val()
        var rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE)
        if rc == 0 {
            rc = mdb_cursor_get(cursor, &k, &v, MDB_PREV)
        } else if rc == MDB_NOTFOUND {
            rc = mdb_cursor_get(cursor, &k, &v, MDB_LAST)
        }
        if rc == MDB_NOTFOUND { return nil }
        try LMDBError.check(rc, "mdb_cursor_get(\(db.name))")
        return (UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size), UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
    }

    /// Deletes every record of `db` (the database itself stays).
    public func clear(_ db: LMDBDatabase) throws(LMDBError) {
        try LMDBError.check(mdb_drop(txn, db.dbi, 0), "mdb_drop(\(db.name))")
    }

    /// Number of records in `db`.
    public func count(_ db: LMDBDatabase) throws(LMDBError) -> Int {
        try stat(db).entries
    }

    /// What `db` holds: its records, and the pages of its B-tree's leaves (each `pageSize`
    /// bytes) and of the values too large for a leaf.
    public func stat(_ db: LMDBDatabase) throws(LMDBError) -> (entries: Int, leafPages: Int, overflowPages: Int, pageSize: Int) {
        var st = MDB_stat()
        try LMDBError.check(mdb_stat(txn, db.dbi, &st), "mdb_stat(\(db.name))")
        return (st.ms_entries, st.ms_leaf_pages, st.ms_overflow_pages, Int(st.ms_psize))
    }

    /// Visits records with key >= `from` in key order until `body` returns false.
    public func scan(_ db: LMDBDatabase, from: UnsafeRawBufferPointer?,
                     _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool) throws {
        var cursor: OpaquePointer?
        try LMDBError.check(mdb_cursor_open(txn, db.dbi, &cursor), "mdb_cursor_open(\(db.name))")
        defer { mdb_cursor_close(cursor) }
        var k = MDB_val(), v = MDB_val()
        var rc: Int32
        // LMDB refuses a zero-length key (MDB_BAD_VALSIZE): an empty start means the first key.
        if let f = from, f.count > 0 {
            k = MDB_val(mv_size: f.count, mv_data: UnsafeMutableRawPointer(mutating: f.baseAddress))
            rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE)
        } else {
            rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST)
        }
        while rc == 0 {
            let go = try body(UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size),
                              UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
            if !go { return }
            rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)
        }
        if rc != MDB_NOTFOUND { try LMDBError.check(rc, "mdb_cursor_get(\(db.name))") }
    }
}
