import Foundation
import LedgerCore
import LedgerStore

/// Runs the reducer and appends accepted submissions. Each `append` call is one LMDB write
/// transaction and one fsync, however many submissions it carries (group commit); each
/// submission is atomic: all of its events or none.
public final class Sequencer: @unchecked Sendable {
    public let store: LogStore
    /// The registry's private keys this sequencer holds: the current one, and the next one
    /// while a rotation is pending. Empty for a replica, which stores the registry's checkpoints.
    public let keys: [NoteSigningKey]
    /// The writer state after this sequencer's last commit; the pipeline's two threads share it.
    private var cached: WriterState?
    private var committed = 0
    private let lock = NSLock()
    /// The rules' state in memory, made at the first prepare (a replica never makes one). Only
    /// code holding `rulesLock` uses it: the rules of one batch at a time.
    private var resident: ResidentState?
    private let rulesLock = NSLock()
    /// Batches whose rules changed `resident` and that are not known to be committed, oldest
    /// first (under `rulesLock`): one that fails is undone before the next prepare from the store.
    private var unsettled: [PreparedBatch] = []
    /// Where settled batches are freed: their journals and write lists hold every change of
    /// the batch, and freeing them showed in profiles of the rules' thread.
    private let releaseQueue = DispatchQueue(label: "carbonledger.release")
    /// Writes each committed batch to the state environment, on its own thread.
    private let projector: Projector
    /// The cold layers (`ResidentState.layers`) of committed batches, replays and ageings, in
    /// log order, each with the size its writes reach (under `rulesLock`): dropped from
    /// `resident` once the rules checkpoint, where the cold records are read, reaches that size.
    private var warm: [(end: UInt64, layer: ColdLayer)] = []
    /// Spans committed whose state-environment writes are not known to be done, oldest first,
    /// with the batch of each (nil for a replay): `project` hands them to the checkpoint.
    private var unprojected: [(span: StateSync.AppliedSpan, batch: PreparedBatch?)] = []
    /// Entries written to the state environment from the rules' state in memory rather than by
    /// their batch's commit (under `lock`; `loadRulesState` reports it).
    private var stateReplayed: UInt64 = 0
    /// The rules checkpoint's keeper, made with the rules' state (`rulesState`).
    private var checkpointer: RuleCheckpointer?
    /// Times the rules' state was loaded (again, after another writer moved the checkpoint).
    private var loads = 0
    var rulesStateLoads: Int { rulesLock.withLock { loads } }
    /// Given to each keeper of the rules checkpoint (`RuleCheckpointer.beforeStep`, for tests).
    var checkpointStepHook: (@Sendable (UInt64) throws -> Void)?
    /// How the rules' state was made (`loadRulesState` reports it).
    private var loadedFrom: RulesStateLoad.Source = .replay(why: "not loaded yet")
    /// How many entries, and how long, a committed batch's writes wait before the rules
    /// checkpoint takes them (`RuleCheckpointer`): what a restart replays at most. Set before the
    /// first batch (the rules' thread reads them).
    public var checkpointEntries: UInt64 = Sequencer.defaultCheckpointEntries
    public var checkpointInterval: Duration = Sequencer.defaultCheckpointInterval
    public static let defaultCheckpointEntries: UInt64 = 32_768
    public static let defaultCheckpointInterval: Duration = .seconds(60)
    /// Commits made by this sequencer (for group-commit tests and metrics).
    public var commitCount: Int { lock.withLock { committed } }

    public init(store: LogStore, key: NoteSigningKey) {
        self.store = store
        self.keys = [key]
        projector = Projector(store: store)
    }

    /// A sequencer holding several registry keys (the current one and the next, for a rotation).
    public init(store: LogStore, keys: [NoteSigningKey]) {
        precondition(!keys.isEmpty, "a sequencer needs the registry key")
        self.store = store
        self.keys = keys
        projector = Projector(store: store)
    }

    /// A writer for a replica (a mirror): it appends only what `replicate` verifies.
    public init(replicaOf store: LogStore) {
        self.store = store
        self.keys = []
        projector = Projector(store: store)
    }

    deinit {
        // Its store is closed by whoever lets go of it last: not the projector's thread.
        projector.drain()
        checkpointer?.wait()
    }

    /// The private key for `key`, if this sequencer holds it.
    func signingKey(for key: NoteVerifierKey?) -> NoteSigningKey? {
        keys.first { $0.verifierKey == key }
    }

    /// Appends `submissions` in order in one durable transaction. A submission that breaks a
    /// rule gets `.failure` and leaves no trace; the others are appended. Throws only for
    /// storage failures, in which case nothing of the batch was appended.
    public func append(_ submissions: [Submission], now: Timestamp) throws -> [Result<AppendReceipt, RuleViolation>] {
        try append(submissions, now: now, abortOnRejection: false)
    }

    private func append(_ submissions: [Submission], now: Timestamp, abortOnRejection: Bool) throws -> [Result<AppendReceipt, RuleViolation>] {
        while true {
            let batch = try prepare(submissions, now: now, after: nil, abortOnRejection: abortOnRejection)
            do {
                let results = try commit(batch)
                // Its caller reads what it appended: the state has it when this returns.
                projector.wait(for: batch)
                return results
            } catch SequencerError.concurrentWriter {
                continue  // prepare again over what the other writer appended
            }
        }
    }

