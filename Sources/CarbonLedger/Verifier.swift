import Foundation
import Synchronization
import LedgerCore
import LedgerStore

/// Replays a whole log: re-canonicalises and re-hashes every entry, checks every `prev` link,
/// every submission's root and signature, every rule (the same `Reducer` the sequencer runs),
/// every stored Merkle node, the submission index and every stored checkpoint, and the latest
/// checkpoint's signature and root, and that the stored projections equal the state a replay
/// of the log builds in a fresh scratch store, byte for byte. Hashing runs on all cores.
public struct Verifier {
    public let store: LogStore
    /// Replay only entries below this seq (rounded down to a whole submission): the state "as of"
    /// that point. The log-wide checks at the head are then skipped.
    public var upTo: UInt64?
    /// Directory for the replayed state (an LMDB environment). Default: a temporary directory,
    /// removed afterwards; a given directory is kept and must be new or empty.
    public var scratchDirectory: String?
    /// Initial map size of the scratch environment; it doubles whenever a chunk does not fit.
    public var scratchMapSize = 1 << 30
    /// Entries decoded and hashed per parallel step.
    public var chunkSize = 8192
    /// Stored records read per step of a comparison with the replay (the next step's read runs
    /// while one is compared).
    public var compareChunk = 4096
    public var workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Called after each chunk with (entries verified, total).
    public var progress: ((UInt64, UInt64) -> Void)?
    /// Checkpoints the auditor trusts from earlier (signed notes): each must be signed by the
    /// registry key in effect at its size and commit to this log's first entries, and the log
    /// must not be shorter than any of them. Catches a rewritten history (fork) and a restored
    /// older copy (rollback), which are internally consistent and pass every other check.
    public var trustedCheckpoints: [String] = []
    /// An auditor's own directory that keeps the replayed state between runs (SPEC.md section
    /// 9.1): new or empty, the whole log is replayed into it; written by an earlier run, only
    /// the entries after the history it verified are, once the log is shown to extend that
    /// history. Every chunk's state is committed (durably) with the position it reached, so a
    /// run that stops or fails part way keeps what it verified. Not with `upTo` or
    /// `scratchDirectory`.
    public var auditStateDirectory: String?
    /// With an audit state that has verified entries before: compare every projection, not
    /// only those written since the last comparison.
    public var compareAllProjections = false
    /// Called on the scratch-store thread at each `AuditCommitPoint` of an audit state's chunk
    /// commits: the fault-injection point of the crash tests (`cledger` installs it from
    /// `CARBONLEDGER_FAULT`). Not called without an audit state.
    public var auditCommitHook: (@Sendable (AuditCommitPoint) -> Void)?

    public init(store: LogStore) { self.store = store }

    public func verify() throws -> VerificationReport {
        var audit: AuditStateDirectory?
        let scratch: LogStore
        var temporary: String?
        defer { if let t = temporary { try? FileManager.default.removeItem(atPath: t) } }
        if let a = auditStateDirectory {
            guard upTo == nil, scratchDirectory == nil else { throw AuditStateError.partialReplay }
            let opened = try AuditStateDirectory(path: a, mapSize: scratchMapSize)
            let origin = try store.read { try $0.metaString(.origin) }
            if let p = opened.position, let origin, p.origin != origin {
                throw AuditStateError.otherLedger(dir: a, audited: p.origin, ledger: origin)
            }
            (audit, scratch) = (opened, opened.store)
        } else {
            let dir = scratchDirectory ?? (NSTemporaryDirectory() + "carbonledger-replay-" + UUID().uuidString)
            try LedgerDirectory.prepareNew(dir)
            if scratchDirectory == nil { temporary = dir }
            var options = LMDBOptions()
            options.noSync = true  // scratch state: rebuilt from the log whenever needed
            options.mapSize = scratchMapSize
            scratch = try LogStore(path: dir, options: options)
        }
        VerificationPosition.seq = audit?.position?.size ?? 0
        return try store.read { r in
            var replay = Replay(reader: r, verifier: self, scratch: scratch, resume: audit?.position, keepsPosition: audit != nil)
            do {
                return try replay.run()
            } catch let e as LMDBError {
                // The log's own environment failed to read (the scratch store's errors are the
                // same type, but a full scratch map is grown, not thrown).
                throw VerificationFailure(seq: VerificationPosition.seq,
                                          reason: "the data file is damaged here: \(e). LMDB cannot read the log past this point; "
                                              + "restore the ledger from a mirror or a backup")
            }
        }
    }
}

