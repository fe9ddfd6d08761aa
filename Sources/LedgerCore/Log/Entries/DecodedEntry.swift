/// An entry decoded from its stored bytes with what every replay hashes of it: its leaf hash,
/// and its event's canonical bytes (a slice of the entry's) with their leaf hash, from which
/// `SubmissionAssembler` derives the submission's root without encoding the event again.
/// Replays make these on other cores (`LogChunks`), so the thread that runs the rules hashes
/// nothing but the submission's tree above its events.
public struct DecodedEntry: Sendable {
    public var entry: Entry
    public var leafHash: Digest
    public var eventBytes: [UInt8]
    public var eventLeafHash: Digest

    /// Decodes stored entry bytes (`Entry.decode`) and hashes them and their event.
    public init(_ bytes: [UInt8], hasher: MerkleHasher) throws(EntryError) {
        try self.init(bytes, leafHash: hasher.leafHash(bytes), hasher: hasher)
    }

    /// `init(_:hasher:)` of bytes whose leaf hash is known (a replay hashes every entry, the
    /// ones that do not decode too, for the tree).
    public init(_ bytes: [UInt8], leafHash: Digest, hasher: MerkleHasher) throws(EntryError) {
        let (entry, event) = try Entry.decodeLocatingEvent(bytes)
        self.entry = entry
        self.leafHash = leafHash
        eventBytes = Array(bytes[event])
        eventLeafHash = hasher.leafHash(eventBytes)
    }

    /// An entry given as a value (a test changes one to make entries that are not a log), its
    /// event encoded and hashed here.
    public init(entry: Entry, leafHash: Digest, hasher: MerkleHasher) {
        self.entry = entry
        self.leafHash = leafHash
        eventBytes = CanonicalJSON.encode(entry.event)
        eventLeafHash = hasher.leafHash(eventBytes)
    }
}
