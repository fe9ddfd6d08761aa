import LedgerCore

extension ResidentState {
    /// The records the state in memory keeps of a rules checkpoint (`RuleCheckpoints`) as
    /// `reader` sees it, and its size; the log may have moved past it, and the caller replays
    /// the rest. Its index of behaviours is made from the records `index` says
    /// (`BehaviourIndex.source`).
    public static func load(_ reader: StoreStateReader, index source: BehaviourIndex.Source) throws -> ResidentState {
        // The key filter is built from the checkpoint's hashes on another thread meanwhile (it
        // was over a quarter of a restart at 20 million entries, all cache misses), and so is
        // the index of behaviours; the records they read are the snapshot's, so they are waited
        // for before this returns or throws.
        let indexing = try BehaviourIndex.startLoading(reader, from: source)
        let state = ResidentState(agesDays: source.ages)
        let loaded = Result { () throws -> ResidentState.BuiltFilter? in
            let building = try FilterHashes.startBuilding(reader)
            let held = Result { try loadHeld(into: state, reader) }
            let built = try building?.wait() ?? nil
            try held.get()
            return built
        }
        // Waited for whatever failed above.
        let index = Result { try indexing.wait() }
        let built = try loaded.get()
        state.install(try index.get())
        if let built { state.install(built) } else { try state.rebuildFilter(fromKeysOf: reader) }
        state.reflect(size: try reader.size())
        return state
    }

    /// Loads the records the state in memory holds.
    private static func loadHeld(into state: ResidentState, _ reader: StoreStateReader) throws {
        // Counted first, so that the table is made once: grown by doubling from empty, its
        // copies were most of the page faults of a restart (millions of records).
        var count = 0
        try forEachHeld(reader) { _, _ in count += 1 }
        state.reserveCapacity(count)
        try forEachHeld(reader) { key, value in
            // Kept as stored, packed or not, and read as JSON only when a rule asks (writing the
            // JSON of every record here was half a restart's time); checked now, so that a record
            // that does not read back sends the writer to the log rather than a rule to an error.
            if PackedRecord.isPacked(value), !PackedRecord.isWellFormed(value) { throw RuleCheckpoints.damaged(String(decoding: key, as: UTF8.self)) }
            state.load(key: String(decoding: key, as: UTF8.self), canonical: Array(value))
        }
    }

    /// Calls `body` with the key and value of each record of the checkpoint the state in memory
    /// holds (bytes valid only during the call). Namespaces it does not keep are stepped over,
    /// not read: the cold records are most of the checkpoint's pages. A key is tested by its
    /// bytes and its namespace (a short string, not allocated): the count before a load walks
    /// millions.
    private static func forEachHeld(_ reader: StoreStateReader, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) throws {
        var from: [UInt8] = []
        while true {
            var next: [UInt8]?
            try from.withUnsafeBytes { start in
                try reader.txn.scan(reader.records, from: from.isEmpty ? nil : start) { k, v in
                    if let slash = k.firstIndex(of: UInt8(ascii: "/")) {
                        // Whether a namespace is kept is a test of its prefix, slash included.
                        let namespace = String(decoding: k[...slash], as: UTF8.self)
                        if ResidentState.isCold(namespace) || !ResidentState.holds(namespace) {
                            // Past every key of this namespace: its prefix and the greatest byte.
                            next = Array(k[...slash]) + [0xFF]
                            return false
                        }
                    }
                    try body(k, v)
                    return true
                }
            }
            guard let n = next else { break }
            from = n
        }
    }

    /// Builds the key filter anew from the checkpoint's hashes of its filtered keys
    /// (`FilterHashes`), and the layers'; from the keys themselves when `reader` is not a
    /// checkpoint's or its hashes are not whole. When the filter is full.
    public func rebuildFilter(from reader: StoreStateReader) throws {
        if let built = try FilterHashes.startBuilding(reader, room: layeredKeys)?.wait() ?? nil { return install(built) }
        try rebuildFilter(fromKeysOf: reader)
    }

    /// Builds the key filter from the keys of `reader`'s filtered namespaces, read twice (to
    /// count and to insert) under a seed of its own, and the layers'.
    func rebuildFilter(fromKeysOf reader: StoreStateReader) throws {
        let seed = UInt64.random(in: .min ... .max)
        let count = try Self.forEachFilteredKey(reader) { _ in }
        try rebuildFilter(seed: seed, source: .storedKeys(count)) { insert in
            try Self.forEachFilteredKey(reader) { insert(Self.filterHash(keyBytes: $0, seed: seed)) }
        }
    }

    /// Calls `body` with each key of the checkpoint's filtered namespaces, as bytes
    /// valid only during the call; returns how many there are.
    @discardableResult
    static func forEachFilteredKey(_ reader: StoreStateReader, _ body: (UnsafeRawBufferPointer) -> Void) throws -> Int {
        var count = 0
        for namespace in filteredNamespaces {
            let prefix = Array(namespace.utf8)
            try prefix.withUnsafeBytes { start in
                try reader.txn.scan(reader.records, from: start) { k, _ in
                    guard k.starts(with: prefix) else { return false }
                    body(k)
                    count += 1
                    return true
                }
            }
        }
        return count
    }
}
