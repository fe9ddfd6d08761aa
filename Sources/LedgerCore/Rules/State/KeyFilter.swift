/// A Bloom filter over state keys: whether a key may be in the state environment. The
/// duplicate index (`src/`) gains a key with every report and is read by every report, almost
/// always for a key that is not there; this answers those reads from about 2 bytes per key
/// instead of the key and its record in memory, and the few that may be there are read from
/// the environment. Keys are never removed (the index never loses one; a key of a batch that
/// was undone only costs a read now and then).
struct KeyFilter {
    private var words: [UInt64]
    private var mask: Int
    /// Keys inserted, and how many it takes before the false positives pass about 1 in 1,000.
    private(set) var count = 0
    private(set) var capacity: Int
    private static let bitsPerKey = 16
    private static let probes = 8

    init(capacity: Int) {
        var bits = 1 << 16
        while bits < capacity * Self.bitsPerKey { bits <<= 1 }
        words = Array(repeating: 0, count: bits / 64)
        mask = bits - 1
        self.capacity = bits / Self.bitsPerKey
    }

    /// Whether more keys would make it too loose: rebuild it larger.
    var isFull: Bool { count > capacity }

    mutating func insert(_ key: String) {
        let (a, b) = Self.hashes(key)
        for i in 0..<Self.probes {
            let bit = Int(truncatingIfNeeded: a &+ UInt64(i) &* b) & mask
            words[bit >> 6] |= 1 << UInt64(bit & 63)
        }
        count += 1
    }

    func mayContain(_ key: String) -> Bool {
        let (a, b) = Self.hashes(key)
        for i in 0..<Self.probes {
            let bit = Int(truncatingIfNeeded: a &+ UInt64(i) &* b) & mask
            if words[bit >> 6] & (1 << UInt64(bit & 63)) == 0 { return false }
        }
        return true
    }

    /// The probes' start and step, from one 64-bit hash (its halves; double hashing), the step
    /// odd so that the probes cover the table. The process's seeded hasher: the filter is never
    /// stored. One hash per key: the duplicate check runs once per report.
    private static func hashes(_ key: String) -> (UInt64, UInt64) {
        let h = UInt64(bitPattern: Int64(key.hashValue))
        return (h & 0xFFFF_FFFF, (h >> 32) | 1)
    }
}