    /// Runs the rules over `submissions` (never blocking readers or the writer) and returns what
    /// `commit` will write. `previous`, when given, is the batch prepared just before, whose
    /// commit may still be running on another thread: this batch then builds on it, so the rules
    /// of one batch and the commit of the one before run on two cores. `previous` must have been
    /// prepared over a committed state (its own predecessor's commit finished); else this throws
    /// `SequencerError.stateBehind`, and the caller prepares again without it once it committed.
    public func prepare(_ submissions: [Submission], now: Timestamp, after previous: PreparedBatch?,
                        abortOnRejection: Bool = false) throws -> PreparedBatch {
        guard previous == nil else {
            return try rulesLock.withLock { try prepareOnce(submissions, now: now, after: previous, abortOnRejection: abortOnRejection) }
        }
        var attempt = 0
        while true {
            // A state environment that cannot be trusted is emptied, and rebuilt by the replay.
            try StateSync.trust(store)
            do {
                return try rulesLock.withLock { try prepareOnce(submissions, now: now, after: nil, abortOnRejection: abortOnRejection) }
            } catch SequencerError.stateBehind where attempt < Self.catchUpAttempts {
                attempt += 1
            }
        }
    }

    /// How many times a prepare from the store tries again, after another writer moved the
    /// rules checkpoint (the rules' state loaded again) or left the state behind, before it gives up.
    private static let catchUpAttempts = 100

    /// The rules' state in memory and the keeper of the checkpoint its cold records are read
    /// from, made the first time: from the rules checkpoint, when it is the log's (its `head`
    /// is the log's entry there) and not past the state environment; else empty, the
    /// checkpoint emptied too, for the replay to make both from the first entry (no checkpoint
    /// yet, another log's or format's, a history since rewritten, a state environment rebuilt).
    /// Either way the replay (`catchUp`) then brings it to the log. A writer cannot go on
    /// without its checkpoint: one that cannot be opened or written is an error, as a state
    /// environment's is.
    private func rulesState(_ r: StoreReader) throws -> (ResidentState, RuleCheckpointer) {
        if let resident, let checkpointer { return (resident, checkpointer) }
        let checkpoints = try store.ruleCheckpoints()
        let state: ResidentState, keeper: RuleCheckpointer
        let windows = try Self.windows(r)
        switch try Self.load(checkpoints, log: r, windows: windows) {
        case .loaded(let loaded, let position):
            loadedFrom = .checkpoint(size: position.size, replayed: (try r.metaU64(.size) ?? 0) - position.size)
            (state, keeper) = (loaded, RuleCheckpointer(checkpoints, log: store, at: position))
        case .notThisLog(let why):
            let empty = RuleCheckpoints.Position(size: 0, head: .zero)
            try checkpoints.reset(at: empty)
            loadedFrom = .replay(why: why)
            (state, keeper) = (ResidentState(agesDays: windows != nil), RuleCheckpointer(checkpoints, log: store, at: empty))
        }
        keeper.beforeStep = checkpointStepHook
        loads += 1
        resident = state
        checkpointer = keeper
        return (state, keeper)
    }

    /// Why the rules' state must be loaded again: another writer moved the rules checkpoint (what
    /// this writer holds no longer follows from it), or emptied the state environment (this
    /// writer's changes it has not written can no longer be).
    private struct Reload: Error {}

    /// Runs `body` with the rules' state settled (`settle`) and, without `previous`, brought up
    /// to the log `r` sees (`catchUp`), its cold records read from the rules checkpoint in one
    /// read snapshot (`cold`) and from the layers of what that snapshot lacks (the others are
    /// dropped first). When the state must be loaded again (`Reload`), it is, from the
    /// checkpoint and the log; with `previous` (a batch built on the state in memory) this throws
    /// `SequencerError.stateBehind` instead, and its caller prepares again from the store.
    private func withRules<R>(_ r: StoreReader, after previous: PreparedBatch? = nil, _ body: (ResidentState, StoreStateReader) throws -> R) throws -> R {
        for _ in 0...Self.catchUpAttempts {
            let (state, keeper) = try rulesState(r)
            do {
                try settle(state, after: previous)
                if previous == nil { try catchUp(state, keeper, log: r) }
                let done: R? = try keeper.checkpoints.read { position, records in
                    guard let position, keeper.holds(position) else { return nil }
                    state.cold = records
                    defer { state.cold = nil }
                    evictCold(state, through: position.size)
                    try project(models: try r.stateSize())
                    if state.filterIsFull { try state.rebuildFilter(from: records) }
                    keeper.stepIfDue(entries: checkpointEntries, interval: checkpointInterval)
                    return try body(state, records)
                }
                if let done { return done }
            } catch is Reload {}
            guard previous == nil else { throw SequencerError.stateBehind(stateSize: state.size, logSize: try r.metaU64(.size) ?? 0) }
            dropRulesState(keeper)
        }
        throw SequencerError.checkpointMoving(attempts: Self.catchUpAttempts + 1)
    }

    /// Lets go of the rules' state and its keeper, to be loaded again: the batches over it are
    /// committed or failed by now (a commit's outcome is in the log the next load reads).
    private func dropRulesState(_ keeper: RuleCheckpointer) {
        keeper.wait()
        var dropped: (ResidentState?, [PreparedBatch], [(end: UInt64, layer: ColdLayer)], [(StateSync.AppliedSpan, PreparedBatch?)])? =
            (resident, unsettled, warm, unprojected)
        resident = nil
        checkpointer = nil
        unsettled = []
        warm = []
        unprojected = []
        dispose(&dropped, on: releaseQueue)
    }

    /// Entries applied to the rules' state and committed (by `batch`, or replayed): their
    /// cold layer waits until the rules checkpoint has them (`warm`), their writes until the
    /// state environment has them (`project`) and then for the checkpoint's next step.
    private func applied(_ span: StateSync.AppliedSpan, batch: PreparedBatch?) {
        warm.append((span.end, span.overlay.coldLayer))
        unprojected.append((span, batch))
    }

