/// Where an entry's event came from: its signed submission.
public struct SubmissionRef: Equatable, Sendable {
    /// The submission's RFC 6962 root over its events' leaf hashes.
    public var root: Digest
    /// This event's position in the submission.
    public var index: Int
    /// Events in the submission.
    public var count: Int
    /// Signer and signature are recorded once, on the submission's first entry (index 0).
    public var signer: NoteVerifierKey?
    public var signature: [UInt8]?

    public init(root: Digest, index: Int, count: Int, signer: NoteVerifierKey? = nil, signature: [UInt8]? = nil) {
        self.root = root; self.index = index; self.count = count; self.signer = signer; self.signature = signature
    }
}
