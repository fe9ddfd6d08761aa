import Foundation
import LedgerCore

/// Keys of the `meta` database.
public enum MetaKey: String, CaseIterable, Sendable {
    case format, origin, size, head, lastTime = "last_time", checkpoint
    /// The state size (u64 BE) at which the state environment was last flushed to disk; present
    /// only while no state was written since (SPEC.md section 10).
    case stateSynced = "state_synced"
    /// Counts rebuilds of the state (u64 BE), so a flush that raced one is not marked as on disk.
    case stateEpoch = "state_epoch"
}