    /// Hands the spans the state environment has (its first `models` entries, or written since)
    /// to the rules checkpoint, oldest first, writing those it lacks: those replayed, and the
    /// batches whose state commit failed. A batch's state commit still running ends the walk
    /// (its span and those after it wait for a later one). So the checkpoint is never past the
    /// state environment, and a writer that starts finds the environment's tail in the log
    /// after the checkpoint. Throws `Reload` when the environment is behind a span (emptied).
    private func project(models: UInt64) throws {
        var handed = 0
        // The batches and effects handed over are freed off this thread (their entries, nodes
        // and read-model lines are most of a batch's memory).
        defer {
            if handed > 0 {
                var done: [(span: StateSync.AppliedSpan, batch: PreparedBatch?)]? = Array(unprojected.prefix(handed))
                unprojected.removeFirst(handed)
                dispose(&done, on: releaseQueue)
            }
        }
        for (span, batch) in unprojected {
            if models < span.end {
                let write = batch.map { projector.stateWrite(of: $0) }
                if write == .pending { return }
                if write != .written {
                    let written = try StateSync.write(span, to: store)
                    guard let written else { throw Reload() }
                    lock.withLock { stateReplayed += written }
                }
            }
            handed += 1
            var kept = span
            kept.effects = StateSync.AppliedSpan.Effects()
            checkpointer?.append(kept)
        }
    }

    private enum CheckpointLoad {
        case loaded(ResidentState, RuleCheckpoints.Position)
        case notThisLog(String)
    }

    /// The rules' state loaded from `checkpoints` (its index of behaviours made from their
    /// records under the log's `windows`), if it is the log `r` sees and not past its state
    /// environment; else why not.
    private static func load(_ checkpoints: RuleCheckpoints, log r: StoreReader, windows: Windows?) throws -> CheckpointLoad {
        try checkpoints.read { position, records in
            guard let position else { return .notThisLog("it holds no state in this format") }
            let logSize = try r.metaU64(.size) ?? 0, models = try r.stateSize()
            guard position.size <= logSize else {
                return .notThisLog("it holds the state after \(position.size) entries, and the log has \(logSize) (an older copy of the log?)")
            }
            guard try r.leafHash(ofEntryBefore: position.size) == position.head else {
                return .notThisLog("its last entry, \(position.size &- 1), is not the log's (another log, or a history rewritten since)")
            }
            guard position.size <= models else {
                return .notThisLog("it holds the state after \(position.size) entries, and the state environment only \(models) (rebuilt)")
            }
            do {
                let source = try BehaviourIndex.source(r, size: position.size, windows: windows)
                return .loaded(try ResidentState.load(records, index: source), position)
            } catch StoreError.corrupt(let what) {
                // A record the state in memory would hold that does not read back (LMDB keeps no
                // checksums): the log makes the state again, never a state read wrong.
                return .notThisLog("a record of it is damaged (\(what))")
            }
        }
    }

    /// Settles the batches over `state`: those found committed wait for the state environment
    /// and the rules checkpoint; with `previous`, which must be the newest batch applied and not
    /// over a failed one, that is all; without it, the others are undone (they failed, or were
    /// prepared and not committed: one that commits after all is replayed from the log).
    private func settle(_ state: ResidentState, after previous: PreparedBatch?) throws {
        let (outcomes, settled, newestSettled) = settleCommitted()
        // The newest batch applied: committed by now, or not yet.
        let newest = unsettled.last.map(ObjectIdentifier.init) ?? newestSettled
        if let p = previous {
            guard newest == ObjectIdentifier(p), !outcomes[settled...].contains(.failed) else {
                throw SequencerError.stateBehind(stateSize: state.size, logSize: p.start.frontier.size)
            }
        } else {
            while let b = unsettled.popLast() {
                b.state.undoAll()
                state.reflect(size: b.start.frontier.size)
            }
        }
    }

    /// The one replay of the log: brings `state` to what `r` sees of the log, span by span,
    /// each with its own read snapshot of the rules checkpoint, whose steps go on meanwhile (so
    /// a replay from the first entry lets go of the cold records it made as it goes, and ages
    /// the days out as the batches did). The spans the state environment lacks are written to
    /// it (`project`), with their read models. At a writer's start, after another writer's
    /// appends, after a crash that left the environment behind, and to rebuild it.
    private func catchUp(_ state: ResidentState, _ keeper: RuleCheckpointer, log r: StoreReader) throws {
        let size = try r.metaU64(.size) ?? 0, models = try r.stateSize()
        guard state.size <= size else { throw StoreError.corrupt("the rules' state reflects \(state.size) entries but the log has only \(size)") }
        guard state.size < size else { return }
        let windows = try Self.windows(r)
        while state.size < size {
            let span = try keeper.checkpoints.read { position, records -> StateSync.AppliedSpan in
                guard let position, keeper.holds(position) else { throw Reload() }
                state.cold = records
                defer { state.cold = nil }
                evictCold(state, through: position.size)
                // A replay from the first entry fills the key filter many times over.
                if state.filterIsFull { try state.rebuildFilter(from: records) }
                // Split where the environment ends: it takes whole spans.
                let limit = state.size < models ? models : size
                return try StateSync.replay(state, log: r, limit: limit, effects: state.size >= models)
            }
            // Replayed from the log, it is never undone: its undo records go at once.
            var undo: [StateOverlay.Undo]? = span.overlay.releaseUndo()
            dispose(&undo, on: releaseQueue)
            applied(span, batch: nil)
            try project(models: models)
            keeper.stepIfDue(entries: checkpointEntries, interval: checkpointInterval)
            if let windows, let bytes = try r.entryBytes(span.end - 1) {
                state.index.age(under: windows, committedThrough: try Entry.decode(bytes).time)
            }
        }
    }

