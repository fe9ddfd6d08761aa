/// Reads stored tree nodes. Implementations: the LMDB store, and in-memory trees in tests.
public protocol MerkleNodeReader {
    /// The hash of a complete subtree node; throws if it is not stored.
    func node(_ id: MerkleNodeID) throws -> Digest
}
