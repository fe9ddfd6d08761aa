import Foundation
import LedgerCore
import LedgerStore

/// Submission lookup through the store plus this batch's not yet committed submissions.
struct PendingLookup: SubmissionLookup {
    let reader: StoreReader
    let pending: [Digest: UInt64]
    func firstSeq(ofSubmission root: Digest) throws -> UInt64? {
        if let s = pending[root] { return s }
        return try reader.firstSeq(ofSubmission: root)
    }
}

/// For replaying the genesis submission, which has no predecessors.
struct NoLookup: SubmissionLookup {
    func firstSeq(ofSubmission root: Digest) throws -> UInt64? { nil }
}
