import Foundation
import LedgerCore
import LedgerStore

/// Why an audit state cannot be used. Nothing in it or in the ledger is changed.
public enum AuditStateError: Error, Equatable, CustomStringConvertible {
    case notAnAuditState(String)
    case inUse(String)
    case otherLedger(dir: String, audited: String, ledger: String)
    case otherStateFormat(found: String)
    case damaged(String)
    case partialReplay
    case io(String)

    public var description: String {
        switch self {
        case .notAnAuditState(let d):
            return "\(d) is not an audit state: give a new or empty directory (the first run replays the whole log into it), or one an earlier `verify --audit-state` wrote"
        case .inUse(let d): return "\(d) is in use by another `verify`; wait for it to finish"
        case .otherLedger(let d, let audited, let ledger):
            return "\(d) holds the audit of ledger \(audited), not of this ledger (\(ledger)); give each ledger its own audit state"
        case .otherStateFormat(let found):
            return "the audit state was written in state format \(found), this cledger replays \(ReplayPosition.stateFormat): remove the directory and run a full verify into it"
        case .damaged(let why): return "the audit state is damaged: \(why); remove the directory and run a full verify into it"
        case .partialReplay: return "an audit state records a whole verification; it cannot be combined with a replay up to a point"
        case .io(let what): return what
        }
    }
}