    /// Takes the batches found committed, oldest first, out of `unsettled`: their writes wait
    /// for the state environment and the rules checkpoint, their cold layers until the
    /// checkpoint has them (`warm`). Returns the outcomes the unsettled batches had, how many
    /// were settled, and the newest of those.
    private func settleCommitted() -> (outcomes: [PreparedBatch.Outcome?], settled: Int, newest: ObjectIdentifier?) {
        let outcomes = lock.withLock { unsettled.map(\.outcome) }
        let settled = outcomes.prefix { $0 == .committed }.count
        var done: [PreparedBatch]? = Array(unsettled.prefix(settled))
        var undoRecords: [[StateOverlay.Undo]]? = []
        for b in done ?? [] {
            undoRecords?.append(b.state.releaseUndo())
            applied(b.span, batch: b)
        }
        unsettled.removeFirst(settled)
        let newest = done?.last.map(ObjectIdentifier.init)
        dispose(&done, on: releaseQueue)
        dispose(&undoRecords, on: releaseQueue)
        return (outcomes, settled, newest)
    }

    /// Drops the cold layers the rules checkpoint has (it holds the first `size` entries' state):
    /// the layers after them shadow it as they did these.
    private func evictCold(_ state: ResidentState, through size: UInt64) {
        let n = warm.prefix { $0.end <= size }.count
        guard n > 0 else { return }
        var dropped: [ColdLayer]? = warm[..<n].map(\.layer)
        var released: [[String: StateOverlay.Content]]? = []
        for layer in dropped ?? [] {
            state.drop(layer)
            released?.append(layer.release())
        }
        dispose(&released, on: releaseQueue)
        warm.removeFirst(n)
        dispose(&dropped, on: releaseQueue)
    }

    /// The programme's windows of the log `r` reads: nil for a log without them (before v3), or
    /// without its genesis yet.
    static func windows(_ r: StoreReader) throws -> Windows? {
        guard try r.metaU64(.size) ?? 0 > 0 else { return nil }
        return Windows.of(genesis: try r.genesis().event)
    }

    /// Loads the rules' state into memory now (it is otherwise loaded by the first batch, which
    /// then waits for it) and brings it, and the state environment, up to the log. A server
    /// calls it before it serves.
    public func loadRulesState() throws -> RulesStateLoad {
        let started = ContinuousClock.now
        let rebuilt = try StateSync.trust(store)
        let before = lock.withLock { stateReplayed }
        let (records, indexed, size, filter) = try rulesLock.withLock {
            try store.read { r in
                try withRules(r) { state, _ in
                    (state.count, (state.index.intervalCount, state.index.capCount, state.index.actCount), state.size, state.filterSource)
                }
            }
        }
        let took = (ContinuousClock.now - started).components
        return RulesStateLoad(records: records, indexed: indexed, size: size, seconds: Double(took.seconds) + Double(took.attoseconds) / 1e18,
                              source: rulesLock.withLock { loadedFrom }, filter: filter,
                              state: StateSync.Outcome(replayed: lock.withLock { stateReplayed } - before, rebuilt: rebuilt))
    }

    /// Writes the rules checkpoint up to the last committed batch the state environment has
    /// now, and waits for it: before a clean stop, so that the next start replays nothing.
    public func writeRulesCheckpoint() {
        // The batches committed are the checkpoint's once the state environment has them.
        projector.drain()
        let keeper = rulesLock.withLock {
            // The batches committed since the last prepare, which would have settled them.
            _ = settleCommitted()
            // A state environment that cannot be read or written now keeps its spans out of this
            // step (the checkpoint is never past it): the next start replays them.
            if let models = try? store.read({ try $0.stateSize() }) { try? project(models: models) }
            checkpointer?.stepIfDue(entries: checkpointEntries, interval: checkpointInterval, force: true)
            return checkpointer
        }
        keeper?.wait()
    }

    /// The rules checkpoint's state: the steps this writer's keeper wrote, and why its last one
    /// failed (or why it ended), if it did.
    public var rulesCheckpoint: (steps: Int, fault: String?) {
        rulesLock.withLock { (checkpointer?.steps ?? 0, checkpointer?.fault) }
    }

    /// The rules' state in memory brought up to the log and checkpointed, as canonical bytes by
    /// key, the size it reflects and the cold layers it still holds (for tests, which compare it
    /// with the state environment's rule records).
    func rulesStateRecords() throws -> (size: UInt64, records: [String: [UInt8]], coldLayers: Int, index: BehaviourIndex.Contents) {
        while true {
            _ = try loadRulesState()
            writeRulesCheckpoint()
            let loadsBefore = rulesStateLoads
            let found = try rulesLock.withLock {
                try store.read { r in
                    try withRules(r) { state, _ in
                        var out: [String: [UInt8]] = [:]
                        state.forEachRecord { k, c in out[k] = c.stored }
                        return (state.size, out, state.layers.count, state.index.contents)
                    }
                }
            }
            // Loaded again (another writer's step moved the checkpoint): what it replayed is not
            // checkpointed yet.
            if rulesStateLoads == loadsBefore { return found }
        }
    }

