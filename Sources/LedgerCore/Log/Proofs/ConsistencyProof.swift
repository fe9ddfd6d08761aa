/// A consistency proof: the tree of the `from` checkpoint is a prefix of the tree of the `to`
/// checkpoint.
public struct ConsistencyProof: Equatable, Sendable {
    public static let type = "carbonledger/consistency-proof/v1"
    public var fromCheckpoint: String
    public var toCheckpoint: String
    public var hashes: [Digest]

    public init(fromCheckpoint: String, toCheckpoint: String, hashes: [Digest]) {
        self.fromCheckpoint = fromCheckpoint; self.toCheckpoint = toCheckpoint; self.hashes = hashes
    }

    public var json: JSONValue {
        let sizes = try? (Checkpoint(text: SignedNote.parse(fromCheckpoint).text).size, Checkpoint(text: SignedNote.parse(toCheckpoint).text).size)
        return ["type": .string(Self.type), "from_size": .int(Int64(sizes?.0 ?? 0)), "to_size": .int(Int64(sizes?.1 ?? 0)),
                "hashes": .array(hashes.map { .string($0.hex) }),
                "from_checkpoint": .string(fromCheckpoint), "to_checkpoint": .string(toCheckpoint)]
    }

    /// Verifies offline; returns both checkpoints.
    @discardableResult
    public func verify(key: NoteVerifierKey) throws(ProofError) -> (Checkpoint, Checkpoint) { try verify(keys: [key]) }

    /// Verifies offline, each checkpoint against any of the trusted registry keys (a proof
    /// across a key rotation has its two checkpoints signed by different keys).
    @discardableResult
    public func verify(keys: [NoteVerifierKey]) throws(ProofError) -> (Checkpoint, Checkpoint) {
        let a: Checkpoint, b: Checkpoint
        do { a = try Checkpoint.open(fromCheckpoint, keys: keys) } catch { throw .checkpoint("from_checkpoint", error) }
        do { b = try Checkpoint.open(toCheckpoint, keys: keys, origin: a.origin) } catch { throw .checkpoint("to_checkpoint", error) }
        // Every checkpoint of a ledger covers at least its genesis entry (SPEC.md 7.2): a proof
        // from the empty tree proves nothing about this log.
        guard a.size >= 1 else { throw .field("from_size", "must be at least 1: every checkpoint of a ledger covers its genesis entry") }
        do {
            try MerkleVerifier.verifyConsistency(size1: a.size, size2: b.size, root1: a.root, root2: b.root, proof: hashes, hasher: MerkleHasher())
        } catch { throw .merkle(error) }
        return (a, b)
    }
}
