import Foundation

/// The rule state in memory, as of the log's first `size` entries: what the sequencer's rules
/// read instead of the state environment (issue 23). Read from LMDB, every rule read was a
/// B-tree search and a decode, a sixth of the rules thread's instructions (Benchmarks/RESULTS.md);
/// here it is a hash lookup, and a record read once stays decoded.
///
/// It holds the rules' namespaces only, not the read models `Projection` writes (the rules
/// never read those). The cold namespaces (`isCold`: a behaviour's record and its eligibility,
/// one of each per report, read again only by a reversal or an issuance request; and the
/// duplicate index, read by every report but almost always for a key it lacks, which a filter
/// answers) are read from `cold`, the cold store (the rules
/// checkpoint) in the rules' read snapshot, under the `layers` of the batches it does not have
/// yet: each batch's cold writes (deletions as `.absent`), dropped whole once the cold store has
/// caught up with it.
///
/// The intervals, daily caps and acts are not records: they are the index of behaviours
/// (`index`), derived from the behaviours' records and bounded by the programme's report window.
///
/// The rules change it through a `StateOverlay` writing through it, which journals each change
/// so that a batch whose commit fails is undone; it is used by one thread at a time.
public final class ResidentState: StateReader {
    private var records: [String: StateOverlay.Content] = [:]
    /// The keys of each parent of the ordered namespaces (`StateOverlay.orderedNamespaces`),
    /// sorted, for `predecessor` and `children`.
    private var ordered: [Substring: OrderedKeys] = [:]
    /// How many log entries this state reflects.
    public private(set) var size: UInt64
    /// Where the cold records this state does not hold are read: set by the sequencer for the
    /// duration of a read snapshot. Reading one without it is a bug (it stops the process).
    public var cold: StateReader?
    /// The cold writes of batches, replays and ageings the cold store may not have yet, oldest first.
    public private(set) var layers: [ColdLayer] = []
    /// The keys of the cold filtered namespaces (`isFiltered`) that may be in the cold store.
    private var filter = KeyFilter(capacity: 0)
    /// The intervals and daily caps of the credited behaviours, derived from their records.
    public private(set) var index: BehaviourIndex

    /// Makes `index` this state's index of behaviours: at a load, made from the records while
    /// the others were loaded, before any rule reads it.
    public func install(_ index: BehaviourIndex) { self.index = index }

    /// `agesDays`: whether the log has windows, so that the index of behaviours will be aged
    /// (`BehaviourIndex.age`).
    public init(size: UInt64 = 0, agesDays: Bool = true) {
        self.size = size
        index = BehaviourIndex(ages: agesDays)
    }

    /// Records held (not counting the cold layers').
    public var count: Int { records.count }

    /// Whether `key` is the rules' (a record this state holds) rather than a read model's.
    public static func holds(_ key: String) -> Bool { !Projection.owns(key) }

    /// Whether `key` is in a cold namespace: kept in memory only until the cold store has it.
    @inline(__always)
    public static func isCold(_ key: String) -> Bool {
        switch key.utf8.first {
        case UInt8(ascii: "b"): return key.hasBytePrefix("beh/")
        case UInt8(ascii: "e"): return key.hasBytePrefix("elig/")
        case UInt8(ascii: "s"): return key.hasBytePrefix("src/")
        default: return false
        }
    }

    /// Whether `key` is cold in this state (`isCold`).
    @inline(__always)
    public func isCold(_ key: String) -> Bool { Self.isCold(key) }

    /// Whether `key` is in the duplicate index (`src/`): read by every report, almost always for
    /// a key it lacks, so a filter of its keys answers.
    @inline(__always)
    public static func isFiltered(_ key: String) -> Bool {
        key.utf8.first == UInt8(ascii: "s") && key.hasBytePrefix("src/")
    }

    /// Whether `key` is read by the rules alone, never by a query: the behaviours' records (the
    /// leaderboard reads its own read model, `lb/`), the duplicate index and the eligible
    /// behaviours: all of a report's writes but its account's, points' and read
    /// models'. The state environment does not keep them: they are the rules checkpoint's (and
    /// the state in memory's) only.
    @inline(__always)
    public static func isRulesOnly(_ key: String) -> Bool {
        if let only = key.utf8.withContiguousStorageIfAvailable({ isRulesOnly(keyBytes: UnsafeRawBufferPointer($0)) }) { return only }
        return Array(key.utf8).withUnsafeBytes(isRulesOnly(keyBytes:))
    }