    private func prepareOnce(_ submissions: [Submission], now: Timestamp, after previous: PreparedBatch?,
                             abortOnRejection: Bool) throws -> PreparedBatch {
        try store.read { r -> PreparedBatch in
            if let p = previous {
                // The snapshot is the log `p` was prepared over, or that log with `p` committed.
                if (try? Self.requireHead(of: p.start, in: r)) == nil { try Self.requireHead(of: p.end, in: r) }
                // The read models follow each commit; one that failed to be written stops the
                // pipeline, and the prepare without it writes it again, or reports why (`project`).
                let models = try r.stateSize()
                guard models == p.start.frontier.size || models == p.end.frontier.size else {
                    throw SequencerError.stateBehind(stateSize: models, logSize: p.start.frontier.size)
                }
            }
            return try withRules(r, after: previous) { rules, _ in
                var st: WriterState
                var pending: [Digest: UInt64] = [:]
                if let p = previous {
                    st = p.end
                    for a in p.contents.accepted { pending[a.root] = a.firstSeq }
                } else {
                    st = try currentState(r, rules: rules)
                }
                let start = st
                let startKey = st.ledger.registryKey
                // Another process may have rotated the registry key since this sequencer started.
                if st.frontier.size > 0, signingKey(for: startKey) == nil {
                    throw SequencerError.notTheRegistryKey(current: startKey!, held: keys.map(\.verifierKey))
                }
                let time = max(now, st.lastTime)
                // Aged to the log's last committed time, not this batch's: no batch's time is
                // before it, whatever fails.
                if let windows = st.ledger.windows {
                    rules.index.age(under: windows, committedThrough: unsettled.first?.start.lastTime ?? st.lastTime)
                }
                let hasher = MerkleHasher()
                var batch = PreparedBatch.Contents(time: time)
                batch.outcomes.reserveCapacity(submissions.count)
                var effects = StateSync.AppliedSpan.Effects()
                let batchState = StateOverlay(writingThrough: rules,
                                              expectedWrites: submissions.reduce(0) { $0 + $1.events.count } * StateOverlay.writesPerEvent)
                // Whatever ends the batch early leaves the rules' state as it found it.
                var isPrepared = false
                defer { if !isPrepared { batchState.undoAll() } }
                for sub in submissions {
                    let firstSeq = st.frontier.size
                    let lookup = PendingLookup(reader: r, pending: pending)
                    let entries = SubmissionEntries(sub, firstSeq: firstSeq, prev: st.head, time: time, hasher: hasher)
                    batchState.beginSavepoint()
                    let effectsBefore = effects.list.count
                    do {
                        // The read models are written from the effects at the commit, off this thread.
                        let next = try Reducer.apply(sub, to: st.ledger, state: batchState, time: time, leafHashes: entries.leafHashes, lookup: lookup,
                                                     effects: &effects.list)
                        if next.registryKey != st.ledger.registryKey, signingKey(for: next.registryKey) == nil {
                            // Not a rule of the log (replay never sees it): this commit could not be signed.
                            throw RuleViolation(field: "registry_key", rule: .registryKeyUnavailable,
                                                message: "the sequencer does not hold the private key of \(next.registryKey!.name); put it in the ledger directory as \(LedgerDirectory.nextKeyFile) before submitting the rotation")
                        }
                        st.ledger = next
                    } catch let v as RuleViolation {
                        batchState.rollback()
                        effects.list.removeSubrange(effectsBefore...)
                        if abortOnRejection { throw Rejection(submissionIndex: batch.outcomes.count, violation: v) }
                        batch.rejections.append((sub.root, Self.rejectionRecord(sub, v)))
                        batch.outcomes.append(.failure(v))
                        continue
                    }
                    batchState.commitSavepoint()
                    effects.starts.append((firstSeq, effectsBefore))
                    batch.append(entries, root: sub.root, firstSeq: firstSeq, to: &st, hasher: hasher)
                    pending[sub.root] = firstSeq
                    batch.outcomes.append(.success(AppendReceipt(firstSeq: firstSeq, count: sub.events.count, root: sub.root, treeSize: 0)))
                }
                if st.frontier.size > start.frontier.size { st.lastTime = time }
                // The commit thread reads its writes while the next batch changes the state.
                batchState.freeze()
                let prepared = PreparedBatch(submissions: submissions, contents: batch, state: batchState, effects: effects, start: start, end: st)
                unsettled.append(prepared)
                rules.reflect(size: st.frontier.size)
                isPrepared = true
                return prepared
            }
        }
    }

    /// Makes a prepared batch durable: one write transaction and one fsync for its entries,
    /// tree nodes, submission index, refusals and signed checkpoint. Its state changes go to the
    /// state's environment after it, without fsync, on the projector's thread (`Projector`):
    /// wait for them with `whenStateHas(size:)` to read what it appended. Throws
    /// `SequencerError.concurrentWriter` (nothing written) if another process appended since
    /// the batch was prepared, and storage errors (nothing written either).
    public func commit(_ batch: PreparedBatch) throws -> [Result<AppendReceipt, RuleViolation>] {
        let c = batch.contents
        do {
            try store.write { w in
                try Self.requireHead(of: batch.start, in: w.reader)
                try Self.write(c, to: w)
                if batch.end.frontier.size > batch.start.frontier.size {
                    try commitHead(state: batch.end, previousSize: batch.start.frontier.size, previousKey: batch.start.ledger.registryKey,
                                   writer: w, hasher: MerkleHasher())
                }
            }
        } catch {
            lock.withLock { batch.outcome = .failed }
            setCached(nil)
            throw error
        }
        lock.withLock { batch.outcome = .committed }
        setCached(batch.end, committed: true)
        projector.enqueue(batch)
        let size = batch.end.frontier.size
        return c.outcomes.map { $0.map { var r = $0; r.treeSize = size; return r } }
    }

    /// State commits that failed after their log commit (for metrics and tests). The log is
    /// durable by then, so no caller's submission fails; the next `prepare` writes what they
    /// missed from the rules' state in memory (`project`), and reports the fault if it persists.
    public var stateFaults: Int { projector.faultCount }

    /// Blocks until the state environment has every batch committed so far (or their write
    /// failed, for the next `prepare` to make good): before flushing the state, or stopping.
    public func waitForState() {
        projector.drain()
    }

    /// Runs `resume` once the state environment has the batches committed up to log size `size`
    /// (or their write failed): a caller that will read what it appended waits for this.
    public func whenStateHas(size: UInt64, _ resume: @escaping @Sendable () -> Void) {
        projector.whenHandled(through: size, resume)
    }

