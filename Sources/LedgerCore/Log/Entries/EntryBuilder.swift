/// The entries a submission becomes when appended at `firstSeq` after `prev` at `time`: their
/// canonical bytes and leaf hashes. Built before the reducer runs, because rules record the leaf
/// hashes (an issuance request commits to the root over its behaviours' leaf hashes).
public struct SubmissionEntries {
    public var bytes: [[UInt8]]
    public var leafHashes: [Digest]
    /// The leaf hash of the last entry: the next submission's `prev`.
    public var head: Digest { leafHashes.last! }

    public init(_ sub: Submission, firstSeq: UInt64, prev: Digest, time: Timestamp, hasher: MerkleHasher) {
        var timeBytes = [UInt8]()
        time.write(into: &timeBytes)
        let parts = Entry.SubmissionParts(SubmissionRef(root: sub.root, index: 0, count: sub.eventBytes.count,
                                                        signer: sub.signer, signature: sub.signature))
        bytes = []
        leafHashes = []
        bytes.reserveCapacity(sub.eventBytes.count)
        leafHashes.reserveCapacity(sub.eventBytes.count)
        var head = prev
        let prefixes = sub.leafPrefixes.flatMap { $0.count == sub.eventBytes.count ? $0 : nil }
        for (i, eventBytes) in sub.eventBytes.enumerated() {
            var buf = [UInt8]()
            Entry.write(seq: firstSeq + UInt64(i), prev: head, timeBytes: timeBytes, eventBytes: eventBytes, index: i, parts: parts, into: &buf)
            head = prefixes?.leafHash(i, entry: buf, eventCount: eventBytes.count, hasher: hasher) ?? hasher.leafHash(buf)
            bytes.append(buf)
            leafHashes.append(head)
        }
    }
}
