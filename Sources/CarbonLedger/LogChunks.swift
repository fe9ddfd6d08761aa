import Foundation
import LedgerCore
import LedgerStore

/// The log's entries from a seq on, read in chunks within one read transaction, each decoded
/// (checked canonical) and hashed with its event (`DecodedEntry`) on the other cores while the
/// caller works on the chunk before: the first stage of every replay (verify, recovery, a
/// mirror's intake). A chunk's results come in seq order; an entry that is missing or stored
/// out of place ends the chunks with a fault at its seq.
/// For the verifier (`checksNodes`) the workers also hash the tree nodes inside their part of
/// the chunk and check them against the stored ones, read with the chunk (`MerkleRunNodes`).
struct LogChunks {
    typealias Decoded = Result<DecodedEntry, EntryError>
    struct Chunk {
        var from: UInt64
        var entries: [Decoded]
        /// With `checksNodes`, what each entry's leaf completes inside its worker's part; else empty.
        var nodes: [MerkleRunNodes.Leaf]
    }
    private typealias Hashed = (entries: [Decoded], nodes: [MerkleRunNodes.Leaf])

    private let reader: StoreReader
    private let end: UInt64
    private let chunkSize: Int
    /// Seqs a chunk must end at (where the caller compares or commits something).
    private let stops: [UInt64]
    private let workers: Int
    private let checksNodes: Bool
    private let queue = DispatchQueue(label: "carbonledger.replay.hash")
    private var pending: (from: UInt64, count: Int, result: BackgroundResult<Hashed>)?

    /// Chunks of entries `from..<end`, at most `chunkSize` each, hashed on `workers` threads.
    init(reader: StoreReader, from: UInt64, end: UInt64, chunkSize: Int, workers: Int, stops: [UInt64] = [], checksNodes: Bool = false) {
        self.reader = reader
        self.end = end
        self.chunkSize = max(1, chunkSize)
        self.stops = stops.sorted()
        self.workers = max(1, workers)
        self.checksNodes = checksNodes
        pending = start(at: from)
    }

    /// The next chunk (waiting for its hashing), with the one after it already started.
    mutating func next() throws -> Chunk? {
        guard let p = pending else { return nil }
        let hashed = try p.result.wait()
        pending = start(at: p.from + UInt64(p.count))
        return Chunk(from: p.from, entries: hashed.entries, nodes: hashed.nodes)
    }

    private func start(at from: UInt64) -> (from: UInt64, count: Int, result: BackgroundResult<Hashed>)? {
        guard from < end else { return nil }
        let stop = stops.first { $0 > from }.map { min(end, $0) } ?? end
        let n = Int(min(UInt64(chunkSize), stop - from))
        let workers = self.workers
        // A read error is reported when this chunk's turn comes, after the earlier chunks' checks:
        // the replay names the first bad seq.
        do {
            let raw = try read(from: from, count: n)
            let stored = checksNodes ? try readNodes(from: from, count: n) : nil
            return (from, n, BackgroundResult(on: queue) { Self.decodeAndHash(raw, from: from, stored: stored, workers: workers) })
        } catch {
            return (from, n, BackgroundResult(.failure(error)))
        }
    }

    /// Copies `count` entries starting at `from`; a missing or out-of-place key is a fault.
    private func read(from: UInt64, count: Int) throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        out.reserveCapacity(count)
        func fault(_ seq: UInt64, _ why: String) -> SubmissionAssembler.Fault { .init(kind: .position, seq: seq, reason: why) }
        try withUnsafeBytes(of: from.bigEndian) { start in
            try reader.txn.scan(reader.store.entries, from: start) { key, value in
                let expected = from + UInt64(out.count)
                guard key.count == 8 else { throw fault(expected, "entries database has a key of \(key.count) bytes") }
                let k = key.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                // Where a crash handler says a damaged page made LMDB fault.
                VerificationPosition.seq = expected
                VerificationPosition.reading = true
                guard k == expected else { throw fault(expected, "entry \(expected) is missing (the next stored key is \(k))") }
                out.append(Array(value))
                return out.count < count
            }
        }
        guard out.count == count else { throw fault(from + UInt64(out.count), "entry is missing (the log ends early)") }
        return out
    }

    /// The stored nodes the leaves `from ..< from + count` complete, by storage index from the
    /// first (`MerkleRunNodes.compute`): nil where one is missing or not 32 bytes, which the
    /// replay then reads itself, to name the fault at its seq as it always has.
    private func readNodes(from: UInt64, count: Int) throws -> [Digest?] {
        let first = MerkleNodeID.storedCount(leaves: from), end = MerkleNodeID.storedCount(leaves: from + UInt64(count))
        var out = [Digest?](repeating: nil, count: Int(end - first))
        var leaf = from
        try withUnsafeBytes(of: first.bigEndian) { start in
            try reader.txn.scan(reader.store.nodes, from: start) { key, value in
                guard key.count == 8 else { return true }
                let k = key.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                guard k < end else { return false }
                // Where a crash handler says a damaged page made LMDB fault: the leaf completing it.
                while MerkleNodeID.storedCount(leaves: leaf + 1) <= k { leaf += 1 }
                VerificationPosition.seq = leaf
                if value.count == 32, let base = value.baseAddress { out[Int(k - first)] = Digest(raw: base) }
                return true
            }
        }
        return out
    }

    /// Decodes (checking canonical form) and hashes a chunk on `workers` threads, each also
    /// hashing the tree nodes inside its part when given the stored ones.
    private static func decodeAndHash(_ raw: [[UInt8]], from: UInt64, stored: [Digest?]?, workers: Int) -> Hashed {
        let n = raw.count
        let slots = ResultSlots(count: n)
        let nodes = NodeSlots(count: stored == nil ? 0 : n)
        defer {
            _ = slots.buffer.deinitialize(); slots.buffer.deallocate()
            nodes.buffer.deallocate()
        }
        let workers = min(workers, max(1, n / 256))
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let h = MerkleHasher()
            let results = slots.buffer
            let first = w * n / workers, end = (w + 1) * n / workers
            // The leaf hashes of every entry, those that do not decode too, for the tree.
            var leaves: [Digest] = []
            if stored != nil { leaves.reserveCapacity(end - first) }
            for k in first..<end {
                let bytes = raw[k]
                let leaf = h.leafHash(bytes)
                if stored != nil { leaves.append(leaf) }
                results[k] = Result { () throws(EntryError) -> DecodedEntry in try DecodedEntry(bytes, leafHash: leaf, hasher: h) }
            }
            guard let stored else { return }
            let at = from + UInt64(first)
            let offset = Int(MerkleNodeID.storedCount(leaves: at) - MerkleNodeID.storedCount(leaves: from))
            let part = MerkleRunNodes.compute(first: at, leafHashes: leaves[...], stored: stored[offset...], hasher: h)
            for (k, leaf) in part.enumerated() { (nodes.buffer.baseAddress! + first + k).initialize(to: leaf) }
        }
        return (slots.buffer.map { $0! }, Array(nodes.buffer))
    }
}

/// What each entry's leaf completes, written by the workers, each a disjoint range.
private struct NodeSlots: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<MerkleRunNodes.Leaf>
    init(count: Int) { buffer = .allocate(capacity: count) }
}

/// Output slots shared by the hashing workers; each worker writes a disjoint range.
private struct ResultSlots: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<LogChunks.Decoded?>
    init(count: Int) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: nil)
    }
}