/// The state of one replay.
private struct Replay {
    let reader: StoreReader
    let verifier: Verifier
    let hasher = MerkleHasher()
    var state = LedgerState()
    var frontier = MerkleFrontier()
    /// Entries grouped back into their submissions, with the chain's checks.
    var assembler = SubmissionAssembler()
    var head: Digest { assembler.head }
    var lastTime: Timestamp { assembler.lastTime }
    var submissions: UInt64 = 0
    var checkpointsChecked: UInt64 = 0
    var nextCheckpointSizes: [UInt64] = []
    /// Trusted checkpoints not reached yet, smallest first.
    var trusted: [(size: UInt64, note: String)] = []
    let scratch: LogStore
    /// The scratch state of the chunk being replayed.
    var chunkState: StateOverlay?
    /// The first entry replayed: 0, or where a kept audit state stands.
    let start: UInt64
    /// Whether each chunk's state is committed with the replay's position (an audit state).
    let keepsPosition: Bool
    /// The replay's position at the last submission boundary, once one is passed.
    var boundary: ReplayPosition?
    /// Registry keys in effect, from the tree size of their first checkpoint on.
    var registryKeys: [(fromSize: UInt64, key: NoteVerifierKey)] = []
    /// The key that signed the last stored checkpoint checked: a checkpoint under another key is
    /// the rotating commit's, which both must sign.
    var lastCheckpointKey: NoteVerifierKey?

    init(reader: StoreReader, verifier: Verifier, scratch: LogStore, resume: ReplayPosition?, keepsPosition: Bool) {
        self.reader = reader
        self.verifier = verifier
        self.scratch = scratch
        self.keepsPosition = keepsPosition
        start = resume?.size ?? 0
        if let p = resume, p.size > 0 {
            state.origin = p.origin
            state.registryKey = p.registryKeys.last?.key
            state.size = p.size
            frontier = p.frontier
            assembler = SubmissionAssembler(next: p.size, head: p.head, lastTime: p.lastTime)
            submissions = p.submissions
            checkpointsChecked = p.checkpointsChecked
            registryKeys = p.registryKeys
            lastCheckpointKey = p.registryKeys.last?.key
            boundary = p
        }
    }

    /// The position after the last entry stepped through, which ended a submission.
    func position() -> ReplayPosition {
        ReplayPosition(origin: state.origin ?? "", size: frontier.size, head: head, frontier: frontier, lastTime: lastTime,
                       registryKeys: registryKeys, submissions: submissions, checkpointsChecked: checkpointsChecked)
    }

    static func fail(_ seq: UInt64?, _ reason: String) -> VerificationFailure { VerificationFailure(seq: seq, reason: reason) }

