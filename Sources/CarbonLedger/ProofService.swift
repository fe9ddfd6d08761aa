import LedgerCore
import LedgerStore

extension Ledger {
    /// An inclusion proof for entry `seq` against the checkpoint signed at `size` (default: the
    /// latest). O(log n) node reads.
    public func inclusionProof(seq: UInt64, size: UInt64? = nil) throws -> InclusionProof {
        try store.read { r in
            let logSize = try r.metaU64(.size) ?? 0
            let treeSize = size ?? logSize
            guard treeSize <= logSize else { throw MerkleProofError.sizeBeyondTree(size: treeSize, treeSize: logSize) }
            guard seq < treeSize else { throw LedgerError.seqOutOfRange(seq: seq, size: treeSize) }
            let note = try checkpointNote(r, size: treeSize)
            guard let bytes = try r.entryBytes(seq) else { throw StoreError.missing("entry \(seq)") }
            let hashes = try MerkleProofBuilder(reader: r, hasher: MerkleHasher()).inclusionProof(index: seq, size: treeSize)
            return InclusionProof(entry: try Entry.decode(bytes), hashes: hashes, checkpoint: note)
        }
    }

    /// A consistency proof between the checkpoints signed at `from` and `to` (default: latest).
    public func consistencyProof(from: UInt64, to: UInt64? = nil) throws -> ConsistencyProof {
        try store.read { r in
            let logSize = try r.metaU64(.size) ?? 0
            let toSize = to ?? logSize
            guard toSize <= logSize else { throw MerkleProofError.sizeBeyondTree(size: toSize, treeSize: logSize) }
            guard from > 0, from <= toSize else { throw MerkleProofError.sizesOutOfOrder(from: from, to: toSize) }
            let hashes = try MerkleProofBuilder(reader: r, hasher: MerkleHasher()).consistencyProof(from: from, to: toSize)
            return ConsistencyProof(fromCheckpoint: try checkpointNote(r, size: from), toCheckpoint: try checkpointNote(r, size: toSize),
                                    hashes: hashes)
        }
    }

    private func checkpointNote(_ r: StoreReader, size: UInt64) throws -> String {
        guard let note = try r.checkpoint(size: size) else {
            throw LedgerError.noCheckpoint(size: size, nearest: try r.checkpointSizes(near: size))
        }
        return note
    }
}
