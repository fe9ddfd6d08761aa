import LedgerCore

extension ResidentState {
    /// The rules' records of the state environment as `reader` sees it, and its size. The
    /// caller makes sure the environment is trusted (`StateSync.catchUp`); the log may have
    /// moved past it, and the caller replays the rest. The intervals and daily caps of days
    /// before `agedBefore` are left to the environment (`ResidentState.age`).
    public static func load(_ reader: StoreReader, agedBefore: Int? = nil) throws -> ResidentState {
        let state = ResidentState()
        if let agedBefore { state.age(before: agedBefore) }
        let filtered = try filteredKeys(reader)
        state.expectFiltered(filtered.count)
        for key in filtered { state.noteStored(filteredKey: key) }
        // Namespaces the state does not keep are stepped over, not read: the read models and
        // the cold records are most of the environment's pages.
        var from: [UInt8] = []
        while true {
            var next: [UInt8]?
            try from.withUnsafeBytes { start in
                try reader.stateTxn.scan(reader.store.state, from: from.isEmpty ? nil : start) { k, v in
                    let key = String(decoding: k, as: UTF8.self)
                    if let aged = state.agedBefore, let day = ResidentState.dayOf(key), day < aged,
                       let slash = k.firstIndex(of: UInt8(ascii: "/")) {
                        // To the namespace's first day not aged out (`iv/long/` sorts after every day).
                        next = Array(k[...slash]) + Array(String(aged).utf8)
                        return false
                    }
                    if let slash = k.firstIndex(of: UInt8(ascii: "/")), ResidentState.isCold(key) || !ResidentState.holds(key) {
                        // Past every key of this namespace: its prefix and the greatest byte.
                        next = Array(k[...slash]) + [0xFF]
                        return false
                    }
                    state.load(key: key, canonical: Array(v))
                    return true
                }
            }
            guard let n = next else { break }
            from = n
        }
        state.reflect(size: try reader.stateSize())
        return state
    }

    /// The keys of the state environment's filtered namespaces (`isFiltered`), to build the filter.
    public static func filteredKeys(_ reader: StoreReader) throws -> [String] {
        var keys: [String] = []
        for namespace in filteredNamespaces {
            let prefix = Array(namespace.utf8)
            try prefix.withUnsafeBytes { start in
                try reader.stateTxn.scan(reader.store.state, from: start) { k, _ in
                    guard k.starts(with: prefix) else { return false }
                    keys.append(String(decoding: k, as: UTF8.self))
                    return true
                }
            }
        }
        return keys
    }
}