    mutating func run() throws -> VerificationReport {
        guard let size = try reader.metaU64(.size), size > 0 else { throw Self.fail(nil, "meta/size is missing: not an initialised ledger") }
        nextCheckpointSizes = try reader.checkpointSizes(near: start + 1, limit: 1024)
        for note in verifier.trustedCheckpoints {
            guard let cp = try? Checkpoint(text: SignedNote.parse(note).text) else { throw Self.fail(nil, "a trusted checkpoint is not a signed checkpoint note") }
            trusted.append((cp.size, note))
        }
        trusted.sort { $0.size < $1.size }
        if start > 0 {
            try checkExtendsAuditedHistory(size: size)
            // The replay resumes past genesis: the rule set is the one entry 0 binds the log to.
            guard let bytes = try reader.entryBytes(0), let genesis = try? Entry.decode(bytes) else { throw Self.fail(0, "entry 0 (genesis) cannot be read") }
            state.rules = Reducer.ruleSet(ofGenesis: genesis.event)
            state.windows = Windows.of(genesis: genesis.event)
        }
        let end = min(size, verifier.upTo ?? size)
        // The projections are compared with the replay where they stand (the state's size),
        // unless this is a partial replay, or they trail the audit state the replay starts from.
        let stateSize = try reader.stateSize()
        guard stateSize <= size else { throw Self.fail(nil, "the state reflects \(stateSize) entries but the log has only \(size)") }
        let compareAt: UInt64? = verifier.upTo == nil && stateSize >= start ? stateSize : nil
        var compared: Int?
        // The rules checkpoint is compared when the replay reaches its size, if it is this log's.
        let (checkpoint, checkpointNote) = verifier.upTo == nil ? try rulesCheckpoint(from: start, size: size) : (nil, nil)
        var checkpointCompared: (size: UInt64, records: Int)?
        var checkpointMoved: String?
        // Three stages on two cores: this thread reads chunk i+1 from the log and hands it to be
        // decoded and hashed, runs the rules of chunk i over the replayed state, and hands chunk
        // i's state changes to be written to the scratch store while it goes on. The rules of a
        // chunk read through the overlay of the chunk before (whose write may still run) over a
        // snapshot of the scratch store that holds everything older.
        let writeQueue = DispatchQueue(label: "carbonledger.verify.scratch")
        // A chunk ends where the state is compared, so the scratch store holds exactly that.
        var chunks = LogChunks(reader: reader, from: start, end: end, chunkSize: verifier.chunkSize, workers: max(1, verifier.workers - 1),
                               stops: Array(Set([compareAt, checkpoint?.1.size].compactMap { $0 })).sorted(), checksNodes: true)
        let scratch = self.scratch
        var previous: StateOverlay?
        var writing: BackgroundResult<Void>?
        // A failure leaves the chunks before it stored: an audit state keeps what was verified.
        defer { _ = try? writing?.wait() }
        // The index of behaviours (intervals and daily caps): the replay's own, in memory; from
        // an audit state, made from the behaviours' records it holds.
        let index = try behaviourIndex()
        var seq = start
        // Chunks committed with a position by this run (the hook's count).
        var commits = 0
        // A state behind the log (after a crash) is compared when the replay reaches it; one
        // at the head after the log's own checks (`finish`), as their faults explain more.
        if compareAt == start && start < size { compared = try compareState(at: start) }
        while let chunk = try Self.next(&chunks) {
            let hashed = chunk.entries, nodes = chunk.nodes, n = hashed.count
            let beforeChunk = self
            var attempt: StateOverlay?
            let overlay = try scratch.read { r -> StateOverlay in
                // A read retried after another process grew the map starts the chunk over.
                self = beforeChunk
                attempt?.undoIndexChanges()
                let snapshot = StoreStateReader(r)
                previous?.rebase(onto: snapshot)
                let o = StateOverlay(base: previous ?? snapshot, index: index, expectedWrites: n * StateOverlay.writesPerEvent)
                attempt = o
                chunkState = o
                defer {
                    chunkState = nil
                    o.rebase(onto: DetachedState.shared)
                }
                for k in 0..<n { try step(seq: seq + UInt64(k), hashed[k], nodes[k]) }
                // The scratch-store thread reads its writes while the next chunk reads through it.
                o.freeze()
                return o
            }
            // One write in flight: the chunk before must be stored before this one's snapshot
            // can stand in for it.
            try writing?.wait()
            let written = Handoff(value: overlay)
            // An audit state records, with the chunk's state, the last submission boundary the
            // chunk passed: its state holds exactly the submissions before it.
            let position = keepsPosition ? boundary.map { (bytes: $0.encoded, size: $0.size) } : nil
            if position != nil { commits += 1 }
            let hook = verifier.auditCommitHook, commit = commits
            writing = BackgroundResult(on: writeQueue) {
                try scratch.writeState { w in
                    try w.apply(written.value)
                    if let p = position {
                        try w.putMeta(.audit, p.bytes)
                        hook?(AuditCommitPoint(stage: .beforeCommit, commit: commit, position: p.size))
                    }
                }
                if let p = position { hook?(AuditCommitPoint(stage: .afterCommit, commit: commit, position: p.size)) }
            }
            dispose(&previous, on: writeQueue)
            previous = overlay
            seq += UInt64(n)
            if let windows = state.windows, n > 0 { index.age(under: windows, committedThrough: lastTime) }
            if seq == compareAt && seq < size {
                try writing?.wait()
                compared = try compareState(at: seq)
            }
            // After `start` (`rulesCheckpoint`): a chunk ends there.
            if let (checkpoints, position) = checkpoint, seq == position.size {
                try writing?.wait()
                if let n = try compareCheckpoint(checkpoints, at: position) {
                    checkpointCompared = (position.size, n)
                } else {
                    checkpointMoved = "not compared: a writer moved the rules checkpoint while the replay ran"
                }
            }
            verifier.progress?(seq, end)
        }
        try writing?.wait()
        if end < size {
            // A partial replay: the state as of the last whole submission before the cut.
            let replayed = assembler.incomplete?.firstSeq ?? end
            return VerificationReport(entries: replayed, stateKeysCompared: 0, stateSize: 0, submissions: submissions,
                                      checkpointsChecked: checkpointsChecked,
                                      checkpoint: Checkpoint(origin: state.origin ?? "", size: replayed, root: try MerkleProofBuilder(reader: reader, hasher: hasher).root(size: replayed)),
                                      registryKey: state.registryKey!)
        }
        if let o = assembler.incomplete {
            throw Self.fail(o.firstSeq, "submission starting here is incomplete: \(o.taken) of its \(o.count) events are in the log")
        }
        try checkRecordCounts(size: size)
        var report = try finish(size: size, stateKeysCompared: compared, compareAt: compareAt)
        report.resumedFrom = start
        report.comparedWrittenOnly = writtenOnly && report.projectionsCompared
        report.rulesCheckpointCompared = checkpointCompared
        report.rulesCheckpointNote = checkpointMoved ?? checkpointNote
        return report
    }

    /// The replay's index of behaviours: empty from the first entry; from an audit state, made
    /// from the behaviours' records its store holds (`BehaviourIndex.source`).
    func behaviourIndex() throws -> BehaviourIndex {
        let windows: Windows?
        if start > 0 {
            windows = state.windows
        } else {
            // The genesis entry is checked when it is replayed; one that does not decode has no windows.
            windows = try reader.entryBytes(0).flatMap { try? Entry.decode($0) }.flatMap { Windows.of(genesis: $0.event) }
        }
        let source = try BehaviourIndex.source(reader, size: start, windows: windows)
        guard start > 0 else { return BehaviourIndex(ages: source.ages) }
        return try scratch.read { try BehaviourIndex.load(StoreStateReader($0), from: source) }
    }