    /// Holds the state's writes back until `resumeStateWrites()`, and counts their transactions
    /// (tests: what a commit acknowledges before the state has it, and what queues meanwhile).
    func holdStateWrites() { projector.hold() }
    func resumeStateWrites() { projector.resume() }
    var stateTransactions: Int { projector.transactionCount }
    /// Called when a caller starts waiting for the state (`whenStateHas`; tests).
    var onStateWaiter: (@Sendable () -> Void)? {
        get { projector.onWaiting }
        set { projector.onWaiting = newValue }
    }

    /// Told the log size the state's writes reached (or failed at) after each of them: the
    /// server wakes the reads waiting for the state (`Ledger-Min-Size`). Set before appending.
    public var onStateWritten: (@Sendable (UInt64) -> Void)? {
        get { projector.onHandled }
        set { projector.onHandled = newValue }
    }

    /// What appending `submissions` in order would refuse, every event's rule (`Reducer.check`),
    /// one list per submission; nothing is written but the catch-up of the states to the log.
    public func check(_ submissions: [Submission], now: Timestamp) throws -> [[RuleViolation]] {
        try StateSync.trust(store)
        return try rulesLock.withLock { try store.read { r in try withRules(r) { rules, _ in
            var st = try currentState(r, rules: rules)
            let time = max(now, st.lastTime)
            // Over the rules' state in memory, which it leaves as it is.
            let state = StateOverlay(base: rules)
            let hasher = MerkleHasher()
            var pending: [Digest: UInt64] = [:]
            var found: [[RuleViolation]] = []
            for sub in submissions {
                let firstSeq = st.ledger.size
                let entries = SubmissionEntries(sub, firstSeq: firstSeq, prev: st.head, time: time, hasher: hasher)
                let scratch = StateOverlay(base: state)
                let (next, violations) = try Reducer.check(sub, to: st.ledger, state: scratch, time: time, leafHashes: entries.leafHashes,
                                                           lookup: PendingLookup(reader: r, pending: pending))
                found.append(violations)
                // A refused submission is not appended: the next one sees neither its writes nor its entries.
                guard violations.isEmpty else { continue }
                for (k, v) in scratch.writes { state.put(k, v) }
                st.ledger = next
                st.head = entries.head
                pending[sub.root] = firstSeq
            }
            return found
        } } }
    }

    /// Why an all-or-nothing append was refused.
    public struct Rejection: Error, Equatable {
        public var submissionIndex: Int
        public var violation: RuleViolation
    }

    /// Appends every submission in one transaction, or none of them if any breaks a rule.
    public func appendAllOrNothing(_ submissions: [Submission], now: Timestamp) throws -> Result<[AppendReceipt], Rejection> {
        do {
            let results = try append(submissions, now: now, abortOnRejection: true)
            return .success(results.map { try! $0.get() })
        } catch let r as Rejection {
            // The refused batch left nothing; the refusal itself is kept for statistics.
            let sub = submissions[r.submissionIndex]
            try store.write { w in try w.putRejection(time: now, root: sub.root, record: Self.rejectionRecord(sub, r.violation)) }
            return .failure(r)
        }
    }

    /// What statistics keep of a refused submission: the rule, and the offending event.
    static func rejectionRecord(_ sub: Submission, _ v: RuleViolation) -> JSONValue {
        var r: JSONObject = ["rule": .string(v.id), "field": .string(v.field), "message": .string(v.message),
                             "signer": .string(sub.signer.description), "events": .int(Int64(sub.events.count))]
        if let i = v.eventIndex {
            r["event_index"] = .int(Int64(i))
            r["event"] = sub.events[i]
        }
        return .object(r)
    }

    /// Writes a batch's refusals, entries, tree nodes (appends) and submission index records.
    private static func write(_ c: PreparedBatch.Contents, to w: StoreWriter) throws {
        for (root, record) in c.rejections { try w.putRejection(time: c.time, root: root, record: record) }
        for (firstSeq, bytes) in c.entries {
            for (i, b) in bytes.enumerated() { try w.appendEntry(seq: firstSeq + UInt64(i), bytes: b) }
        }
        for (id, hash) in c.nodes { try w.appendNode(id, hash) }
        for (root, firstSeq) in c.accepted { try w.putSubmission(root: root, firstSeq: firstSeq) }
    }

    /// Records the new head and signs a checkpoint for it, after checking that it extends the
    /// previous checkpoint: the log never signs two inconsistent checkpoints.
    private func commitHead(state st: WriterState, previousSize: UInt64, previousKey: NoteVerifierKey?, writer w: StoreWriter,
                            hasher: MerkleHasher) throws {
        let size = st.frontier.size
        let root = st.frontier.root(hasher: hasher)
        precondition(!keys.isEmpty, "a replica never signs; it stores the registry's checkpoints")
        guard let key = signingKey(for: st.ledger.registryKey) else {
            preconditionFailure("a rotation to a key this sequencer does not hold was accepted")
        }
        // Across a rotation the outgoing key signs too, so whoever trusts it can follow.
        var signers = [key]
        if let old = previousKey, old != key.verifierKey, let oldKey = signingKey(for: old) { signers.append(oldKey) }
        if previousSize > 0, let prevNote = try w.reader.checkpoint(size: previousSize) {
            let prev = try Checkpoint.open(prevNote, key: previousKey ?? key.verifierKey)
            let proof = try MerkleProofBuilder(reader: w.reader, hasher: hasher).consistencyProof(from: previousSize, to: size)
            try MerkleVerifier.verifyConsistency(size1: prev.size, size2: size, root1: prev.root, root2: root, proof: proof, hasher: hasher)
        }
        guard let origin = st.ledger.origin else { preconditionFailure("appended entries without a genesis origin") }
        let note = Checkpoint(origin: origin, size: size, root: root).sign(with: signers)
        try w.putCheckpoint(size: size, note: note)
        try storeHead(state: st, note: note, previousSize: previousSize, writer: w)
    }

