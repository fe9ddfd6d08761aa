import Foundation
import LedgerCore
import LedgerStore

extension Ledger {
    /// The transfers of each CST month (`mkt/MONTH`, SPEC.md section 10): all of them, and per
    /// currency those that stated a price, with the average price per tonne in the currency's
    /// minor unit (rounded down). Months in order, the month's total before its currencies.
    public func market() throws -> [JSONValue] {
        try store.read { r in
            try r.stateRecords(prefix: "mkt/").map { key, value in
                let parts = key.split(separator: "/").map(String.init)
                var o = value.objectValue ?? JSONObject()
                o["month"] = .string(parts.count > 1 ? parts[1] : "")
                if parts.count > 2 {
                    o["currency"] = .string(parts[2])
                    let units = value["units"]?.intValue ?? 0, amount = value["amount"]?.intValue ?? 0
                    // Units are kilograms: per tonne is a thousand of them.
                    if units > 0 { o["minor_per_t"] = .int(Self.scaled(amount, by: 1000, per: units)) }
                }
                return .object(o)
            }
        }
    }

    /// ⌊`value` × `factor` ÷ `whole`⌋ for non-negative figures and a positive `whole`, in
    /// integers: the product first, or, when it would overflow, the quotient first (exact to
    /// within `factor`). Prices per tonne, and how far a footprint is neutralised.
    static func scaled(_ value: Int64, by factor: Int64, per whole: Int64) -> Int64 {
        let (product, overflow) = value.multipliedReportingOverflow(by: factor)
        return overflow ? value / whole * factor : product / whole
    }
}