    /// The rules checkpoint to compare and where it stands, when it is this log's and the
    /// replay from `start` reaches it; else nil and why not (nil when there is none).
    func rulesCheckpoint(from start: UInt64, size: UInt64) throws -> ((RuleCheckpoints, RuleCheckpoints.Position)?, String?) {
        let checkpoints: RuleCheckpoints, found: RuleCheckpoints.Position?
        do {
            guard let opened = try reader.store.ruleCheckpointsIfPresent() else { return (nil, nil) }
            (checkpoints, found) = (opened, try opened.position())
        } catch {
            throw Self.fail(nil, "the rules checkpoint (\(RuleCheckpoints.directory)/) cannot be read (\(error)): \(RuleCheckpoints.remedy)")
        }
        guard let position = found else { return (nil, "not compared: it holds no state in this format (a writer makes it again)") }
        // Empty before the first entry: nothing to compare, and nothing a writer would load.
        guard position.size > 0 else { return (nil, nil) }
        guard position.size <= size, try reader.leafHash(ofEntryBefore: position.size) == position.head else {
            return (nil, "not compared: it is not this log's (a writer replays the whole log and makes it again)")
        }
        guard position.size > start else {
            return (nil, "not compared: it stands at \(position.size) entries, where the audit state's replay had been before this run")
        }
        return ((checkpoints, position), nil)
    }

    /// The rules checkpoint against the replay of its first `position.size` entries: the same
    /// rule records (every record but the read models), byte for byte. Nil when the checkpoint
    /// no longer stands there (a writer stepped it meanwhile).
    func compareCheckpoint(_ checkpoints: RuleCheckpoints, at position: RuleCheckpoints.Position) throws -> Int? {
        func failure(_ what: String) -> VerificationFailure {
            Self.fail(nil, "the rules checkpoint (\(RuleCheckpoints.directory)/, the state after \(position.size) entries) \(what): \(RuleCheckpoints.remedy)")
        }
        func fault(_ key: String, _ stored: String?, _ replayed: String?) -> VerificationFailure {
            switch (stored, replayed) {
            case (let l?, nil): return failure("holds \(key) = \(l), which a replay of the log does not produce")
            case (nil, let r?): return failure("lacks \(key) (a replay of the log produces \(r))")
            case (let l?, let r?): return failure("holds \(key) = \(l), where a replay of the log has \(r)")
            case (nil, nil): return failure("differs at \(key)")
            }
        }
        return try checkpoints.read(at: position) { txn, records, behaviours in
            guard let behaviours else { throw failure("has no database of its behaviours' records (\(RuleCheckpoints.behavioursDatabase))") }
            if let problem = try checkpoints.layoutProblem(txn) { throw failure(problem) }
            let prefix = StoreStateReader.behaviourPrefix
            // The behaviours' records against the replay's `beh/` keys, then every other record
            // against the replay's others.
            let behavioursCompared = try compareRecords(txn, behaviours, from: prefix, through: prefix + [0xFF], canonicalizing: true, fault: fault)
            let compared = try compareRecords(txn, records, canonicalizing: true,
                                              skipping: { Projection.owns(keyBytes: $0) || StoreStateReader.isBehaviourKey($0) }, fault: fault)
            if let problem = try checkpoints.filterProblem(txn) { throw failure(problem) }
            return behavioursCompared + compared
        }
    }

    /// The live projections against the replay of the first `size` entries (a submission
    /// boundary), and the supply invariant of every batch on the projections themselves.
    func compareState(at size: UInt64) throws -> Int {
        if let o = assembler.incomplete {
            throw Self.fail(o.firstSeq, "the state reflects \(size) entries, which ends inside the submission starting here")
        }
        VerificationPosition.readingState = true
        defer { VerificationPosition.readingState = false }
        let compared = try writtenOnly ? compareWrittenProjections() : compareProjections()
        let live = StoreStateReader(reader)
        for (key, _) in try reader.stateRecords(prefix: "batch/") {
            do { try Reducer.checkSupply(batch: String(key.dropFirst(6)), state: live) } catch let v as RuleViolation {
                throw Self.fail(nil, v.message)
            }
        }
        // Compared: the next run from the audit state compares what is written after this.
        if keepsPosition { try scratch.writeState { try $0.forgetTouched() } }
        return compared
    }

    /// Whether only the projections written since the last comparison are compared: after an
    /// audit state's first comparison, the others were equal then and the replay has not
    /// changed them since.
    var writtenOnly: Bool { keepsPosition && start > 0 && !verifier.compareAllProjections }

    /// The live projections written since the audit state last compared them (listed in its
    /// `touched` database, a key once per commit that wrote it) against the replay's: the same
    /// key present in both or in neither, with the same bytes. Returns the keys compared.
    func compareWrittenProjections() throws -> Int {
        guard let touched = scratch.touched else { preconditionFailure("an audit state lists the keys it wrote") }
        return try scratch.read { s in
            var compared = 0
            try s.stateTxn.scan(touched, from: nil) { _, list in
                var i = 0
                while i < list.count {
                    let n = i + 2 <= list.count ? Int(list[i]) << 8 | Int(list[i + 1]) : Int.max
                    guard n <= list.count - i - 2 else {
                        throw Self.fail(nil, "the audit state's list of written projections is damaged; remove the audit state and run a full verify into it")
                    }
                    let key = UnsafeRawBufferPointer(rebasing: list[(i + 2)..<(i + 2 + n)])
                    i += 2 + n
                    // Not kept by the state environment: the rules checkpoint's alone.
                    if ResidentState.isRulesOnly(keyBytes: key) { continue }
                    try compareProjection(key, in: s)
                    compared += 1
                }
                return true
            }
            return compared
        }
    }

