import Foundation
import LedgerCore
import LedgerStore

extension Ledger {
    /// An event footprint (SPEC.md 8.24) with its progress and the retirements made for it,
    /// oldest first: each names its certificate (`cledger certificate ID`).
    public func footprint(_ id: String) throws -> JSONValue {
        try store.read { r in
            guard var fp = try r.state("fp/\(id)")?.objectValue else { throw QueryError.noSuchFootprint(id) }
            let toward = try r.stateRecords(prefix: "ret/").compactMap { key, ret -> JSONValue? in
                guard ret["footprint"]?.stringValue == id else { return nil }
                return ["retirement": .string(String(key.dropFirst(4))), "units": ret["units"] ?? 0, "batch": ret["batch"] ?? .null,
                        "account": ret["account"] ?? .null, "beneficiary": ret["beneficiary"] ?? .null, "seq": ret["seq"] ?? .null,
                        "time": ret["time"] ?? .null]
            }.sorted { ($0["seq"]?.intValue ?? 0) < ($1["seq"]?.intValue ?? 0) }
            fp["footprint"] = .string(id)
            fp["progress"] = .string(Self.footprintProgress(retiredKg: fp["retired_kg"]?.intValue ?? 0, amountKg: fp["amount_kg"]?.intValue ?? 1))
            fp["retirements_toward"] = .array(toward)
            return .object(fp)
        }
    }

    /// "12.5% (15 of 120 kg)": in tenths of a percent, rounded down, with no floating point.
    public static func footprintProgress(retiredKg: Int64, amountKg: Int64) -> String {
        let permille = amountKg > 0 ? scaled(retiredKg, by: 1000, per: amountKg) : 0
        return "\(permille / 10).\(permille % 10)% (\(retiredKg) of \(amountKg) kg)"
    }
}
