import Foundation
import LedgerCore
import LedgerStore

/// Brings the state environment up to the log (SPEC.md section 10). A commit makes the log
/// durable first and writes the state after it without fsync, so:
/// - after a crash between the two, the state trails the log by that commit, which is replayed;
/// - after a power loss, a state neither written in this boot nor flushed since its last change
///   may have lost some pages and kept others, so it is rebuilt from entry 0.
/// Every writer runs it before it reads the state to prepare a batch; a commit that finds the
/// state behind where it expected runs it too.
public enum StateSync {
    /// What a catch-up did.
    public struct Outcome: Equatable, Sendable {
        /// Entries replayed into the state.
        public var replayed: UInt64 = 0
        /// The state was not trusted and was rebuilt from the first entry.
        public var rebuilt = false

        public init(replayed: UInt64 = 0, rebuilt: Bool = false) {
            self.replayed = replayed
            self.rebuilt = rebuilt
        }
    }

    /// Entries replayed per state transaction (rounded up to a whole submission): bounds the
    /// replay's memory whatever the length of the tail.
    static let entriesPerTransaction: UInt64 = 65_536

    /// Replays into the state whatever of the log it does not reflect; rebuilds it first when it
    /// cannot be trusted. Cheap when there is nothing to do (one read snapshot).
    @discardableResult
    public static func catchUp(_ store: LogStore) throws -> Outcome {
        var outcome = Outcome()
        let (trusted, stateSize, logSize) = try store.read { r in
            (try store.stateIsTrusted(r), try r.stateSize(), try r.metaU64(.size) ?? 0)
        }
        if trusted && stateSize == logSize { return outcome }
        if !trusted || stateSize > logSize {
            // A log commit first: it removes `meta/state_synced` and moves the epoch, so a flush
            // racing this rebuild is not recorded as holding it.
            try store.write { w in try w.putMeta(.stateEpoch, u64: (try w.reader.metaU64(.stateEpoch) ?? 0) + 1) }
            try store.writeState { try $0.removeAll() }
            outcome.rebuilt = true
        }
        while true {
            // Each transaction starts where the stored state ends: another writer catching up
            // at the same time only makes this one's work shorter.
            let replayed = try store.writeState { sw -> UInt64? in
                try store.read { r -> UInt64? in
                    let from = try sw.size(), to = try r.metaU64(.size) ?? 0
                    guard from < to else {
                        guard from == to else { throw StoreError.corrupt("the state reflects \(from) entries but the log has only \(to)") }
                        return nil
                    }
                    let end = try replay(from: from, upTo: min(to, from + entriesPerTransaction), log: r, into: sw)
                    return end - from
                }
            }
            guard let n = replayed else { return outcome }
            outcome.replayed += n
        }
    }

    /// Replays the submissions from seq `from` (a submission's first entry) until one ends at or
    /// past `limit`, writing their state changes and the new state size. Returns that size.
    static func replay(from: UInt64, upTo limit: UInt64, log r: StoreReader, into sw: StateWriter) throws -> UInt64 {
        let overlay = StateOverlay(base: sw.reader, expectedWrites: Int(limit - from) * StateOverlay.writesPerEvent)
        let seq = try replay(from: from, upTo: limit, log: r, into: overlay, project: true)
        try sw.apply(overlay)
        try sw.setSize(seq)
        return seq
    }

    /// Brings the rules' state in memory up to the log `r` sees, by replaying what it lacks
    /// (another writer's appends, or a commit that was not applied to it). Returns the overlays
    /// of the replay, with the entries each covers: the caller drops their cold layers once the
    /// state environment has them, and stores their writes in the rules checkpoint. The state's
    /// `cold` reader must be set.
    public static func catchUp(_ resident: ResidentState, log r: StoreReader) throws -> [AppliedSpan] {
        let size = try r.metaU64(.size) ?? 0
        guard resident.size <= size else { throw StoreError.corrupt("the rules' state reflects \(resident.size) entries but the log has only \(size)") }
        var spans: [AppliedSpan] = []
        while resident.size < size {
            let start = resident.size
            let limit = min(size, start + entriesPerTransaction)
            let overlay = StateOverlay(writingThrough: resident, expectedWrites: Int(limit - start) * StateOverlay.writesPerEvent)
            do {
                resident.reflect(size: try replay(from: start, upTo: limit, log: r, into: overlay, project: false))
            } catch {
                overlay.undoAll()
                throw error
            }
            spans.append(AppliedSpan(start: start, end: resident.size, overlay: overlay))
        }
        return spans
    }