    /// `isRulesOnly` of a key given as its bytes (a key of a store being scanned).
    public static func isRulesOnly(keyBytes b: UnsafeRawBufferPointer) -> Bool {
        func starts(_ prefix: StaticString) -> Bool {
            let n = prefix.utf8CodeUnitCount
            guard b.count >= n, let base = b.baseAddress else { return false }
            return memcmp(base, prefix.utf8Start, n) == 0
        }
        switch b.first {
        case UInt8(ascii: "b"): return starts("beh/")
        case UInt8(ascii: "s"): return starts("src/")
        case UInt8(ascii: "e"): return starts("elig/")
        default: return false
        }
    }

    /// The namespaces `isFiltered` names, for loading their keys.
    public static let filteredNamespaces = ["src/"]

    /// Makes room for `count` records more, before loading them.
    public func reserveCapacity(_ count: Int) {
        records.reserveCapacity(records.count + count)
    }

    /// Adds a record as the stores keep it (canonical JSON, or the rules checkpoint's packed form
    /// of it), while loading: a read model's or a cold namespace's key is left to the store.
    public func load(key: String, canonical bytes: [UInt8]) {
        guard Self.holds(key), !isCold(key) else { return }
        set(key, .canonical(bytes))
    }

    /// Whether the filter holds so many keys that it should be rebuilt larger (`rebuildFilter`).
    public var filterIsFull: Bool { filter.isFull }

    /// What the key filter was last built from (`rebuildFilter`): the cold store's hashes of its
    /// filtered keys, or those keys themselves; and how many.
    public enum FilterSource: Equatable, Sendable, CustomStringConvertible {
        case storedHashes(Int)
        case storedKeys(Int)

        public var description: String {
            switch self {
            case .storedHashes(let n): return "\(n) stored key hashes"
            case .storedKeys(let n): return "\(n) stored keys"
            }
        }
    }

    /// What the key filter was last built from; nil while it holds only what this state wrote.
    public private(set) var filterSource: FilterSource?

    /// Builds the filter anew under `seed`, twice as large as its keys need: the keys of the
    /// cold store's filtered namespaces, as many as `source` says, which `storedHashes` hands to
    /// its argument one by one as their hashes under `seed` (`filterHash`), and those of the
    /// layers. When the filter is full.
    public func rebuildFilter(seed: UInt64, source: FilterSource, storedHashes: (_ insert: (UInt64) -> Void) throws -> Void) rethrows {
        install(try Self.buildFilter(seed: seed, source: source, room: layeredKeys, storedHashes: storedHashes))
    }

    /// The records of the layers (the keys a filter built from the cold store must have room for).
    public var layeredKeys: Int {
        var n = 0
        for layer in layers { n += layer.records.count }
        return n
    }

    /// A key filter built apart from any state (a load builds it on another thread while it
    /// loads the records), for `install`.
    public struct BuiltFilter: Sendable {
        fileprivate let filter: KeyFilter
        public let source: FilterSource
    }

    /// A filter of the keys `storedHashes` hands over (`rebuildFilter`), with room for `room` more.
    public static func buildFilter(seed: UInt64, source: FilterSource, room: Int = 0,
                                   storedHashes: (_ insert: (UInt64) -> Void) throws -> Void) rethrows -> BuiltFilter {
        let stored: Int
        switch source { case .storedHashes(let n), .storedKeys(let n): stored = n }
        var filter = KeyFilter(capacity: 2 * (stored + room), seed: seed)
        try storedHashes { filter.insert(hash: $0) }
        return BuiltFilter(filter: filter, source: source)
    }

    /// Makes `built` the key filter, with the keys of the layers added.
    public func install(_ built: BuiltFilter) {
        var f = built.filter
        for layer in layers { for k in layer.records.keys where Self.isFiltered(k) { f.insert(k) } }
        filter = f
        filterSource = built.source
    }

    /// The hash under `seed` by which the key filter knows a key given as its bytes: the rules
    /// checkpoint stores those of its filtered keys, so that a start reads 8 bytes a key and
    /// no key (`RuleCheckpoints`).
    public static func filterHash(keyBytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        KeyFilter.hash(keyBytes, seed: seed)
    }

    /// A cold write was made to a layer: the filter learns a filtered key.
    func wroteCold(_ key: String) {
        if Self.isFiltered(key) { filter.insert(key) }
    }

    /// Whether the layers or the cold store may hold cold `key` (always, but for the
    /// filtered namespaces: every key written to a layer goes into the filter first).
    private func mayBeHeld(_ key: String) -> Bool {
        !Self.isFiltered(key) || filter.mayContain(key)
    }

