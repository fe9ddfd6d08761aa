import Foundation
import LedgerCore

/// Errors from the ledger's store that are not plain LMDB failures.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    case missing(String)
    case corrupt(String)
    /// A file the store keeps beside its environments could not be written or read.
    case io(String)
    case notALedger(String)
    /// The directory was written in another layout (`meta/format`) than this build's.
    case unsupportedFormat(found: String, supported: String)
    /// A read-only open found the state in an older format (its rebuild is a writer's job).
    case staleState(found: String?)

    public var description: String {
        switch self {
        case .missing(let what): return "missing from the store: \(what)"
        case .corrupt(let what): return "store is corrupt: \(what)"
        case .io(let what): return what
        case .notALedger(let dir): return "\(dir) is not a CarbonLedger directory (run `cledger init` first)"
        case .unsupportedFormat(let found, let supported) where LogStore.upgradableFormats.contains(found):
            return "the ledger directory is in format \(found); this cledger reads \(supported) only (SPEC.md section 10). "
                + "Its log is the same in both: `cledger upgrade --dir DIR` (or any command that opens it for writing) rebuilds "
                + "its state from the log in the current format"
        case .unsupportedFormat(let found, let supported):
            return "the ledger directory is in format \(found); this cledger reads \(supported) only (SPEC.md section 10). "
                + "The log itself is the same in every format: `cledger mirror` pointed at a server running the cledger that wrote it "
                + "builds a verified copy in the current format"
        case .staleState(let found):
            return "the ledger's state (projections) is in format \(found ?? "3"), not \(LogStore.stateFormat): open the ledger once for "
                + "writing (`cledger upgrade --dir DIR`) and it is rebuilt from the log"
        }
    }
}