    /// Entries `start ..< end` applied to the rules' state in memory (a batch, or a replay), and
    /// the overlay holding their writes.
    public struct AppliedSpan {
        public var start: UInt64
        public var end: UInt64
        public var overlay: StateOverlay
    }

    /// Replays the submissions from seq `from` (a submission's first entry) until one ends at or
    /// past `limit` into `overlay`, whose base is the state after the first `from` entries: the
    /// rules' changes, and with `project` the read models' too. Returns the seq reached. The
    /// entries are read, hashed and grouped as every replay does (`LogChunks`,
    /// `SubmissionAssembler`): a tail that does not chain onto the entry before is not replayed.
    static func replay(from: UInt64, upTo limit: UInt64, log r: StoreReader, into overlay: StateOverlay, project: Bool) throws -> UInt64 {
        var ledger = try ledgerState(at: from, log: r, state: overlay)
        func corrupt(_ seq: UInt64, _ why: String) -> StoreError { .corrupt("entry \(seq) \(why) (run `cledger verify`)") }
        var assembler = SubmissionAssembler()
        if from > 0 {
            guard let bytes = try r.entryBytes(from - 1) else { throw StoreError.missing("entry \(from - 1)") }
            let last: Entry
            do { last = try Entry.decode(bytes) } catch { throw corrupt(from - 1, "is not a valid entry: \(error)") }
            assembler = SubmissionAssembler(next: from, head: MerkleHasher().leafHash(bytes), lastTime: last.time)
        }
        let size = try r.metaU64(.size) ?? 0
        var chunks = LogChunks(reader: r, from: from, end: size, chunkSize: Int(min(limit - from, 8192)),
                               workers: max(1, ProcessInfo.processInfo.activeProcessorCount - 1))
        var seq = from
        var effects: [Effect] = []
        replaying: while true {
            let chunk: LogChunks.Chunk?
            do { chunk = try chunks.next() } catch let f as SubmissionAssembler.Fault { throw corrupt(f.seq, f.reason) }
            guard let chunk else { break }
            for (k, decoded) in chunk.entries.enumerated() {
                let at = chunk.from + UInt64(k)
                let (entry, leaf): (Entry, Digest)
                do { (entry, leaf) = try decoded.get() } catch { throw corrupt(at, "is not a valid entry: \(error)") }
                let done: SubmissionAssembler.Assembled?
                do throws(SubmissionAssembler.Fault) { done = try assembler.add(entry, leafHash: leaf) } catch { throw corrupt(error.seq, error.reason) }
                guard let a = done else { continue }
                do {
                    if project {
                        ledger = try Reducer.apply(a.submission, to: ledger, state: overlay, time: a.time, leafHashes: a.leafHashes, lookup: r)
                    } else {
                        effects.removeAll(keepingCapacity: true)
                        ledger = try Reducer.apply(a.submission, to: ledger, state: overlay, time: a.time, leafHashes: a.leafHashes, lookup: r, effects: &effects)
                    }
                } catch let v as RuleViolation {
                    throw corrupt(a.firstSeq + UInt64(v.eventIndex ?? 0), "breaks a rule when the state is replayed: \(v)")
                }
                seq = a.firstSeq + UInt64(a.leafHashes.count)
                if seq >= limit { break replaying }
            }
        }
        if let o = assembler.incomplete, seq < limit { throw corrupt(o.firstSeq, "starts a submission the log holds only \(o.taken) of \(o.count) events of") }
        return seq
    }

    /// The rules' ledger state after the first `size` entries, from the genesis entry and the
    /// state as of `size` (which holds the last registry key rotation).
    static func ledgerState(at size: UInt64, log r: StoreReader, state: StateReader) throws -> LedgerState {
        guard size > 0 else { return LedgerState() }
        guard let genesisBytes = try r.entryBytes(0) else { throw StoreError.missing("entry 0 (genesis)") }
        let genesis = try Entry.decode(genesisBytes)
        guard let signer = genesis.sub.signer, let sig = genesis.sub.signature else { throw StoreError.corrupt("entry 0 has no signature") }
        let sub = Submission(unsigned: try Submission.Unsigned(events: [genesis.event]), signer: signer, signature: sig)
        var ledger = try Reducer.apply(sub, to: LedgerState(), state: StateOverlay(base: EmptyState()), time: genesis.time,
                                       leafHashes: [MerkleHasher().leafHash(genesisBytes)], lookup: NoLookup())
        ledger.size = size
        // The only ledger state a later event changes: the registry key, after a rotation.
        if let rotated = try state.rotatedRegistryKey() { ledger.registryKey = rotated }
        return ledger
    }
}
