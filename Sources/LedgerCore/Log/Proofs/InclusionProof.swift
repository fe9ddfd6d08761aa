/// An inclusion proof: entry `seq` (its full canonical content) is leaf `seq` of the tree that
/// the signed checkpoint commits to.
public struct InclusionProof: Equatable, Sendable {
    public static let type = "carbonledger/inclusion-proof/v1"
    public var entry: Entry
    public var hashes: [Digest]
    /// The signed checkpoint note whose tree contains the entry.
    public var checkpoint: String

    public init(entry: Entry, hashes: [Digest], checkpoint: String) {
        self.entry = entry; self.hashes = hashes; self.checkpoint = checkpoint
    }

    public var json: JSONValue {
        let entryValue: JSONValue
        do { entryValue = try JSONParser.parseCanonical(entry.canonicalBytes) } catch { fatalError("entries encode canonically: \(error)") }
        return ["type": .string(Self.type), "seq": .int(Int64(entry.seq)), "entry": entryValue,
                "leaf_hash": .string(MerkleHasher().leafHash(entry.canonicalBytes).hex),
                "hashes": .array(hashes.map { .string($0.hex) }), "checkpoint": .string(checkpoint)]
    }

    /// Verifies offline against the registry's verifier key; returns the checkpoint.
    @discardableResult
    public func verify(key: NoteVerifierKey) throws(ProofError) -> Checkpoint { try verify(keys: [key]) }

    /// Verifies offline against any of the trusted registry keys.
    @discardableResult
    public func verify(keys: [NoteVerifierKey]) throws(ProofError) -> Checkpoint {
        let cp: Checkpoint
        do { cp = try Checkpoint.open(checkpoint, keys: keys) } catch { throw .checkpoint("checkpoint", error) }
        let hasher = MerkleHasher()
        let leaf = hasher.leafHash(entry.canonicalBytes)
        do {
            try MerkleVerifier.verifyInclusion(index: entry.seq, size: cp.size, leafHash: leaf, proof: hashes, root: cp.root, hasher: hasher)
        } catch { throw .merkle(error) }
        return cp
    }
}
