/// The leaf hashes of a submission's entries, begun before the submission is sequenced. An
/// entry's canonical bytes start with its event (`{"event":EVENT,"prev":"...`: members in
/// canonical order), and SHA-256 absorbs bytes in order, so the hash state after `0x00`, that
/// opening and the event is the same wherever and whenever the entry is appended. Computed on
/// the submitting client's thread, it leaves the rules thread only the entry's tail to hash
/// (prev, seq, sub, time): the hashing runs on other cores, as issue 23 asks, and the leaf hash
/// is the one `MerkleHasher.leafHash` computes over the whole entry (`LeafPrefixesTests`).
public final class LeafPrefixes: @unchecked Sendable {
    /// One hash state per event; never updated after `init` (only copied from).
    private let states: [SHA256Context]

    public init(eventBytes: [[UInt8]]) {
        var prefix: [UInt8] = []
        states = eventBytes.map { event in
            prefix.removeAll(keepingCapacity: true)
            prefix.append(0)
            Entry.writeEventPrefix(eventBytes: event, into: &prefix)
            let sha = SHA256Context()
            sha.begin()
            prefix.withUnsafeBytes { sha.update($0) }
            return sha
        }
    }

    public var count: Int { states.count }

    /// The leaf hash of event `index`'s entry, whose bytes are `entry`: only the bytes after
    /// the event's prefix are hashed, in `hasher`'s context.
    func leafHash(_ index: Int, entry: [UInt8], eventCount: Int, hasher: MerkleHasher) -> Digest {
        hasher.sha.copy(from: states[index])
        entry.withUnsafeBytes { hasher.sha.update(UnsafeRawBufferPointer(rebasing: $0[Entry.eventPrefixLength(eventCount)...])) }
        return hasher.sha.finish()
    }
}

extension Submission {
    /// This submission with its entries' leaf hashes begun (`LeafPrefixes`): call it on the
    /// thread that received the submission, before handing it to the sequencer.
    public func withLeafPrefixes() -> Submission {
        var s = self
        s.leafPrefixes = LeafPrefixes(eventBytes: eventBytes)
        return s
    }
}