    /// Records that its records reflect the log's first `size` entries (the sequencer, as it
    /// applies batches through an overlay writing through it, or undoes them).
    public func reflect(size: UInt64) { self.size = size }

    /// Sets the record at `key` (`.absent`: removes it), which is not cold, and returns what
    /// it held.
    @discardableResult
    func set(_ key: String, _ content: StateOverlay.Content) -> StateOverlay.Content? {
        assert(!isCold(key), "cold records go to a batch's layer")
        if content.isAbsent {
            guard let old = records.removeValue(forKey: key) else { return nil }
            if StateOverlay.isOrdered(key) { listRemoval(StateOverlay.parent(of: key)) }
            return old
        }
        if let old = records.updateValue(content, forKey: key) { return old }
        if StateOverlay.isOrdered(key) { ordered[StateOverlay.parent(of: key), default: OrderedKeys()].insert(key) }
        return nil
    }

    /// Adds a batch's layer of cold writes, the newest.
    func push(_ layer: ColdLayer) { layers.append(layer) }

    /// Removes a layer: a batch undone (the newest), or one the cold store has caught up with
    /// (the oldest).
    public func drop(_ layer: ColdLayer) {
        if layers.last === layer {
            layers.removeLast()
        } else if let i = layers.firstIndex(where: { $0 === layer }) {
            layers.remove(at: i)
        }
    }

    /// A cold record as the layers have it, newest first; nil when none has it.
    private func layered(_ key: String) -> StateOverlay.Content? {
        for layer in layers.reversed() { if let c = layer.records[key] { return c } }
        return nil
    }

    private func listRemoval(_ parent: Substring) {
        guard let i = ordered.index(forKey: parent) else { return }
        ordered.values[i].dead += 1
        let (dead, listed) = (ordered.values[i].dead, ordered.values[i].keys.count)
        if dead == listed || dead > 32 && dead * 2 > listed { compact(parent) }
    }

    /// Drops the keys of `parent` that no longer have a record.
    private func compact(_ parent: Substring) {
        guard var o = ordered.removeValue(forKey: parent) else { return }
        o.keys.removeAll { records[$0] == nil }
        o.dead = 0
        if !o.keys.isEmpty { ordered[parent] = o }
    }

    private func coldStore(_ key: String) -> StateReader {
        guard let cold else { preconditionFailure("read of the cold record \(key) outside a read snapshot of the cold store") }
        return cold
    }

    public func get(_ key: String) throws -> JSONValue? {
        guard isCold(key) else { return try records[key]?.decoded() }
        guard mayBeHeld(key) else { return nil }
        if let c = layered(key) { return try c.decoded() }
        return try coldStore(key).get(key)
    }

    public func record<R: StateRecord>(_ type: R.Type, at key: String) throws -> R? {
        if isCold(key) {
            // Not kept decoded: cold records are read again too seldom to be worth the memory.
            guard mayBeHeld(key) else { return nil }
            if let c = layered(key) { return try StateOverlay.typed(R.self, c, key: key) }
            return try coldStore(key).record(R.self, at: key)
        }
        guard let content = records[key] else { return nil }
        if case .typed(let r) = content, let typed = r as? R { return typed }
        guard let r = try StateOverlay.typed(R.self, content, key: key) else { return nil }
        // Kept decoded: most records read once are read again (accounts, consents, methodologies).
        records[key] = .typed(r)
        return r
    }

    public func predecessor(parent: String, before: String) throws -> (key: String, value: JSONValue)? {
        try predecessor(parent: parent, before: before, read: get, children: children)
    }

    public func predecessorRecord<R: StateRecord>(_ type: R.Type, parent: String, before: String) throws -> (key: String, record: R)? {
        try predecessor(parent: parent, before: before, read: { try self.record(R.self, at: $0) }, children: { try self.childRecords(R.self, of: $0).map { (key: $0.key, value: $0.record) } })
            .map { (key: $0.key, record: $0.value) }
    }

    public func children(of parent: String) throws -> [(key: String, value: JSONValue)] {
        try children(of: parent, read: get) { try $0.children(of: parent) }
    }

    public func childRecords<R: StateRecord>(_ type: R.Type, of parent: String) throws -> [(key: String, record: R)] {
        try children(of: parent, read: { try self.record(R.self, at: $0) }) { try $0.childRecords(R.self, of: parent).map { (key: $0.key, value: $0.record) } }
            .map { (key: $0.key, record: $0.value) }
    }

