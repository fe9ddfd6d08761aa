/// A Bloom filter over state keys: whether a key may be in the state environment. The
/// duplicate index (`src/`) gains a key with a report and is read by every report, almost
/// always for a key that is not there; this answers those reads from 2 to 4 bytes per key
/// instead of the key and its record in memory, and the few that may be there are read from
/// the environment. Keys are never removed (the index never loses one; a key of a batch that
/// was undone only costs a read now and then).
///
/// Blocked: a key's probes all fall in one block of 512 bits (eight words, about a cache line),
/// so an insert or a check misses the cache once or twice instead of once per probe. Building
/// the filter of 20 million keys at a restart took seconds of cache misses with the probes
/// spread over the whole table; a block costs a few false positives more (the test bounds them).
///
/// A key goes in as its 64-bit hash under the filter's seed, which does not depend on the
/// filter's size: the rules checkpoint stores the hashes of its keys under its own seed
/// (`RuleCheckpoints`), and a filter built from them takes that seed.
struct KeyFilter {
    private var words: [UInt64]
    private var mask: Int
    /// Keys inserted, and how many it takes before the false positives pass about 1 in 1,000.
    private(set) var count = 0
    private(set) var capacity: Int
    /// The hash's seed, drawn for each filter or the checkpoint's: keys chosen to collide cost a
    /// platform only reads of the store, and cannot be chosen without it.
    let seed: UInt64
    private static let bitsPerKey = 16
    private static let probes = 8

    init(capacity: Int, seed: UInt64 = .random(in: .min ... .max)) {
        self.seed = seed
        var bits = 1 << 16
        while bits < capacity * Self.bitsPerKey { bits <<= 1 }
        words = Array(repeating: 0, count: bits / 64)
        mask = bits - 1
        self.capacity = bits / Self.bitsPerKey
    }

    /// Whether more keys would make it too loose: rebuild it larger.
    var isFull: Bool { count > capacity }

    mutating func insert(_ key: String) {
        insert(hash: Self.withBytes(key) { Self.hash($0, seed: seed) })
    }

    /// Inserts a key given as its hash under this filter's seed (`hash(_:seed:)`).
    mutating func insert(hash h: UInt64) {
        let (block, a, b) = probes(h)
        for i in 0..<Self.probes {
            let bit = Int(truncatingIfNeeded: a &+ UInt64(i) &* b) & 511
            words[block + bit >> 6] |= 1 << UInt64(bit & 63)
        }
        count += 1
    }

    func mayContain(_ key: String) -> Bool {
        let (block, a, b) = probes(Self.withBytes(key) { Self.hash($0, seed: seed) })
        for i in 0..<Self.probes {
            let bit = Int(truncatingIfNeeded: a &+ UInt64(i) &* b) & 511
            if words[block + bit >> 6] & (1 << UInt64(bit & 63)) == 0 { return false }
        }
        return true
    }

    /// From one 64-bit hash: the first word of the key's block (its high half), and the start
    /// and step of the probes in the block (double hashing), the step odd so that the eight
    /// probes are eight bits. One hash per key: the check runs once per report.
    private func probes(_ h: UInt64) -> (block: Int, start: UInt64, step: UInt64) {
        let block = Int(truncatingIfNeeded: h >> 32) & (mask >> 9)
        return (block << 3, h & 511, (h >> 9) & 511 | 1)
    }

    private static func withBytes<T>(_ key: String, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        if let r = key.utf8.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) { return r }
        return Array(key.utf8).withUnsafeBytes(body)
    }

    /// MurmurHash64A of `bytes` (Austin Appleby, public domain): the same value for a key's
    /// bytes read from LMDB and for the key as a string, which Swift's `hashValue` (of
    /// Unicode characters) does not promise; eight bytes a round.
    static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        let m: UInt64 = 0xC6A4_A793_5BD1_E995
        let r: UInt64 = 47
        var h = seed ^ (UInt64(bytes.count) &* m)
        var i = 0
        while i + 8 <= bytes.count {
            var k = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            k &*= m; k ^= k >> r; k &*= m
            h ^= k; h &*= m
            i += 8
        }
        if i < bytes.count {
            var tail: UInt64 = 0
            for j in stride(from: bytes.count - 1, through: i, by: -1) { tail = tail << 8 | UInt64(bytes[j]) }
            h ^= tail; h &*= m
        }
        h ^= h >> r; h &*= m; h ^= h >> r
        return h
    }
}
