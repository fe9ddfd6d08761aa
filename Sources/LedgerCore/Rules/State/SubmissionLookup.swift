/// Finds the first seq of an earlier submission with the same root (its identity), so a
/// replayed submission is refused.
public protocol SubmissionLookup {
    func firstSeq(ofSubmission root: Digest) throws -> UInt64?
}