    /// A live projection that is not the replay's: present in one of the two only, or with other
    /// bytes (each shown as text).
    static func projectionFault(_ key: String, stored: String?, replayed: String?) -> VerificationFailure {
        switch (stored, replayed) {
        case (_?, nil): return fail(nil, "projection \(key) is stored but a replay of the log does not produce it")
        case (nil, let r?): return fail(nil, "projection \(key) is missing from the store (a replay of the log produces \(r))")
        case (let l?, let r?): return fail(nil, "projection \(key) differs from the replayed state: stored \(l), replay \(r)")
        case (nil, nil): preconditionFailure("a projection absent from both is no fault")
        }
    }

    /// One live projection against the replay's.
    func compareProjection(_ k: UnsafeRawBufferPointer, in s: StoreReader) throws {
        func text(_ b: UnsafeRawBufferPointer) -> String { String(decoding: b.prefix(300), as: UTF8.self) }
        let key = String(decoding: k, as: UTF8.self)
        switch (try reader.stateTxn.get(reader.store.state, key: k), try s.stateTxn.get(scratch.state, key: k)) {
        case (nil, nil): return
        case (let l?, nil): throw Self.projectionFault(key, stored: text(l), replayed: nil)
        case (nil, let r?): throw Self.projectionFault(key, stored: nil, replayed: text(r))
        case (let l?, let r?):
            guard l.elementsEqual(r) else {
                throw Self.projectionFault(key, stored: text(l), replayed: text(r))
            }
        }
    }

    /// The next chunk of the log, a fault in reading it named at its seq.
    static func next(_ chunks: inout LogChunks) throws -> LogChunks.Chunk? {
        do { return try chunks.next() } catch let f as SubmissionAssembler.Fault { throw fail(f.seq, f.reason) }
    }

    /// `node`: what the entry's leaf completes inside its worker's part of the chunk, hashed and
    /// checked there; the nodes reaching further left are hashed and checked here.
    mutating func step(seq: UInt64, _ hashed: LogChunks.Decoded, _ node: MerkleRunNodes.Leaf) throws {
        // Where a fault in LMDB (a damaged page) is reported: the next chunk was read already.
        VerificationPosition.seq = seq
        let decoded: DecodedEntry
        switch hashed {
        case .failure(let e): throw Self.fail(seq, "stored bytes are not a valid entry: \(e)")
        case .success(let v): decoded = v
        }
        let leaf = decoded.leafHash
        do throws(SubmissionAssembler.Fault) { try assembler.take(decoded) } catch { throw Self.fail(error.seq, error.reason) }
        // Stored nodes first: the leaf node names a changed entry at its own seq, before its
        // submission's root (checked at the submission's last entry) could.
        func check(_ level: Int, _ index: UInt64, _ hash: Digest) throws {
            let id = MerkleNodeID(level: level, index: index)
            let stored: Digest
            do { stored = try reader.node(id) } catch { throw Self.fail(seq, "stored Merkle \(id): \(error)") }
            guard stored == hash else { throw Self.fail(seq, "stored Merkle \(id) does not match the entries (stored \(stored.hex), computed \(hash.hex))") }
        }
        if node.matches {
            try frontier.append(leafHash: leaf, merged: Int(node.merged), node: node.node, hasher: hasher, store: check)
        } else {
            // A stored node the worker found missing or different: every node of the leaf read
            // and compared here, the fault named as it always was.
            try frontier.append(leafHash: leaf, hasher: hasher, store: check)
        }
        let done: SubmissionAssembler.Assembled?
        do throws(SubmissionAssembler.Fault) { done = try assembler.completed() } catch { throw Self.fail(error.seq, error.reason) }
        if let done { try apply(done) }
        try checkStoredCheckpoint()
        try checkTrustedCheckpoint()
        if keepsPosition && assembler.incomplete == nil { boundary = position() }
    }

    /// Runs the reducer (signature, replay and event rules) over a whole submission.
    mutating func apply(_ o: SubmissionAssembler.Assembled) throws {
        let sub = o.submission
        do {
            state = try Reducer.apply(sub, to: state, state: chunkState!, time: o.time, leafHashes: o.leafHashes, lookup: reader)
        } catch let v as RuleViolation {
            throw Self.fail(o.firstSeq + UInt64(v.eventIndex ?? 0), "breaks a rule: \(v)")
        }
        if let k = state.registryKey, k != registryKeys.last?.key { registryKeys.append((o.firstSeq + UInt64(o.leafHashes.count), k)) }
        guard try reader.firstSeq(ofSubmission: sub.root) == o.firstSeq else {
            throw Self.fail(o.firstSeq, "the submission index does not map root \(sub.root.hex) to seq \(o.firstSeq)")
        }
        submissions += 1
    }

