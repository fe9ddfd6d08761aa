import Foundation
import LedgerCore

/// Keys of the state environment's `state_meta` database.
public enum StateMetaKey: String, CaseIterable, Sendable {
    /// How many log entries the state reflects (u64 BE): the state is the reducer's after
    /// entries `0 ..< size`.
    case size
    /// The machine's boot id when the state was last written: within the same boot the page
    /// cache holds every state commit, whether or not it reached the disk.
    case boot
    /// `LogStore.stateFormat` when the state was last written: a state another format wrote is
    /// rebuilt from the log, whose format is the same.
    case format
    /// Only in an auditor's kept replay (`verify --audit-state`): where it stands, as canonical
    /// JSON (SPEC.md section 9.1), written with the state it describes.
    case audit
}