    private func storeHead(state st: WriterState, note: String, previousSize: UInt64, writer w: StoreWriter) throws {
        let size = st.frontier.size
        guard let origin = st.ledger.origin else { preconditionFailure("appended entries without a genesis origin") }
        try w.putMeta(.checkpoint, Array(note.utf8))
        try w.putMeta(.size, u64: size)
        try w.putMeta(.head, st.head.bytes)
        try w.putMeta(.lastTime, u64: UInt64(bitPattern: st.lastTime.millisecondsSinceEpoch))
        if previousSize == 0 {
            try w.putMeta(.format, Array(LogStore.format.utf8))
            try w.putMeta(.origin, Array(origin.utf8))
        }
    }

    /// Why a replica refused what a server sent.
    public enum ReplicationError: Error, CustomStringConvertible {
        case notAtHead(expected: UInt64, got: UInt64)
        case malformed(seq: UInt64, String)
        case entryMismatch(seq: UInt64)
        case rule(seq: UInt64, RuleViolation)
        case checkpoint(size: UInt64, String)

        public var description: String {
            switch self {
            case .notAtHead(let e, let g): return "entries must continue the replica at seq \(e), got \(g)"
            case .malformed(let seq, let why): return "entry \(seq) is malformed: \(why)"
            case .entryMismatch(let seq): return "entry \(seq) is not the entry its submission, position and predecessor produce (history differs from ours or was rewritten)"
            case .rule(let seq, let v): return "entry \(seq) breaks a rule: \(v)"
            case .checkpoint(let size, let why): return "the registry's checkpoint for tree size \(size) does not match the entries: \(why)"
            }
        }
    }

    /// Appends entries received from another ledger, verifying them exactly as `verify` does:
    /// each submission is rebuilt from its events, signer and signature at its time after our
    /// head, and must produce the received bytes; the reducer runs; each of the registry's
    /// checkpoints (at sizes inside the span) must match the recomputed root, and is stored.
    /// All or nothing. `entries` must end at a submission boundary, `checkpoints` sorted.
    @discardableResult
    public func replicate(entries: [[UInt8]], checkpoints: [String]) throws -> UInt64 {
        try StateSync.trust(store)
        return try rulesLock.withLock {
            // The rules' state brought up to the log first, its cold records read from the
            // rules checkpoint as the rules run below.
            let rules = try store.read { r in try withRules(r) { rules, _ in rules } }
            guard let keeper = checkpointer else { throw SequencerError.checkpointMoving(attempts: 0) }
            let (state, span) = try keeper.checkpoints.read { position, cold -> (WriterState, StateSync.AppliedSpan) in
                guard keeper.holds(position) else { throw SequencerError.checkpointMoving(attempts: 1) }
                rules.cold = cold
                defer { rules.cold = nil }
                let batchState = StateOverlay(writingThrough: rules, expectedWrites: entries.count * StateOverlay.writesPerEvent)
                do {
                    let (state, effects) = try replicate(entries, checkpoints, into: batchState, rules: rules)
                    batchState.freeze()
                    let span = StateSync.AppliedSpan(start: rules.size, end: state.frontier.size, overlay: batchState, effects: effects)
                    rules.reflect(size: span.end)
                    return (state, span)
                } catch {
                    batchState.undoAll()
                    throw error
                }
            }
            setCached(state, committed: true)
            applied(span, batch: nil)
            // The state environment now, as a commit does; else the next replication does.
            if let models = try? store.read({ try $0.stateSize() }) { try? project(models: models) }
            return state.frontier.size
        }
    }

