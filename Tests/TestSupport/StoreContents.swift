import CarbonLedger
import LedgerStore

/// Every record of a store's state database, key, a zero byte, then value: two stores hold the
/// same projections exactly when these are equal.
public func stateBytes(_ store: LogStore) throws -> [[UInt8]] {
    try store.read { r in
        var out: [[UInt8]] = []
        try r.stateTxn.scan(r.store.state, from: nil) { k, v in out.append(Array(k) + [0] + Array(v)); return true }
        return out
    }
}

/// A directory's store opened read-only.
public func readOnlyStore(_ path: String) throws -> LogStore {
    var o = LMDBOptions()
    o.readOnly = true
    return try LogStore(path: path, options: o)
}

/// Where the audit state in `dir` stands (`verify --audit-state`); nil before its first commit.
public func auditPosition(_ dir: String) throws -> ReplayPosition? {
    try readOnlyStore(dir).read { r in try r.stateMeta(.audit).map { try ReplayPosition(decoding: $0) } }
}
