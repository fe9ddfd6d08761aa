/// The whole rule state in memory, as of the log's first `size` entries: what the sequencer's
/// rules read instead of the state environment (issue 23). Read from LMDB, every rule read was a
/// B-tree search and a decode, a sixth of the rules thread's instructions (Benchmarks/RESULTS.md);
/// here it is a hash lookup, and a record read once stays decoded.
///
/// It holds the rules' namespaces only, not the read models `Projection` writes (the rules
/// never read those). The rules change it through a `StateOverlay` writing through it, which
/// journals each change so that a batch whose commit fails is undone; it is used by one thread
/// at a time.
public final class ResidentState: StateReader {
    var records: [String: StateOverlay.Content] = [:]
    /// The keys of each parent of the ordered namespaces (`StateOverlay.orderedNamespaces`),
    /// sorted, for `predecessor` and `children`.
    var ordered: [Substring: OrderedKeys] = [:]
    /// How many log entries this state reflects.
    public private(set) var size: UInt64

    public init(size: UInt64 = 0) {
        self.size = size
    }

    /// Records held.
    public var count: Int { records.count }

    /// Whether `key` is the rules' (a record this state holds) rather than a read model's.
    public static func holds(_ key: String) -> Bool { !Projection.owns(key) }

    /// Adds a record as the state environment stores it (canonical JSON), while loading. Keys
    /// may come in any order; a read model's key is ignored.
    public func load(key: String, canonical bytes: [UInt8]) {
        guard Self.holds(key) else { return }
        set(key, .canonical(bytes))
    }

    /// Records that its records reflect the log's first `size` entries (the sequencer, as it
    /// applies batches through an overlay writing through it, or undoes them).
    public func reflect(size: UInt64) { self.size = size }

    /// Sets the record at `key` (`.absent`: removes it) and returns what it held.
    @discardableResult
    func set(_ key: String, _ content: StateOverlay.Content) -> StateOverlay.Content {
        if content.isAbsent {
            guard let old = records.removeValue(forKey: key) else { return .absent }
            if StateOverlay.isOrdered(key) { listRemoval(StateOverlay.parent(of: key)) }
            return old
        }
        if let old = records.updateValue(content, forKey: key) { return old }
        if StateOverlay.isOrdered(key) { ordered[StateOverlay.parent(of: key), default: OrderedKeys()].insert(key) }
        return .absent
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

    public func get(_ key: String) throws -> JSONValue? {
        try records[key]?.decoded()
    }

    public func record<R: StateRecord>(_ type: R.Type, at key: String) throws -> R? {
        guard let content = records[key] else { return nil }
        if case .typed(let r) = content, let typed = r as? R { return typed }
        guard let r = try StateOverlay.typed(R.self, content, key: key) else { return nil }
        // Kept decoded: most records read once are read again (accounts, consents, methodologies).
        records[key] = .typed(r)
        return r
    }

    public func predecessor(parent: String, before: String) throws -> (key: String, value: JSONValue)? {
        guard let (key, content) = predecessorContent(parent: parent, before: before), let v = try content.decoded() else { return nil }
        return (key, v)
    }

    public func predecessorRecord<R: StateRecord>(_ type: R.Type, parent: String, before: String) throws -> (key: String, record: R)? {
        guard let (key, _) = predecessorContent(parent: parent, before: before), let r = try record(R.self, at: key) else { return nil }
        return (key, r)
    }

    public func children(of parent: String) throws -> [(key: String, value: JSONValue)] {
        try liveChildren(of: parent).compactMap { k, c in try c.decoded().map { (k, $0) } }
    }

    public func childRecords<R: StateRecord>(_ type: R.Type, of parent: String) throws -> [(key: String, record: R)] {
        try liveChildren(of: parent).compactMap { k, _ in try record(R.self, at: k).map { (k, $0) } }
    }

    /// The greatest key of `parent` below `before` that has a record.
    private func predecessorContent(parent: String, before: String) -> (String, StateOverlay.Content)? {
        assert(StateOverlay.orderedNamespaces.contains(where: parent.hasPrefix), "predecessor queries only ordered namespaces")
        guard let o = ordered[Substring(parent)] else { return nil }
        var i = o.lowerBound(before)
        while i > 0 {
            i -= 1
            if let c = records[o.keys[i]] { return (o.keys[i], c) }
        }
        return nil
    }

    private func liveChildren(of parent: String) -> [(String, StateOverlay.Content)] {
        assert(StateOverlay.orderedNamespaces.contains(where: parent.hasPrefix), "children queries only ordered namespaces")
        guard let o = ordered[Substring(parent)] else { return [] }
        return o.keys.compactMap { k in records[k].map { (k, $0) } }
    }

    /// Keys listed for the ordered queries, deleted ones included (for tests).
    var listedKeys: Int { ordered.values.reduce(0) { $0 + $1.keys.count } }

    /// Every record, in no order (tests compare it with the state environment).
    public func forEachRecord(_ body: (String, StateOverlay.Content) throws -> Void) rethrows {
        for (k, c) in records { try body(k, c) }
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
