import Foundation
import LedgerCore
import LedgerStore

/// A ledger directory opened for reading, and for appending when its registry key is present.
public final class Ledger: @unchecked Sendable {
    public let directory: String
    public let store: LogStore

    /// Opens an existing ledger (read-only without its state directory only if
    /// `allowingAbsentState`: see `LogStore.init`).
    public init(directory: String, options: LMDBOptions = LMDBOptions(), allowingAbsentState: Bool = false) throws {
        try LedgerDirectory.requireExisting(directory)
        self.directory = directory
        self.store = try LogStore(path: directory, options: options, allowingAbsentState: allowingAbsentState)
        guard try store.read({ try $0.metaU64(.size) }) ?? 0 > 0 else { throw LedgerError.notALedger(directory) }
        // A writer's open empties a state that cannot be trusted (after a power loss); its first
        // sequencer rebuilds it, and replays what a crash left it without (`loadRulesState`).
        if !options.readOnly { openingEmptiedState = try StateSync.trust(store) }
    }

    /// Whether the writer's open emptied the state environment, for the writer to rebuild it.
    public private(set) var openingEmptiedState = false

    private init(directory: String, store: LogStore) {
        self.directory = directory
        self.store = store
    }

    /// Creates a ledger in an empty or new directory: stores the registry key and appends the
    /// genesis entry naming `origin`, the key, and the admin keys (default: the registry key).
    @discardableResult
    public static func create(directory: String, origin: String, key: NoteSigningKey, admins: [NoteVerifierKey]? = nil,
                              rules: RuleSet = .latest, windows: Windows? = nil, options: LMDBOptions = LMDBOptions(),
                              now: Timestamp = .now()) throws -> Ledger {
        guard Reducer.isValidOrigin(origin) else { throw LedgerError.badOrigin(origin) }
        if let problem = Self.problem(with: windows, rules: rules) { throw LedgerError.badWindows(problem) }
        try LedgerDirectory.prepareNew(directory)
        try LedgerDirectory.writeSigningKey(key, to: LedgerDirectory.keyPath(directory))
        let store = try LogStore(path: directory, options: options)
        let genesis = try Submission.Unsigned(events: [Reducer.genesisEvent(origin: origin, registryKey: key.verifierKey, admins: admins, rules: rules,
                                                                                 windows: windows)])
            .signed(by: key, origin: origin)
        let result = try Sequencer(store: store, key: key).append([genesis], now: now)
        if case .failure(let v) = result[0] { throw v }
        return Ledger(directory: directory, store: store)
    }

    /// Why a new ledger of `rules` cannot state `windows`, or nil.
    public static func problem(with windows: Windows?, rules: RuleSet) -> String? {
        guard let windows else { return nil }
        guard rules >= .v3 else { return "windows need carbonledger/v3 or later; \(rules.rawValue) has none" }
        return windows.problem
    }

    /// A sequencer signing checkpoints with the directory's registry key (and holding the next
    /// key too while a rotation is pending).
    public func sequencer() throws -> Sequencer {
        try promoteRotatedKey()
        let key = try LedgerDirectory.readSigningKey(LedgerDirectory.keyPath(directory))
        let info = try self.info()
        guard key.verifierKey == info.registryKey else {
            throw LedgerError.keyFile(LedgerDirectory.keyPath(directory), "is not the ledger's current registry key (\(info.registryKey))")
        }
        var keys = [key]
        let next = LedgerDirectory.nextKeyPath(directory)
        if FileManager.default.fileExists(atPath: next) { keys.append(try LedgerDirectory.readSigningKey(next)) }
        return Sequencer(store: store, keys: keys)
    }

    /// After a committed rotation: the waiting `registry-next.key` becomes `registry.key`, the
    /// outgoing key is kept as `registry-retired-NAME-KEYID.key`. Safe to repeat; a crash
    /// between the commit and this step is repaired by the next `sequencer()`.
    public func promoteRotatedKey() throws {
        let next = LedgerDirectory.nextKeyPath(directory), current = LedgerDirectory.keyPath(directory)
        guard FileManager.default.fileExists(atPath: next) else { return }
        let incoming = try LedgerDirectory.readSigningKey(next)
        guard incoming.verifierKey == (try info().registryKey) else { return }  // rotation not committed (yet)
        let fm = FileManager.default
        do {
            if fm.fileExists(atPath: current) {
                let outgoing = try LedgerDirectory.readSigningKey(current)
                let retired = LedgerDirectory.retiredKeyPath(directory, outgoing.verifierKey)
                if !fm.fileExists(atPath: retired) { try fm.moveItem(atPath: current, toPath: retired) } else { try fm.removeItem(atPath: current) }
            }
            try fm.moveItem(atPath: next, toPath: current)
        } catch let e as LedgerError {
            throw e
        } catch {
            throw LedgerError.io("cannot install the rotated registry key in \(directory): \(error.localizedDescription)")
        }
    }

    /// What `cledger info` shows.
    public struct Info: Sendable {
        public var origin: String
        public var size: UInt64
        public var head: Digest
        /// The key that signs checkpoints now (the genesis key, or the last rotation's).
        public var registryKey: NoteVerifierKey
        public var checkpoint: String
        /// The rule set the genesis entry binds the log to.
        public var rules: RuleSet
        /// The programme's windows the genesis entry states (v3 on).
        public var windows: Windows?

        /// `cledger info --json` and `GET /v1/info` (Schemas/info.schema.json).
        public var json: JSONObject {
            var o: JSONObject = ["origin": .string(origin), "size": .int(Int64(size)), "head": .string(head.hex),
                                 "registry_key": .string(registryKey.description), "checkpoint": .string(checkpoint), "rules": .string(rules.rawValue)]
            if let windows { o["windows"] = windows.json }
            return o
        }
    }

    /// How many entries the state (what the queries read) and the log reflect, from one read
    /// snapshot: the state is never ahead of the log.
    public func sizes() throws -> (state: UInt64, log: UInt64) {
        try store.read { r in (try r.stateSize(), try r.metaU64(.size) ?? 0) }
    }

    public func info() throws -> Info {
        try store.read { r in
            guard let origin = try r.metaString(.origin), let size = try r.metaU64(.size), let head = try r.metaDigest(.head),
                  let cp = try r.metaString(.checkpoint) else { throw LedgerError.notALedger(directory) }
            let genesis = try r.genesis()
            let rules = Reducer.ruleSet(ofGenesis: genesis.event), windows = Windows.of(genesis: genesis.event)
            // The current registry key: the last rotation's, or the genesis entry's.
            if let rotated = try r.rotatedRegistryKey() {
                return Info(origin: origin, size: size, head: head, registryKey: rotated, checkpoint: cp, rules: rules, windows: windows)
            }
            guard let keyText = genesis.event["registry_key"]?.stringValue else { throw StoreError.corrupt("genesis has no registry_key") }
            return Info(origin: origin, size: size, head: head, registryKey: try NoteVerifierKey(keyText), checkpoint: cp, rules: rules, windows: windows)
        }
    }

    /// The latest signed checkpoint note.
    public func checkpoint() throws -> String { try info().checkpoint }

    /// How many entries were committed at or before `time` (entry times never decrease, so a
    /// binary search over seqs finds the boundary).
    public func entriesCommitted(atOrBefore time: Timestamp) throws -> UInt64 {
        try store.read { r in try r.entriesCommitted(atOrBefore: time, limit: try r.metaU64(.size) ?? 0) }
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