    /// Before a replay from an audit state: the log must extend the history the audit state
    /// verified. Its entry `start - 1` must be the one verified (the hash chain binds every
    /// entry before it), and every trusted checkpoint at or below `start` must be consistent
    /// with the verified tree, as the log's stored nodes prove.
    mutating func checkExtendsAuditedHistory(size: UInt64) throws {
        guard size >= start else {
            throw Self.fail(nil, "ROLLED BACK: the log has \(size) entries, but your audit state verified \(start) of them earlier: entries were removed or an older copy of the ledger was restored")
        }
        let last = start - 1
        guard let bytes = try reader.entryBytes(last) else { throw Self.fail(last, "entry is missing (the log ends early)") }
        let leaf = hasher.leafHash(bytes)
        guard leaf == head else {
            throw Self.fail(last, "FORK: this entry is not the one your audit state verified (leaf hash \(leaf.hex), verified \(head.hex)): the history was rewritten, or this entry was changed since")
        }
        let root = frontier.root(hasher: hasher)
        while let t = trusted.first, t.size <= start {
            trusted.removeFirst()
            guard t.size > 0 else { continue }
            guard let key = boundary?.registryKey(atSize: t.size), let origin = state.origin else {
                throw Self.fail(nil, "the audit state names no registry key for tree size \(t.size), so the trusted checkpoint there cannot be checked")
            }
            let cp: Checkpoint
            do { cp = try Checkpoint.open(t.note, key: key, origin: origin) } catch {
                throw Self.fail(t.size - 1, "the trusted checkpoint for tree size \(t.size) is not signed by this log's registry key at that size (\(key)): \(error)")
            }
            do {
                let proof = t.size == start ? [] : try MerkleProofBuilder(reader: reader, hasher: hasher).consistencyProof(from: t.size, to: start)
                try MerkleVerifier.verifyConsistency(size1: t.size, size2: start, root1: cp.root, root2: root, proof: proof, hasher: hasher)
            } catch {
                throw Self.fail(t.size - 1, "FORK: the trusted checkpoint for tree size \(t.size) (root \(cp.root.base64)) is not consistent with the \(start) entries your audit state verified (root \(root.base64)) by the log's stored tree nodes (\(error)): the history was rewritten, or the nodes are damaged (a full verify tells which)")
            }
        }
    }

    /// Each stored checkpoint must be signed by the registry key and match the tree at its size.
    mutating func checkStoredCheckpoint() throws {
        // Called at every tree size: a listed size below it was skipped, so the index holds a
        // size twice or out of order (a damaged key), and every later checkpoint would go unchecked.
        if let s = nextCheckpointSizes.first, s < frontier.size {
            throw Self.fail(frontier.size - 1, "the checkpoint index is damaged: it lists tree size \(s) again, or out of order, after tree size \(frontier.size - 1)")
        }
        guard let s = nextCheckpointSizes.first, s == frontier.size else { return }
        nextCheckpointSizes.removeFirst()
        if nextCheckpointSizes.isEmpty { nextCheckpointSizes = try reader.checkpointSizes(near: s + 1, limit: 1024) }
        guard let key = state.registryKey, let origin = state.origin else {
            throw Self.fail(s - 1, "a checkpoint is stored for tree size \(s) but no registry key is known yet")
        }
        guard let note = try reader.checkpoint(size: s) else { throw Self.fail(s - 1, "stored checkpoint for tree size \(s) vanished") }
        let cp: Checkpoint
        do { cp = try Checkpoint.open(note, key: key, origin: origin) } catch {
            throw Self.fail(s - 1, "stored checkpoint for tree size \(s): \(error)")
        }
        guard cp.size == s, cp.root == frontier.root(hasher: hasher) else {
            throw Self.fail(s - 1, "stored checkpoint for tree size \(s) does not match the tree (size \(cp.size), root \(cp.root.hex))")
        }
        // The commit that rotated the key is signed by the outgoing key too (SPEC.md section 6),
        // so whoever trusts only the old key can follow the rotation.
        if let previous = lastCheckpointKey, previous != key {
            do { _ = try Checkpoint.open(note, key: previous, origin: origin) } catch {
                throw Self.fail(s - 1, "stored checkpoint for tree size \(s), the commit that rotated the registry key to \(key.name), lacks a valid signature by the outgoing key \(previous.name): \(error)")
            }
        }
        lastCheckpointKey = key
        checkpointsChecked += 1
    }

