import Foundation
import LedgerCore
import LedgerStore

/// Why a sequencer cannot append at all.
public enum SequencerError: Error, Equatable, CustomStringConvertible {
    case notTheRegistryKey(current: NoteVerifierKey, held: [NoteVerifierKey])
    /// Another process appended between this batch's preparation and its commit; nothing of
    /// the batch was written, and preparing it again from the store fixes it.
    case concurrentWriter(expectedSize: UInt64, foundSize: UInt64)
    /// The state did not reflect the log the batch was to be prepared over (a state commit
    /// failed, or another process is catching it up); preparing it again from the store fixes it.
    case stateBehind(stateSize: UInt64, logSize: UInt64)
    /// Other writers moved the rules checkpoint each time this writer loaded its rules' state
    /// from it; the batch was not prepared.
    case checkpointMoving(attempts: Int)

    public var description: String {
        switch self {
        case .notTheRegistryKey(let current, let held):
            return "the ledger's registry key is now \(current) (rotated), but this writer holds \(held.map(\.name).joined(separator: ", ")); "
                + "restart it so it loads the ledger directory's registry.key"
        case .concurrentWriter(let expected, let found):
            return "another writer appended to the ledger since this batch was prepared over its first \(expected) entries (it now has \(found), not ending where the batch expected); nothing was written"
        case .stateBehind(let state, let log):
            return "the ledger's state reflects \(state) entries of its \(log); it is caught up from the log before the next batch"
        case .checkpointMoving(let attempts):
            return "other writers moved the rules checkpoint each of the \(attempts) times this writer loaded its rules' state from it; stop the other writers of this ledger directory, or try again"
        }
    }
}