    /// `replicate`'s write transaction: the entries checked and appended, their rules applied
    /// to `batchState` over the rules' state `rules`. Returns the writer state after them and
    /// what they give the read models.
    private func replicate(_ entries: [[UInt8]], _ checkpoints: [String], into batchState: StateOverlay,
                           rules: ResidentState) throws -> (WriterState, StateSync.AppliedSpan.Effects) {
        try store.write { w -> (WriterState, StateSync.AppliedSpan.Effects) in
            var st = try currentState(w.reader, rules: rules)
            let start = st.frontier.size
            guard rules.size == start else { throw SequencerError.stateBehind(stateSize: rules.size, logSize: start) }
            let hasher = MerkleHasher()
            var effects = StateSync.AppliedSpan.Effects()
            // A replica refuses what breaks a rule instead of recording it: no refusals, so no time.
            var received = PreparedBatch.Contents(time: .minimum)
            var pending: [Digest: UInt64] = [:]
            var notes = try checkpoints.map { note -> (Checkpoint, String) in
                do { return (try Checkpoint(text: SignedNote.parse(note).text), note) } catch { throw ReplicationError.checkpoint(size: 0, "\(error)") }
            }[...]
            var assembler = SubmissionAssembler(next: start, head: st.head, lastTime: st.lastTime)
            for (i, bytes) in entries.enumerated() {
                let seq = start + UInt64(i)
                let decoded: DecodedEntry
                do { decoded = try DecodedEntry(bytes, hasher: hasher) } catch { throw ReplicationError.malformed(seq: seq, "\(error)") }
                if i == 0, decoded.entry.seq != start { throw ReplicationError.notAtHead(expected: start, got: decoded.entry.seq) }
                let assembled: SubmissionAssembler.Assembled?
                do throws(SubmissionAssembler.Fault) { assembled = try assembler.add(decoded) } catch {
                    // Entries that do not chain onto ours are another history, not a damaged page.
                    throw error.kind == .chain ? ReplicationError.entryMismatch(seq: error.seq) : ReplicationError.malformed(seq: error.seq, error.reason)
                }
                guard let a = assembled else { continue }
                let sub = a.submission, firstSeq = a.firstSeq
                // What we would have appended for it, byte for byte: the server's bytes are canonical.
                let built = SubmissionEntries(sub, firstSeq: firstSeq, prev: st.head, time: a.time, hasher: hasher)
                for k in 0..<built.bytes.count where built.bytes[k] != entries[Int(firstSeq - start) + k] { throw ReplicationError.entryMismatch(seq: firstSeq + UInt64(k)) }
                do {
                    effects.starts.append((firstSeq, effects.list.count))
                    st.ledger = try Reducer.apply(sub, to: st.ledger, state: batchState, time: a.time, leafHashes: built.leafHashes,
                                                  lookup: PendingLookup(reader: w.reader, pending: pending), effects: &effects.list)
                } catch let v as RuleViolation {
                    throw ReplicationError.rule(seq: firstSeq + UInt64(v.eventIndex ?? 0), v)
                }
                received.append(built, root: sub.root, firstSeq: firstSeq, to: &st, hasher: hasher)
                pending[sub.root] = firstSeq
                st.lastTime = a.time
                // The registry's checkpoints at the sizes reached.
                while let (cp, note) = notes.first, cp.size <= st.frontier.size {
                    notes.removeFirst()
                    guard cp.size == st.frontier.size else {
                        throw ReplicationError.checkpoint(size: cp.size, "it falls inside a submission")
                    }
                    guard let key = st.ledger.registryKey, let origin = st.ledger.origin else { throw ReplicationError.checkpoint(size: cp.size, "no genesis yet") }
                    do { _ = try Checkpoint.open(note, key: key, origin: origin) } catch { throw ReplicationError.checkpoint(size: cp.size, "\(error)") }
                    guard cp.root == st.frontier.root(hasher: hasher) else {
                        throw ReplicationError.checkpoint(size: cp.size, "its root \(cp.root.base64) is not the root of the entries (\(st.frontier.root(hasher: hasher).base64))")
                    }
                    try w.putCheckpoint(size: cp.size, note: note)
                    try storeHead(state: st, note: note, previousSize: try w.reader.metaU64(.size) ?? 0, writer: w)
                }
            }
            if let o = assembler.incomplete { throw ReplicationError.malformed(seq: o.firstSeq, "does not start a complete submission: \(o.taken) of its \(o.count) events were received") }
            guard notes.isEmpty else { throw ReplicationError.checkpoint(size: notes.first!.0.size, "beyond the entries received") }
            guard try w.reader.metaU64(.size) == st.frontier.size else {
                throw ReplicationError.checkpoint(size: st.frontier.size, "no checkpoint of the registry covers the entries up to here")
            }
            try Self.write(received, to: w)
            return (st, effects)
        }
    }

    /// The cached state if no other writer appended since, else a state rebuilt from the store
    /// (the registry key from `rules`, the state as of the log's head).
    private func currentState(_ r: StoreReader, rules: StateReader) throws -> WriterState {
        let size = try r.metaU64(.size) ?? 0
        if let c = lock.withLock({ cached }), c.frontier.size == size { return c }
        return try Self.loadState(r, size: size, rules: rules)
    }

    /// Throws `concurrentWriter` unless the stored log ends where `state` does: same size and
    /// same last leaf. The size alone is not enough: a batch prepared over one that never
    /// committed has the size another writer's entries may have reached.
    static func requireHead(of state: WriterState, in r: StoreReader) throws {
        let size = try r.metaU64(.size) ?? 0
        let head = try r.metaDigest(.head) ?? .zero
        guard size == state.frontier.size, head == state.head else {
            throw SequencerError.concurrentWriter(expectedSize: state.frontier.size, foundSize: size)
        }
    }

    private func setCached(_ state: WriterState?, committed: Bool = false) {
        lock.withLock {
            cached = state
            if committed { self.committed += 1 }
        }
    }

    /// Rebuilds the writer's state: the frontier from stored nodes, the rule state by replaying
    /// the genesis submission through the reducer, and the registry key of the last rotation
    /// (from the state, which must reflect the whole log).
    static func loadState(_ r: StoreReader, size: UInt64, rules: StateReader) throws -> WriterState {
        guard size > 0 else {
            return WriterState(ledger: LedgerState(), frontier: MerkleFrontier(), head: .zero, lastTime: .minimum)
        }
        let ledger = try StateSync.ledgerState(at: size, log: r, state: rules)
        guard let head = try r.metaDigest(.head), let t = try r.metaU64(.lastTime) else { throw StoreError.missing("meta/head or meta/last_time") }
        return WriterState(ledger: ledger, frontier: try MerkleFrontier(size: size, reader: r), head: head,
                           lastTime: Timestamp(millisecondsSinceEpoch: Int64(bitPattern: t)))
    }
}

/// How a writer's rules' state was made (`Sequencer.loadRulesState`).
public struct RulesStateLoad: Sendable {
    public enum Source: Equatable, Sendable, CustomStringConvertible {
        /// From the rules checkpoint after `size` entries, and `replayed` entries of the log after it.
        case checkpoint(size: UInt64, replayed: UInt64)
        /// From a replay of the whole log, and why not from the rules checkpoint (which the
        /// replay made again).
        case replay(why: String)

        public var description: String {
            switch self {
            case .checkpoint(let size, let replayed): return "the rules checkpoint after \(size) entries and \(replayed) entries of the log after it"
            case .replay(let why): return "a replay of the whole log, not the rules checkpoint: \(why)"
            }
        }
    }
    /// Records held in memory, the entries they reflect, the seconds it took.
    public var records: Int
    /// The intervals, daily caps and acts the index of behaviours holds.
    public var indexed: (intervals: Int, caps: Int, acts: Int)
    public var size: UInt64
    public var seconds: Double
    public var source: Source
    /// What the key filter was built from (nil: nothing stored, it holds what the replay wrote).
    public var filter: ResidentState.FilterSource?
    /// What it did to the state environment: emptied it (rebuilt), wrote entries it lacked.
    public var state: StateSync.Outcome
}
