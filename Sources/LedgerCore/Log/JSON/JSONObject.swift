/// A JSON object: members kept sorted by key in UTF-16 code-unit order (RFC 8785 section
/// 3.2.3), with no duplicate keys.
public struct JSONObject: Hashable, Sendable {
    /// One member of an object.
    public struct Member: Hashable, Sendable {
        public var key: String
        public var value: JSONValue
    }

    /// Members in canonical order.
    public fileprivate(set) var members: [Member]

    public init() { members = [] }

    /// Builds an object; later duplicates of a key replace earlier ones.
    public init(_ pairs: KeyValuePairs<String, JSONValue>) {
        self.init(unordered: pairs.lazy.map { ($0.key, $0.value) }, count: pairs.count)
    }

    /// Builds an object from members in any order; later duplicates of a key replace earlier
    /// ones. An insertion sort from the end: members given in canonical order (as the rules
    /// write their records) cost one comparison each, and objects are small. Inserting each
    /// member by binary search showed in profiles.
    init(unordered pairs: some Sequence<(String, JSONValue)>, count: Int) {
        var ms: [Member] = []
        ms.reserveCapacity(count)
        next: for (k, v) in pairs {
            var i = ms.count
            while i > 0 {
                let c = JSONObject.compareKeys(ms[i - 1].key, k)
                if c == 0 { ms[i - 1].value = v; continue next }
                if c < 0 { break }
                i -= 1
            }
            ms.insert(Member(key: k, value: v), at: i)
        }
        members = ms
    }

    /// Builds an object from already-validated members (sorted, unique).
    init(sortedUniqueMembers: [Member]) { members = sortedUniqueMembers }

    public var count: Int { members.count }
    public var keys: [String] { members.map(\.key) }

    /// Whether the members' keys are exactly `keys`, in that order (without building `keys`).
    public func hasKeys(_ keys: [String]) -> Bool {
        members.count == keys.count && zip(members, keys).allSatisfy { $0.key == $1 }
    }

    public subscript(key: String) -> JSONValue? {
        get {
            switch position(of: key) {
            case .found(let i): return members[i].value
            case .insertAt: return nil
            }
        }
        set {
            switch (position(of: key), newValue) {
            case (.found(let i), .some(let v)): members[i].value = v
            case (.found(let i), .none): members.remove(at: i)
            case (.insertAt(let i), .some(let v)): members.insert(Member(key: key, value: v), at: i)
            case (.insertAt, .none): break
            }
        }
    }

    /// Adds `delta` to the integer member `key` (absent or not an integer: from 0), finding
    /// the member once (the rules' counters are updated this way many times per event). The sum
    /// stops at Int64's bounds rather than trap: a counter that many events add to (a month's
    /// market value) must not let a flood of valid events stop the ledger.
    mutating func add(_ delta: Int64, to key: String) {
        switch position(of: key) {
        case .found(let i): members[i].value = .int((members[i].value.intValue ?? 0).saturatingAdding(delta))
        case .insertAt(let i): members.insert(Member(key: key, value: .int(delta)), at: i)
        }
    }

    private enum Position { case found(Int), insertAt(Int) }

    private func position(of key: String) -> Position {
        // The key's bytes are fetched once per lookup, not once per comparison: lookups showed
        // in profiles of the rules, and this measured faster (Benchmarks/RESULTS.md).
        let hoisted = key.utf8.withContiguousStorageIfAvailable { kb in
            search { m in (m.utf8.withContiguousStorageIfAvailable { JSONObject.compareASCII($0, kb) } ?? nil) ?? JSONObject.compareKeys(m, key) }
        }
        return hoisted ?? search { JSONObject.compareKeys($0, key) }
    }

    /// Binary search of the members by `compare(memberKey)` (negative: the member sorts first).
    @inline(__always)
    private func search(_ compare: (String) -> Int) -> Position {
        var lo = 0, hi = members.count
        while lo < hi {
            let mid = (lo + hi) / 2
            switch compare(members[mid].key) {
            case 0: return .found(mid)
            case ..<0: lo = mid + 1
            default: hi = mid
            }
        }
        return .insertAt(lo)
    }

    /// Byte order of two UTF-8 keys, or nil where they first differ in a non-ASCII byte: up to
    /// the first differing byte the code points are equal, and if both differing bytes are
    /// ASCII, UTF-16 order agrees with byte order there.
    @inline(__always)
    static func compareASCII(_ ua: UnsafeBufferPointer<UInt8>, _ ub: UnsafeBufferPointer<UInt8>) -> Int? {
        let n = Swift.min(ua.count, ub.count)
        var i = 0
        while i < n {
            let x = ua[i], y = ub[i]
            if x != y { return (x | y) >= 0x80 ? nil : (x < y ? -1 : 1) }
            i += 1
        }
        return ua.count == ub.count ? 0 : (ua.count < ub.count ? -1 : 1)
    }

    /// Compares keys by UTF-16 code units, as RFC 8785 requires; exact (no Unicode
    /// normalisation, unlike `String ==`).
    public static func compareKeys(_ a: String, _ b: String) -> Int {
        // Fast path over UTF-8 (`compareASCII`); a non-ASCII difference compares UTF-16 code
        // units exactly. Non-mutating access: `withUTF8` on a `var` copy retains both strings
        // per compare, which showed in profiles of state updates.
        let fast: Int?? = a.utf8.withContiguousStorageIfAvailable { ua in
            b.utf8.withContiguousStorageIfAvailable { ub in compareASCII(ua, ub) } ?? nil
        }
        if case .some(.some(let r)) = fast { return r }
        var ia = a.utf16.makeIterator(), ib = b.utf16.makeIterator()
        while true {
            switch (ia.next(), ib.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case (let x?, let y?): if x != y { return x < y ? -1 : 1 }
            }
        }
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(unordered: elements, count: elements.count)
    }
}
