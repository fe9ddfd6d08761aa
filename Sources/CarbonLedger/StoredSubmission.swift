import Foundation
import LedgerCore
import LedgerStore

/// A submission as the log stores it (`StoreReader.storedSubmission`).
public struct StoredSubmission {
    public var submission: Submission
    public var firstSeq: UInt64
    /// The commit time of its entries.
    public var time: Timestamp
    public var leafHashes: [Digest]
}
