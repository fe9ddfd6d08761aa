import LedgerCore

extension ResidentState {
    /// The rules' records of the state environment as `reader` sees it, and its size. The
    /// caller makes sure the environment is trusted (`StateSync.catchUp`); the log may have
    /// moved past it, and the caller replays the rest.
    public static func load(_ reader: StoreReader) throws -> ResidentState {
        let state = ResidentState()
        try reader.stateTxn.scan(reader.store.state, from: nil) { k, v in
            state.load(key: String(decoding: k, as: UTF8.self), canonical: Array(v))
            return true
        }
        state.reflect(size: try reader.stateSize())
        return state
    }
}
