import Foundation
import LedgerCore
import LedgerStore

/// An auditor's kept replay: an LMDB environment like a ledger directory's (its `state/` holds
/// the replayed projections and `state_meta/audit` the `ReplayPosition`), fsynced at every
/// commit so that what it records survives a power loss, and locked while a `verify` uses it.
final class AuditStateDirectory {
    let store: LogStore
    /// Where the kept replay stands; nil for a new one.
    let position: ReplayPosition?
    private let lockFD: Int32

    static let lockFile = "audit.lock"

    /// Opens `path`: new or empty (created), or written by an earlier `verify --audit-state`.
    init(path: String, mapSize: Int) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        let exists = fm.fileExists(atPath: path, isDirectory: &isDir)
        if exists && !isDir.boolValue { throw AuditStateError.io("\(path) exists and is not a directory") }
        let listed = exists ? ((try? fm.contentsOfDirectory(atPath: path)) ?? []) : []
        // Only what an audit state holds: anything else (a ledger directory given by mistake)
        // is refused before LMDB opens, and so before anything in it could change.
        let expected: Set<String> = ["data.mdb", "lock.mdb", LogStore.stateDirectory, Self.lockFile]
        if !listed.isEmpty && (!Set(listed).isSubset(of: expected) || fm.fileExists(atPath: (path as NSString).appendingPathComponent("registry.key"))) {
            throw AuditStateError.notAnAuditState(path)
        }
        if listed.isEmpty { try LedgerDirectory.prepareNew(path) }
        lockFD = open((path as NSString).appendingPathComponent(Self.lockFile), O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lockFD >= 0 else { throw AuditStateError.io("cannot open \(path)/\(Self.lockFile): \(String(cString: strerror(errno)))") }
        guard flock(lockFD, LOCK_EX | LOCK_NB) == 0 else {
            close(lockFD)
            throw AuditStateError.inUse(path)
        }
        do {
            var options = LMDBOptions()
            options.mapSize = mapSize
            let store = try LogStore(path: path, options: options, auditState: true)
            position = try store.read { r -> ReplayPosition? in
                if let record = try r.stateMeta(.audit) { return try ReplayPosition(decoding: record) }
                // A first run stopped before its first commit left an empty state: start again.
                guard try r.stateTxn.count(store.state) == 0, try r.metaU64(.size) == nil else { throw AuditStateError.notAnAuditState(path) }
                return nil
            }
            self.store = store
        } catch {
            close(lockFD)
            throw error
        }
    }

    deinit { close(lockFD) }
}
