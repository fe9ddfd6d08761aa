import LedgerCore

extension Ledger {
    /// The serial blocks `account` holds in `batch`, ascending.
    public func holdings(_ account: String, batch: String) throws -> [(Int64, Int64)] {
        try store.read { r in
            try r.stateRecords(prefix: "hold/\(account)/\(batch)/").map { k, v in (Int64(k.split(separator: "/").last!)!, v["last"]!.intValue!) }
        }
    }

    /// One state record (for tools and the demo).
    public func state(_ key: String) throws -> JSONValue? { try store.read { try $0.state(key) } }
}