    /// A trusted checkpoint at this size must be the registry's and match this log's tree.
    mutating func checkTrustedCheckpoint() throws {
        while let t = trusted.first, t.size <= frontier.size {
            trusted.removeFirst()
            guard t.size == frontier.size, t.size > 0 else { continue }
            guard let key = state.registryKey, let origin = state.origin else { continue }
            let cp: Checkpoint
            do { cp = try Checkpoint.open(t.note, key: key, origin: origin) } catch {
                throw Self.fail(t.size - 1, "the trusted checkpoint for tree size \(t.size) is not signed by this log's registry key at that size (\(key)): \(error)")
            }
            let root = frontier.root(hasher: hasher)
            guard cp.root == root else {
                throw Self.fail(t.size - 1, "FORK: the trusted checkpoint for tree size \(t.size) has root \(cp.root.base64), but this log's first \(t.size) entries have root \(root.base64): the history was rewritten")
            }
        }
    }

    func finish(size: UInt64, stateKeysCompared comparedEarlier: Int?, compareAt: UInt64?) throws -> VerificationReport {
        if let t = trusted.last, t.size > size {
            throw Self.fail(nil, "ROLLED BACK: the log has \(size) entries, but you trust a checkpoint of tree size \(t.size): entries were removed or an older copy of the ledger was restored")
        }
        guard let key = state.registryKey, let origin = state.origin else { throw Self.fail(0, "no genesis") }
        guard let note = try reader.metaString(.checkpoint) else { throw Self.fail(nil, "no checkpoint stored (meta/checkpoint)") }
        let cp: Checkpoint
        do { cp = try Checkpoint.open(note, key: key, origin: origin) } catch {
            throw Self.fail(nil, "latest checkpoint (meta/checkpoint) fails: \(error)")
        }
        let root = frontier.root(hasher: hasher)
        guard cp.size == size, cp.root == root else {
            throw Self.fail(nil, "latest checkpoint says size \(cp.size) root \(cp.root.hex), the log has size \(size) root \(root.hex)")
        }
        guard try reader.metaDigest(.head) == head else { throw Self.fail(size - 1, "meta/head is not the leaf hash of the last entry") }
        // The sequencer stamps the next commit from meta/last_time and names checkpoints by
        // meta/origin: both are vouched for, like meta/size and meta/head.
        let storedTime = try reader.metaU64(.lastTime).map { Int64(bitPattern: $0) }
        guard storedTime == lastTime.millisecondsSinceEpoch else {
            throw Self.fail(size - 1, "meta/last_time is \(storedTime.map { Timestamp(millisecondsSinceEpoch: $0).rfc3339 } ?? "missing"), but the last entry's time is \(lastTime.rfc3339)")
        }
        guard try reader.metaString(.origin) == origin else {
            throw Self.fail(nil, "meta/origin is \(try reader.metaString(.origin) ?? "missing"), but the genesis entry names \(origin)")
        }
        guard nextCheckpointSizes.isEmpty else {
            throw Self.fail(nil, "a checkpoint is stored for tree size \(nextCheckpointSizes[0]), beyond the log's \(size) entries")
        }
        let compared = try comparedEarlier ?? (compareAt == size ? compareState(at: size) : 0)
        var report = VerificationReport(entries: size, stateKeysCompared: compared, stateSize: compareAt ?? 0, submissions: submissions, checkpointsChecked: checkpointsChecked,
                                        checkpoint: cp, registryKey: key, projectionsCompared: compareAt != nil)
        report.registryKeys = registryKeys.map(\.key)
        return report
    }

    /// Walks the entries, tree nodes, submission index and meta records, counting them: a
    /// damaged page can make LMDB show records that were never written (a corrupted page header
    /// claims more of them), which lookups by key never visit. LMDB's own counts live in the
    /// database header and do not see them, so the records are counted one by one.
    func checkRecordCounts(size: UInt64) throws {
        func walk(_ db: LMDBDatabase, keySize: Int?, valueSize: Int?, from: UInt64? = nil,
                  _ check: (UnsafeRawBufferPointer) -> Bool = { _ in true }) throws -> UInt64 {
            var n: UInt64 = 0
            func visit(_ k: UnsafeRawBufferPointer, _ v: UnsafeRawBufferPointer) throws -> Bool {
                guard keySize.map({ k.count == $0 }) ?? true, valueSize.map({ v.count == $0 }) ?? true, check(k) else {
                    throw Self.fail(nil, "the \(db.name) database holds a record with a \(k.count)-byte key and a \(v.count)-byte value that the ledger never writes")
                }
                n += 1
                return true
            }
            if let f = from {
                try withUnsafeBytes(of: f.bigEndian) { start in try reader.txn.scan(db, from: start, visit) }
            } else {
                try reader.txn.scan(db, from: nil, visit)
            }
            return n
        }
        // After an audit state, only the records of the entries replayed are walked: the ones
        // before were walked when they were verified.
        let entries = try walk(reader.store.entries, keySize: 8, valueSize: nil, from: start)
        guard entries == size - start else {
            throw Self.fail(size, "the entries database holds \(entries) records from seq \(start) on, but meta/size says \(size): entries beyond the head were added")
        }
        // One node per complete subtree: size >> level of them at each level, stored in the
        // order appending completes them.
        let nodeCount = MerkleNodeID.storedCount(leaves:)
        let nodes = try walk(reader.store.nodes, keySize: 8, valueSize: 32, from: nodeCount(start))
        guard nodes == nodeCount(size) - nodeCount(start) else {
            throw Self.fail(nil, "the nodes database holds \(nodes) records from storage index \(nodeCount(start)) on, a tree of \(size) leaves has \(nodeCount(size) - nodeCount(start))")
        }
        let indexed = try walk(reader.store.submissions, keySize: 32, valueSize: 8)
        guard indexed == submissions else {
            throw Self.fail(nil, "the submission index holds \(indexed) records, the log has \(submissions) submissions")
        }
        // A damaged page header can also hide records (it claims fewer): a checkpoint gone from
        // the index is never looked up, but LMDB's count in the database header still has it.
        let checkpoints = try walk(reader.store.checkpoints, keySize: 8, valueSize: nil)
        let counted = try reader.txn.count(reader.store.checkpoints)
        guard checkpoints == UInt64(counted) else {
            throw Self.fail(nil, "the checkpoints database shows \(checkpoints) records but its header counts \(counted): a damaged page hides signed checkpoints")
        }
        // Nothing else lives beside them: a database this ledger never writes is refused, not
        // ignored (it could only be a leftover of another program or an edit).
        let names = Set(LogStore.databaseNames.map { Array($0.utf8) })
        try reader.txn.scan(reader.store.databases, from: nil) { k, _ in
            guard names.contains(Array(k)) else {
                throw Self.fail(nil, "the log's environment holds a database \(String(decoding: k, as: UTF8.self)) that this ledger never writes")
            }
            return true
        }
        let known = Set(MetaKey.allCases.map { Array($0.rawValue.utf8) })
        _ = try walk(reader.store.meta, keySize: nil, valueSize: nil) { known.contains(Array($0)) }
    }

