import Foundation
import LedgerCore
import LedgerStore

/// The writer's view of the log, kept between commits and rebuilt from the store when another
/// process appended meanwhile (LMDB serialises writers across processes).
struct WriterState {
    var ledger: LedgerState
    var frontier: MerkleFrontier
    var head: Digest
    var lastTime: Timestamp
}
