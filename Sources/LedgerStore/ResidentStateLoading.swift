import LedgerCore

extension ResidentState {
    /// The rules' records of the state environment as `reader` sees it, and its size. The
    /// caller makes sure the environment is trusted (`StateSync.catchUp`); the log may have
    /// moved past it, and the caller replays the rest.
    public static func load(_ reader: StoreReader) throws -> ResidentState {
        let state = ResidentState()
        state.expectFiltered(try filteredKeys(reader).count)
        try reader.stateTxn.scan(reader.store.state, from: nil) { k, v in
            state.load(key: String(decoding: k, as: UTF8.self), canonical: Array(v))
            return true
        }
        state.reflect(size: try reader.stateSize())
        return state
    }

    /// The duplicate index keys of the state environment (`isFiltered`), to rebuild the filter.
    public static func filteredKeys(_ reader: StoreReader) throws -> [String] {
        let prefix = Array("src/".utf8)
        var keys: [String] = []
        try prefix.withUnsafeBytes { start in
            try reader.stateTxn.scan(reader.store.state, from: start) { k, _ in
                guard k.starts(with: prefix) else { return false }
                keys.append(String(decoding: k, as: UTF8.self))
                return true
            }
        }
        return keys
    }
}