    /// The live projections must equal the replayed state byte for byte, but the paths the
    /// state environment does not keep.
    func compareProjections() throws -> Int {
        try compareRecords(reader.stateTxn, reader.store.state, skipping: ResidentState.isRulesOnly(keyBytes:), fault: Self.projectionFault)
    }

    /// The records of `db` (through `txn`) against the replayed state's, both but those
    /// `skipping` names: the same keys with the same bytes, else `fault` of the first key that
    /// differs (its stored and replayed values, nil where absent). Compared in chunks of key
    /// ranges, so memory stays bounded whatever the state's size. Returns the records compared.
    func compareRecords(_ txn: LMDBTransaction, _ db: LMDBDatabase, from start: [UInt8]? = nil, through end: [UInt8]? = nil, canonicalizing: Bool = false,
                        skipping: ((UnsafeRawBufferPointer) -> Bool)? = nil, fault: (String, String?, String?) -> VerificationFailure) throws -> Int {
        // The stored side's next chunk is read (a checkpoint's packed records made JSON) on
        // another thread while this one compares the chunk before with the replay's: the
        // comparisons come after the replay, when the other core is idle (Benchmarks/RESULTS.md).
        // That thread alone uses `txn` from a read's start until it is waited for.
        let stored = Handoff(value: (txn: txn, db: db, skipping: skipping))
        let queue = DispatchQueue(label: "carbonledger.verify.compare")
        let limit = max(1, verifier.compareChunk)
        func read(from: [UInt8]?) -> BackgroundResult<StateDump> {
            BackgroundResult(on: queue) {
                let s = stored.value
                return try StateDump(s.txn, s.db, from: from, limit: limit, through: end, skipping: s.skipping, canonicalizing: canonicalizing)
            }
        }
        return try scratch.read { s in
            var from = start
            var compared = 0
            var next = read(from: start)
            // Whatever ends the comparison, no read of `txn` outlives it.
            defer { _ = try? next.wait() }
            while true {
                let live = try next.wait()
                // The smallest key after the chunk's last; nil once the stored side is done.
                let after = live.done ? nil : live.records.last.map { $0.key + [0] }
                if let after { next = read(from: after) }
                // The replay's records up to the live chunk's last key (all remaining ones, up to
                // `end`, at the end).
                let replayed = try StateDump(s.stateTxn, scratch.state, from: from, limit: Int.max, through: live.done ? end : live.records.last?.key,
                                             skipping: skipping)
                for (a, b) in zip(live.records, replayed.records) {
                    if a.key != b.key {
                        if a.key.lexicographicallyPrecedes(b.key) { throw fault(a.keyText, a.valueText, nil) }
                        throw fault(b.keyText, nil, b.valueText)
                    }
                    guard a.value == b.value else { throw fault(a.keyText, a.valueText, b.valueText) }
                }
                if live.records.count > replayed.records.count {
                    let extra = live.records[replayed.records.count]
                    throw fault(extra.keyText, extra.valueText, nil)
                }
                if replayed.records.count > live.records.count {
                    let extra = replayed.records[live.records.count]
                    throw fault(extra.keyText, nil, extra.valueText)
                }
                compared += live.records.count
                guard let after else { return compared }
                from = after
            }
        }
    }
}

extension StoreReader: SubmissionLookup {}
