import Foundation
import Synchronization
import LedgerCore
import LedgerStore

/// How far the running verification has read the log: a crash handler reads it to say where a
/// damaged data file made LMDB fault (LMDB has no page checksums, so a damaged page header can
/// crash the reader instead of returning an error). Lock-free atomics: the replay's threads
/// write it, a signal handler reads it, and concurrent verifications (tests) may share it.
public enum VerificationPosition {
    private static let seqValue = Atomic<UInt64>(0)
    private static let readingValue = Atomic<Bool>(false)
    private static let readingStateValue = Atomic<Bool>(false)

    public static var seq: UInt64 {
        get { seqValue.load(ordering: .relaxed) }
        set { seqValue.store(newValue, ordering: .relaxed) }
    }

    /// False until the replay reads its first entry (a fault before is in opening the file).
    public static var reading: Bool {
        get { readingValue.load(ordering: .relaxed) }
        set { readingValue.store(newValue, ordering: .relaxed) }
    }

    /// True while the stored projections (the state's file) are read, not the log.
    public static var readingState: Bool {
        get { readingStateValue.load(ordering: .relaxed) }
        set { readingStateValue.store(newValue, ordering: .relaxed) }
    }
}
