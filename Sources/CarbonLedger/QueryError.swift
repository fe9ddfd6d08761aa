import Foundation
import LedgerCore
import LedgerStore

/// Errors of the read-side queries.
public enum QueryError: Error, Equatable, CustomStringConvertible {
    case noSuchAccount(String)
    case noSuchRetirement(String)
    case noSuchRequest(String)
    case noSuchFootprint(String)
    case badFilter(String, [String])
    case badDimension(String)
    case repeatedDimension(String)

    public var description: String {
        switch self {
        case .noSuchAccount(let id): return "account \(id) is not open in this ledger"
        case .noSuchRequest(let id): return "there is no issuance request or batch \(id) in this ledger"
        case .noSuchRetirement(let id): return "there is no retirement \(id) in this ledger (list them with `cledger retirements`)"
        case .noSuchFootprint(let id): return "there is no event footprint \(id) in this ledger (list them with `cledger list footprints`)"
        case .badFilter(let name, let allowed): return "cannot filter by \(name); the filters are \(allowed.joined(separator: ", "))"
        case .badDimension(let d): return "cannot group by \"\(d)\"; use region, scenario, and day or month"
        case .repeatedDimension(let d): return "\"\(d)\" is given twice; name each dimension once"
        }
    }
}
