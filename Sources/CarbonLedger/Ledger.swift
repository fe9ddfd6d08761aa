import Foundation
import LedgerCore
import LedgerStore

/// A ledger directory opened for reading, and for appending when its registry key is present.
public final class Ledger: @unchecked Sendable {
    public let directory: String
    public let store: LogStore

    /// Opens an existing ledger.
    public init(directory: String, options: LMDBOptions = LMDBOptions()) throws {
        try LedgerDirectory.requireExisting(directory)
        self.directory = directory
        self.store = try LogStore(path: directory, options: options)
        guard try store.read({ try $0.metaU64(.size) }) ?? 0 > 0 else { throw LedgerError.notALedger(directory) }
    }

    private init(directory: String, store: LogStore) {
        self.directory = directory
        self.store = store
    }

    /// Creates a ledger in an empty or new directory: stores the registry key and appends the
    /// genesis entry naming `origin`, the key, and the admin keys (default: the registry key).
    @discardableResult
    public static func create(directory: String, origin: String, key: NoteSigningKey, admins: [NoteVerifierKey]? = nil,
                              options: LMDBOptions = LMDBOptions(), now: Timestamp = .now()) throws -> Ledger {
        guard Reducer.isValidOrigin(origin) else { throw LedgerError.badOrigin(origin) }
        try LedgerDirectory.prepareNew(directory)
        try LedgerDirectory.writeSigningKey(key, to: LedgerDirectory.keyPath(directory))
        let store = try LogStore(path: directory, options: options)
        let genesis = try Submission.Unsigned(events: [Reducer.genesisEvent(origin: origin, registryKey: key.verifierKey, admins: admins)])
            .signed(by: key, origin: origin)
        let result = try Sequencer(store: store, key: key).append([genesis], now: now)
        if case .failure(let v) = result[0] { throw v }
        return Ledger(directory: directory, store: store)
    }

    /// A sequencer signing checkpoints with the directory's registry key.
    public func sequencer() throws -> Sequencer {
        let key = try LedgerDirectory.readSigningKey(LedgerDirectory.keyPath(directory))
        let info = try self.info()
        guard key.verifierKey == info.registryKey else {
            throw LedgerError.keyFile(LedgerDirectory.keyPath(directory), "is not the registry key named in the genesis entry (\(info.registryKey))")
        }
        return Sequencer(store: store, key: key)
    }

    /// What `cledger info` shows.
    public struct Info: Sendable {
        public var origin: String
        public var size: UInt64
        public var head: Digest
        public var registryKey: NoteVerifierKey
        public var checkpoint: String
    }

    public func info() throws -> Info {
        try store.read { r in
            guard let origin = try r.metaString(.origin), let size = try r.metaU64(.size), let head = try r.metaDigest(.head),
                  let cp = try r.metaString(.checkpoint) else { throw LedgerError.notALedger(directory) }
            guard let g = try r.entryBytes(0) else { throw StoreError.missing("entry 0 (genesis)") }
            let genesis = try Entry.decode(g)
            guard let keyText = genesis.event["registry_key"]?.stringValue else { throw StoreError.corrupt("genesis has no registry_key") }
            return Info(origin: origin, size: size, head: head, registryKey: try NoteVerifierKey(keyText), checkpoint: cp)
        }
    }

    /// The latest signed checkpoint note.
    public func checkpoint() throws -> String { try info().checkpoint }

    /// How many entries were committed at or before `time` (entry times never decrease, so a
    /// binary search over seqs finds the boundary).
    public func entriesCommitted(atOrBefore time: Timestamp) throws -> UInt64 {
        try store.read { r in
            var lo: UInt64 = 0, hi = try r.metaU64(.size) ?? 0
            while lo < hi {
                let mid = (lo + hi) / 2
                guard let b = try r.entryBytes(mid) else { throw StoreError.missing("entry \(mid)") }
                if try Entry.decode(b).time <= time { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
    }

    /// Canonical bytes of entry `seq`.
    public func entryBytes(_ seq: UInt64) throws -> [UInt8] {
        try store.read { r in
            let size = try r.metaU64(.size) ?? 0
            guard seq < size, let b = try r.entryBytes(seq) else { throw LedgerError.seqOutOfRange(seq: seq, size: size) }
            return b
        }
    }
}
