import Foundation
import LedgerCore
import LedgerStore

/// The log's entries from a seq on, read in chunks within one read transaction, each decoded
/// (checked canonical) and hashed with its event (`DecodedEntry`) on the other cores while the caller works on the chunk
/// before: the first stage of every replay (verify, recovery). A chunk's results come in seq
/// order; an entry that is missing or stored out of place ends the chunks with a fault at its seq.
struct LogChunks {
    typealias Decoded = Result<DecodedEntry, EntryError>
    struct Chunk {
        var from: UInt64
        var entries: [Decoded]
    }

    private let reader: StoreReader
    private let end: UInt64
    private let chunkSize: Int
    /// Seqs a chunk must end at (where the caller compares or commits something).
    private let stops: [UInt64]
    private let workers: Int
    private let queue = DispatchQueue(label: "carbonledger.replay.hash")
    private var pending: (from: UInt64, count: Int, result: BackgroundResult<[Decoded]>)?

    /// Chunks of entries `from..<end`, at most `chunkSize` each, hashed on `workers` threads.
    init(reader: StoreReader, from: UInt64, end: UInt64, chunkSize: Int, workers: Int, stops: [UInt64] = []) {
        self.reader = reader
        self.end = end
        self.chunkSize = max(1, chunkSize)
        self.stops = stops.sorted()
        self.workers = max(1, workers)
        pending = start(at: from)
    }

    /// The next chunk (waiting for its hashing), with the one after it already started.
    mutating func next() throws -> Chunk? {
        guard let p = pending else { return nil }
        let entries = try p.result.wait()
        pending = start(at: p.from + UInt64(p.count))
        return Chunk(from: p.from, entries: entries)
    }

    private func start(at from: UInt64) -> (from: UInt64, count: Int, result: BackgroundResult<[Decoded]>)? {
        guard from < end else { return nil }
        let stop = stops.first { $0 > from }.map { min(end, $0) } ?? end
        let n = Int(min(UInt64(chunkSize), stop - from))
        let workers = self.workers
        // A read error is reported when this chunk's turn comes, after the earlier chunks' checks:
        // the replay names the first bad seq.
        do {
            let raw = try read(from: from, count: n)
            return (from, n, BackgroundResult(on: queue) { Self.decodeAndHash(raw, workers: workers) })
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

    /// Decodes (checking canonical form) and hashes a chunk on `workers` threads.
    static func decodeAndHash(_ raw: [[UInt8]], workers: Int) -> [Decoded] {
        let n = raw.count
        let slots = ResultSlots(count: n)
        defer { _ = slots.buffer.deinitialize(); slots.buffer.deallocate() }
        let workers = min(workers, max(1, n / 256))
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let h = MerkleHasher()
            let results = slots.buffer
            var k = w * n / workers
            let end = (w + 1) * n / workers
            while k < end {
                let bytes = raw[k]
                results[k] = Result { () throws(EntryError) -> DecodedEntry in try DecodedEntry(bytes, hasher: h) }
                k += 1
            }
        }
        return slots.buffer.map { $0! }
    }
}

/// Output slots shared by the hashing workers; each worker writes a disjoint range.
private struct ResultSlots: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<LogChunks.Decoded?>
    init(count: Int) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: nil)
    }
}
