import LedgerCore

/// The key filter's part of the rules checkpoint: the 64-bit hashes (`ResidentState.filterHash`)
/// of the keys of the filtered namespaces (the duplicate and act indexes, one key per report),
/// under a seed drawn when the checkpoint is emptied. A writer that starts builds its key filter
/// from them, 8 bytes a key read in order, instead of reading every key of those namespaces
/// twice (to count, then to insert): at 20 million entries that was most of a restart.
///
/// Database `filter`: per step that wrote filtered keys, under the size it reached (u64 BE), the
/// SHA-256 of the seed (u64 LE), that size and the hashes, then the hashes (u64 LE each). A key
/// deleted later (a reversal's act) keeps its hash: the filter never forgets a key anyway.
/// LMDB keeps no checksums: a record whose digest does not match, or a missing seed, makes the
/// start read the keys themselves instead (`ResidentState.load`), never a filter without a key.
public enum FilterHashes {
    /// The database's name in the checkpoint's environment.
    public static let database = "filter"
    static let seedKey = "filter_seed"

    /// The seed the checkpoint's hashes are under, nil when it has none.
    static func seed(_ txn: LMDBTransaction, meta: LMDBDatabase) throws -> UInt64? {
        guard let b = try txn.value(named: seedKey, in: meta), b.count == 8 else { return nil }
        return b.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
    }

    /// Empties the hashes and draws a new seed (the checkpoint is emptied with them).
    static func reset(_ txn: LMDBTransaction, database: LMDBDatabase, meta: LMDBDatabase) throws {
        try txn.clear(database)
        let seed = UInt64.random(in: .min ... .max)
        try Array(seedKey.utf8).withUnsafeBytes { k in
            try withUnsafeBytes(of: seed.littleEndian) { try txn.put(meta, key: k, value: $0) }
        }
    }

    /// Collects the hashes of a step's filtered keys as it writes them.
    struct Collector {
        let seed: UInt64
        private(set) var hashes: [UInt64] = []

        init(seed: UInt64) { self.seed = seed }

        mutating func wrote(_ key: String, _ content: StateOverlay.Content) {
            guard !content.isAbsent, ResidentState.isFiltered(key) else { return }
            var key = key
            hashes.append(key.withUTF8 { ResidentState.filterHash(keyBytes: UnsafeRawBufferPointer($0), seed: seed) })
        }

        /// Stores the hashes collected under the size the step reaches (none: nothing written).
        func store(at size: UInt64, _ txn: LMDBTransaction, database: LMDBDatabase) throws {
            guard !hashes.isEmpty else { return }
            var value = [UInt8](repeating: 0, count: 32)
            value.reserveCapacity(32 + hashes.count * 8)
            for h in hashes { withUnsafeBytes(of: h.littleEndian) { value.append(contentsOf: $0) } }
            let digest = value.withUnsafeBytes { FilterHashes.digest(seed: seed, size: size, hashes: UnsafeRawBufferPointer(rebasing: $0[32...])) }
            digest.withUnsafeBytes { d in value.withUnsafeMutableBytes { $0.copyMemory(from: d) } }
            try withUnsafeBytes(of: size.bigEndian) { k in try value.withUnsafeBytes { try txn.put(database, key: k, value: $0) } }
        }
    }

    private static func digest(seed: UInt64, size: UInt64, hashes: UnsafeRawBufferPointer) -> Digest {
        let sha = SHA256Context()
        sha.begin()
        withUnsafeBytes(of: seed.littleEndian) { sha.update($0) }
        withUnsafeBytes(of: size.bigEndian) { sha.update($0) }
        sha.update(hashes)
        return sha.finish()
    }

    /// Starts building the key filter from the checkpoint's hashes that `reader` sees, on
    /// another thread; nil when there is no seed or a record has a length no step writes. The
    /// thread reads the records' pages, never the transaction (whose cursors are this thread's),
    /// and each record only once its digest matches: its result is nil at the first that does
    /// not. Wait for it before `reader`'s transaction ends: the pages are valid until then.
    /// `room`: keys more it is to have room for (the layers').
    static func startBuilding(_ reader: StoreStateReader, room: Int = 0) throws -> BackgroundResult<ResidentState.BuiltFilter?>? {
        guard let database = reader.filterHashes, let seed = try seed(reader.txn, meta: reader.metaDatabase) else { return nil }
        var records: [(size: UInt64, value: UnsafeRawBufferPointer)] = []
        var count = 0, whole = true
        try reader.txn.scan(database, from: nil) { k, v in
            guard k.count == 8, v.count > 32, (v.count - 32) % 8 == 0 else { whole = false; return false }
            records.append((UInt64(bigEndian: k.loadUnaligned(as: UInt64.self)), v))
            count += (v.count - 32) / 8
            return true
        }
        guard whole else { return nil }
        let pages = Handoff(value: records), stored = count
        return BackgroundResult(on: .global()) {
            var intact = true
            let built = ResidentState.buildFilter(seed: seed, source: .storedHashes(stored), room: room) { insert in
                for (size, v) in pages.value {
                    let hashes = UnsafeRawBufferPointer(rebasing: v[32...])
                    guard digest(seed: seed, size: size, hashes: hashes).withUnsafeBytes({ $0.elementsEqual(v[..<32]) }) else { intact = false; return }
                    var i = 0
                    while i < hashes.count {
                        insert(UInt64(littleEndian: hashes.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
                        i += 8
                    }
                }
            }
            return intact ? built : nil
        }
    }
}
