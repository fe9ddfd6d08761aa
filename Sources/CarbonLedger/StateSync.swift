import Foundation
import LedgerCore
import LedgerStore

/// The state environment's side of a writer's start (SPEC.md section 10). A commit makes the
/// log durable first and writes the state after it without fsync, so:
/// - after a crash between the two, the state trails the log by that commit, which the writer
///   replays from its rules' state (`Sequencer`);
/// - after a power loss, a state neither written in this boot nor flushed since its last change
///   may have lost some pages and kept others, so it is emptied (`trust`) and rebuilt from entry 0.
/// And the one replay of the log into the rules' state in memory every writer runs, at its start
/// and when another writer appended (`replay`).
public enum StateSync {
    /// What a writer's start did to the state environment.
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

    /// Entries replayed per span (rounded up to a whole submission): bounds the replay's memory
    /// whatever the length of the tail, since a span's cold writes are let go of once the rules
    /// checkpoint has them.
    static let entriesPerSpan: UInt64 = 65_536

    /// Empties the state environment when it cannot be trusted (written in another boot and not
    /// flushed since, or ahead of the log), for a writer to rebuild it from the log. Returns
    /// whether it did. Cheap when there is nothing to do (one read snapshot).
    @discardableResult
    public static func trust(_ store: LogStore) throws -> Bool {
        let (trusted, stateSize, logSize) = try store.read { r in
            (try store.stateIsTrusted(r), try r.stateSize(), try r.metaU64(.size) ?? 0)
        }
        guard !trusted || stateSize > logSize else { return false }
        // A log commit first: it removes `meta/state_synced` and moves the epoch, so a flush
        // racing this rebuild is not recorded as holding it.
        try store.write { w in try w.putMeta(.stateEpoch, u64: (try w.reader.metaU64(.stateEpoch) ?? 0) + 1) }
        try store.writeState { try $0.removeAll() }
        return true
    }

    /// Replays into the rules' state in memory one span of the log it lacks: the submissions
    /// from `resident.size` until one ends at or past `limit` (at most `entriesPerSpan`
    /// entries), keeping what they give the read models when `effects`. The state's `cold`
    /// reader must be set.
    public static func replay(_ resident: ResidentState, log r: StoreReader, limit: UInt64, effects: Bool) throws -> AppliedSpan {
        let start = resident.size
        let size = try r.metaU64(.size) ?? 0
        guard start < size else { throw StoreError.corrupt("the rules' state reflects \(start) entries and the log has \(size): nothing to replay") }
        let limit = min(size, limit, start + entriesPerSpan)
        let overlay = StateOverlay(writingThrough: resident, expectedWrites: Int(limit - start) * StateOverlay.writesPerEvent)
        var span = AppliedSpan(start: start, end: start, overlay: overlay)
        do {
            span.end = try replay(from: start, upTo: limit, log: r, into: overlay, effects: &span.effects, keep: effects)
        } catch {
            overlay.undoAll()
            throw error
        }
        resident.reflect(size: span.end)
        return span
    }

    /// Entries `start ..< end` applied to the rules' state in memory (a batch, or a replay), the
    /// overlay holding their writes, and, until the state environment has them, what they give
    /// the read models.
    public struct AppliedSpan {
        public var start: UInt64
        public var end: UInt64
        public var overlay: StateOverlay
        public var effects = Effects()

        /// What the span's submissions give the read models, in order, and where each
        /// submission's effects begin: a state environment another writer took partway into the
        /// span gets those of the submissions after that point.
        public struct Effects {
            public var list: [Effect] = []
            /// Each submission's first seq and the index of its first effect, in order.
            public var starts: [(seq: UInt64, index: Int)] = []

            public init() {}

            /// The effects of the submissions from seq `from` on; nil when `from` is not where
            /// one begins (or none were kept).
            func from(_ seq: UInt64) -> ArraySlice<Effect>? {
                guard let i = starts.firstIndex(where: { $0.seq == seq }) else { return nil }
                return list[starts[i].index...]
            }
        }
    }

    /// Writes the span's changes and read models to the state environment of `sw`, from where
    /// it stands (a submission boundary inside the span, or its start) to the span's end: every
    /// record the span wrote as it left it (but those only the rules read), and the effects of
    /// the submissions from there.
    /// Returns the entries written; nil, writing nothing, when the environment is not within the
    /// span.
    static func write(_ span: AppliedSpan, to sw: StateWriter) throws -> UInt64? {
        let size = try sw.size()
        guard size >= span.start, size < span.end, let effects = span.effects.from(size) else { return nil }
        // The rules' records no query reads are the rules checkpoint's alone.
        try sw.apply(span.overlay, skipping: ResidentState.isRulesOnly)
        if !effects.isEmpty {
            // About two records an event (its history line, its leaderboard counters; the
            // statistics and totals are shared): growing the table rehashed every key so far.
            let models = StateOverlay(base: sw.reader, expectedWrites: effects.count / 2)
            try Projection.apply(effects, to: models)
            try sw.apply(models)
        }
        try sw.setSize(span.end)
        return span.end - size
    }

    /// Writes the span to `store`'s state environment in a transaction of its own (`write(_:to:)`
    /// of a writer): 0 when the environment has it already, nil when it stands before the span.
    /// A committed batch's write (`Projector`) and the catch-up of one whose write failed
    /// (`Sequencer.project(models:)`).
    static func write(_ span: AppliedSpan, to store: LogStore) throws -> UInt64? {
        try store.writeState { sw in try sw.size() >= span.end ? 0 : write(span, to: sw) }
    }

    /// Replays the submissions from seq `from` (a submission's first entry) until one ends at or
    /// past `limit` into `overlay`, whose base is the state after the first `from` entries, and
    /// what they give the read models into `effects` with `keep`. Returns the seq reached. The
    /// entries are read, hashed and grouped as every replay does (`LogChunks`,
    /// `SubmissionAssembler`): a tail that does not chain onto the entry before is not replayed.
    static func replay(from: UInt64, upTo limit: UInt64, log r: StoreReader, into overlay: StateOverlay, effects kept: inout AppliedSpan.Effects,
                       keep: Bool) throws -> UInt64 {
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
                let entry: DecodedEntry
                do { entry = try decoded.get() } catch { throw corrupt(at, "is not a valid entry: \(error)") }
                let done: SubmissionAssembler.Assembled?
                do throws(SubmissionAssembler.Fault) { done = try assembler.add(entry) } catch { throw corrupt(error.seq, error.reason) }
                guard let a = done else { continue }
                do {
                    if keep {
                        kept.starts.append((a.firstSeq, kept.list.count))
                        ledger = try Reducer.apply(a.submission, to: ledger, state: overlay, time: a.time, leafHashes: a.leafHashes, lookup: r,
                                                   effects: &kept.list)
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