    /// The greatest key of `parent` below `before` that has a record, read by `read`.
    private func predecessor<V>(parent: String, before: String, read: (String) throws -> V?,
                                children: (String) throws -> [(key: String, value: V)]) throws -> (key: String, value: V)? {
        assert(StateOverlay.orderedNamespaces.contains(where: parent.hasPrefix), "predecessor queries only ordered namespaces")
        // No rule asks for a cold namespace's predecessor; were one to, the merged children answer.
        // A parent is its namespace and a segment or more ("elig/METHODOLOGY/DAY"): it is cold
        // as its keys are.
        if isCold(parent) { return try children(parent).last { StateOverlay.less($0.key, before) } }
        guard let o = ordered[Substring(parent)] else { return nil }
        var i = o.lowerBound(before)
        while i > 0 {
            i -= 1
            if records[o.keys[i]] != nil, let v = try read(o.keys[i]) { return (o.keys[i], v) }
        }
        return nil
    }

    /// The children of `parent` in byte order, read by `read`; a cold parent's are the
    /// cold store's (`stored`), with what this state holds instead (or deleted) merged in.
    private func children<V>(of parent: String, read: (String) throws -> V?,
                             stored: (StateReader) throws -> [(key: String, value: V)]) throws -> [(key: String, value: V)] {
        assert(StateOverlay.orderedNamespaces.contains(where: parent.hasPrefix), "children queries only ordered namespaces")
        guard isCold(parent) else {
            return try (ordered[Substring(parent)]?.keys ?? []).compactMap { k in records[k] == nil ? nil : try read(k).map { (k, $0) } }
        }
        // The cold store's, and the layers' keys of this parent (read through the layers).
        var merged: [String: V] = [:]
        for (k, v) in try stored(coldStore(parent)) { merged[k] = v }
        for layer in layers {
            for k in layer.keysByParent[Substring(parent)] ?? [] { merged[k] = try read(k) }
        }
        return merged.sorted { StateOverlay.less($0.key, $1.key) }.map { (key: $0.key, value: $0.value) }
    }

    /// Keys listed for the ordered queries, deleted ones included (for tests).
    var listedKeys: Int { ordered.values.reduce(0) { $0 + $1.keys.count } }

    /// Every record, in no order (tests compare it with the state environment).
    public func forEachRecord(_ body: (String, StateOverlay.Content) throws -> Void) rethrows {
        for (k, c) in records { try body(k, c) }
    }
}

/// The cold records one batch or replay wrote (a deletion as `.absent`), kept until the state
/// cold store has them (`ResidentState.layers`).
public final class ColdLayer: @unchecked Sendable {
    var records: [String: StateOverlay.Content] = [:]
    /// The keys of ordered namespaces (`elig/`) it holds, by parent, for `children`: an
    /// issuance request asks for a day's, and a replay holds tens of thousands of reports in a
    /// layer. A key stays listed after a rollback takes it out (`children` reads every listed key).
    var keysByParent: [Substring: [String]] = [:]
    init() {}

    /// Records (and deletions) it holds.
    public var count: Int { records.count }

    /// Empties the layer, once the cold store has its records and no state reads it (the
    /// overlay that made it still refers to it while it keeps its writes for the rules
    /// checkpoint). Returns what it held, for the caller to free off the rules' thread.
    public func release() -> [String: StateOverlay.Content] {
        keysByParent = [:]
        defer { records = [:] }
        return records
    }

    /// Sets `key` (`.absent`: deleted) and returns what the layer held there.
    func write(_ key: String, _ content: StateOverlay.Content) -> StateOverlay.Content? {
        let previous = records.updateValue(content, forKey: key)
        if previous == nil, StateOverlay.isOrdered(key) { keysByParent[StateOverlay.parent(of: key), default: []].append(key) }
        return previous
    }
}

/// The keys of one parent in byte order. A deleted key stays listed (`dead` counts them) until
/// they are half the list, or all of it: issuing a day's eligible behaviours deletes them one by
/// one, and removing each from a sorted array would move the rest every time.
struct OrderedKeys {
    var keys: [String] = []
    var dead = 0

    /// The position of the first key not below `key`.
    func lowerBound(_ key: String) -> Int {
        var lo = 0, hi = keys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if StateOverlay.less(keys[mid], key) { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Lists `key`, which has just gained a record: at the end when it is the greatest (the
    /// rules' keys mostly grow: seqs, times), else in its place; listed already, it was dead.
    mutating func insert(_ key: String) {
        if let last = keys.last, !StateOverlay.less(last, key) {
            let i = lowerBound(key)
            if i < keys.count && keys[i] == key {
                dead -= 1
                return
            }
            keys.insert(key, at: i)
        } else {
            keys.append(key)
        }
    }
}
