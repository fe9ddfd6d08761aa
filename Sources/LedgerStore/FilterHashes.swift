import LedgerCore

/// The key filter's part of the rules checkpoint: the 64-bit hashes (`ResidentState.filterHash`)
/// of the keys of the filtered namespace (the duplicate index, one key per report),
/// under a seed drawn when the checkpoint is emptied. A writer that starts builds its key filter
/// from them, 8 bytes a key read in order, instead of reading every key of those namespaces
/// twice (to count, then to insert): at 20 million entries that was over a quarter of a restart.
///
/// Database `filter`: per step that wrote filtered keys, under its number (u64 BE, from 0 when
/// the checkpoint was emptied), the SHA-256 of the seed (u64 LE), that number and the hashes,
/// then the hashes (u64 LE each).
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

        /// Stores the hashes collected in a record after the others (none: nothing written).
        func store(_ txn: LMDBTransaction, database: LMDBDatabase) throws {
            guard !hashes.isEmpty else { return }
            // Numbered, not keyed by the size the step reaches: a step to where the checkpoint
            // stands (a test's, or a repair's) must add to the hashes, not replace a step's.
            let number = try [UInt8](repeating: 0xFF, count: 9).withUnsafeBytes { end in
                try txn.last(database, before: end).map { k, _ in k.count == 8 ? UInt64(bigEndian: k.loadUnaligned(as: UInt64.self)) &+ 1 : 0 }
            } ?? 0
            var value = [UInt8](repeating: 0, count: 32)
            value.reserveCapacity(32 + hashes.count * 8)
            for h in hashes { withUnsafeBytes(of: h.littleEndian) { value.append(contentsOf: $0) } }
            let digest = value.withUnsafeBytes { FilterHashes.digest(seed: seed, number: number, hashes: UnsafeRawBufferPointer(rebasing: $0[32...])) }
            digest.withUnsafeBytes { d in value.withUnsafeMutableBytes { $0.copyMemory(from: d) } }
            try withUnsafeBytes(of: number.bigEndian) { k in try value.withUnsafeBytes { try txn.put(database, key: k, value: $0) } }
        }
    }

    private static func digest(seed: UInt64, number: UInt64, hashes: UnsafeRawBufferPointer) -> Digest {
        let sha = SHA256Context()
        sha.begin()
        withUnsafeBytes(of: seed.littleEndian) { sha.update($0) }
        withUnsafeBytes(of: number.bigEndian) { sha.update($0) }
        sha.update(hashes)
        return sha.finish()
    }

    /// A stored record's number, digest and hashes; nil when its shape is none a step writes.
    private static func record(_ k: UnsafeRawBufferPointer, _ v: UnsafeRawBufferPointer) -> (number: UInt64, digest: UnsafeRawBufferPointer, hashes: UnsafeRawBufferPointer)? {
        guard k.count == 8, v.count > 32, (v.count - 32) % 8 == 0 else { return nil }
        return (UInt64(bigEndian: k.loadUnaligned(as: UInt64.self)), UnsafeRawBufferPointer(rebasing: v[..<32]), UnsafeRawBufferPointer(rebasing: v[32...]))
    }

    /// Hands a whole record's hashes to `body`; false (nothing handed) when its digest does not match.
    private static func forEachHash(of r: (number: UInt64, digest: UnsafeRawBufferPointer, hashes: UnsafeRawBufferPointer), seed: UInt64,
                                    _ body: (UInt64) -> Void) -> Bool {
        guard digest(seed: seed, number: r.number, hashes: r.hashes).withUnsafeBytes({ $0.elementsEqual(r.digest) }) else { return false }
        var i = 0
        while i < r.hashes.count {
            body(UInt64(littleEndian: r.hashes.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
            i += 8
        }
        return true
    }

    /// Starts building the key filter from the checkpoint's hashes that `reader` sees, on
    /// another thread; nil when there is no seed or a record has a shape no step writes. The
    /// thread reads the records' pages, never the transaction (whose cursors are this thread's),
    /// and each record only once its digest matches: its result is nil at the first that does
    /// not. Wait for it before `reader`'s transaction ends: the pages are valid until then.
    /// `room`: keys more it is to have room for (the layers').
    static func startBuilding(_ reader: StoreStateReader, room: Int = 0) throws -> BackgroundResult<ResidentState.BuiltFilter?>? {
        guard let database = reader.filterHashes, let seed = try seed(reader.txn, meta: reader.metaDatabase) else { return nil }
        var records: [(number: UInt64, digest: UnsafeRawBufferPointer, hashes: UnsafeRawBufferPointer)] = []
        var count = 0, whole = true
        try reader.txn.scan(database, from: nil) { k, v in
            guard let r = record(k, v) else { whole = false; return false }
            records.append(r)
            count += r.hashes.count / 8
            return true
        }
        guard whole else { return nil }
        let pages = Handoff(value: records), stored = count
        return BackgroundResult(on: .global()) {
            var intact = true
            let built = ResidentState.buildFilter(seed: seed, source: .storedHashes(stored), room: room) { insert in
                for r in pages.value where !forEachHash(of: r, seed: seed, insert) {
                    intact = false
                    return
                }
            }
            return intact ? built : nil
        }
    }
}

extension FilterHashes {
    /// What is wrong with the key filter's hashes of the checkpoint `reader` reads, or nil: every
    /// record whole, and the hash of every key of its filtered namespaces among them (a writer
    /// builds its filter from them: a key without its hash would make a report sent again a new
    /// one). For `verify`.
    static func problem(_ reader: StoreStateReader, database: LMDBDatabase) throws -> String? {
        guard let seed = try seed(reader.txn, meta: reader.metaDatabase) else { return "has no seed of its key filter's hashes (meta/\(seedKey))" }
        var stored = Set<UInt64>()
        var damaged: String?
        try reader.txn.scan(database, from: nil) { k, v in
            guard let r = record(k, v), forEachHash(of: r, seed: seed, { stored.insert($0) }) else {
                damaged = k.count == 8 ? String(UInt64(bigEndian: k.loadUnaligned(as: UInt64.self))) : Hex.encode(k)
                return false
            }
            return true
        }
        if let damaged { return "has a damaged record of its key filter's hashes (\(database.name)/\(damaged))" }
        var missing: String?
        try ResidentState.forEachFilteredKey(reader) { k in
            if missing == nil, !stored.contains(ResidentState.filterHash(keyBytes: k, seed: seed)) { missing = String(decoding: k, as: UTF8.self) }
        }
        return missing.map { "lacks the hash of \($0) among its key filter's (\(database.name)/)" }
    }
}
