/// The whole rule state in memory, as of the log's first `size` entries: what the sequencer's
/// rules read instead of the state environment (issue 23). Read from LMDB, every rule read was a
/// B-tree search and a decode, a sixth of the rules thread's instructions (Benchmarks/RESULTS.md);
/// here it is a hash lookup, and a record read once stays decoded.
///
/// It holds the rules' namespaces only, not the read models `Projection` writes (the rules
/// never read those). The sequencer merges each committed batch's overlay into it, in log
/// order, on the thread that runs the rules; it is not safe to use from two threads at once.
public final class ResidentState: StateReader {
    private var records: [String: StateOverlay.Content] = [:]
    /// The keys of each parent of the ordered namespaces (`StateOverlay.orderedNamespaces`),
    /// sorted, for `predecessor` and `children`.
    private var ordered: [Substring: OrderedKeys] = [:]
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

    /// Sets the size after loading.
    public func loaded(size: UInt64) { self.size = size }

    /// Takes in the writes of `overlay`, which brings this state from `size` to `newSize`
    /// entries. The overlay is only read (another thread may be storing it meanwhile).
    public func merge(_ overlay: StateOverlay, size newSize: UInt64) {
        precondition(newSize >= size, "the state does not go back")
        overlay.forEachWrite { key, content in
            assert(Self.holds(key), "a rule overlay holds no read model (\(key))")
            set(key, content)
        }
        size = newSize
    }

    private func set(_ key: String, _ content: StateOverlay.Content) {
        if content.isAbsent {
            guard records.removeValue(forKey: key) != nil, StateOverlay.isOrdered(key) else { return }
            let parent = StateOverlay.parent(of: key)
            ordered[parent]?.dead += 1
            if let o = ordered[parent], o.dead == o.keys.count || o.dead > 32 && o.dead * 2 > o.keys.count { compact(parent) }
            return
        }
        guard records.updateValue(content, forKey: key) == nil, StateOverlay.isOrdered(key) else { return }
        ordered[StateOverlay.parent(of: key), default: OrderedKeys()].insert(key)
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
