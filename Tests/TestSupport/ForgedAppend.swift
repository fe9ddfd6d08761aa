import Foundation
import CarbonLedger
import LedgerCore
import LedgerDemo
import LedgerStore

/// What an attacker holding the registry key and the files could do: append entries with a
/// correct hash chain, tree nodes, submission index and a re-signed checkpoint, but without the
/// reducer.
public enum ForgedAppend {
    public static func append(_ subs: [Submission], to ledger: Ledger, registryKey: NoteSigningKey) throws {
        // The rules checkpoint up to the log first, to be moved past the forged entries below.
        let writer = try ledger.sequencer()
        _ = try writer.loadRulesState()
        writer.writeRulesCheckpoint()
        let checkpoints = try ledger.store.ruleCheckpoints()
        guard let before = try checkpoints.read({ p, _ in p }), before.size == (try ledger.info().size) else {
            throw StoreError.corrupt("the rules checkpoint is not at the log's end before the forgery")
        }
        let hasher = MerkleHasher()
        let origin = try ledger.info().origin
        let (size, head) = try ledger.store.write { w -> (UInt64, Digest) in
            var size = try w.reader.metaU64(.size)!
            var frontier = try MerkleFrontier(size: size, reader: w.reader)
            var head = try w.reader.metaDigest(.head)!
            let time = Timestamp.now()
            for sub in subs {
                for (i, eb) in sub.eventBytes.enumerated() {
                    let ref = SubmissionRef(root: sub.root, index: i, count: sub.eventBytes.count, signer: i == 0 ? sub.signer : nil, signature: i == 0 ? sub.signature : nil)
                    var bytes = [UInt8]()
                    Entry.write(seq: size, prev: head, time: time, eventBytes: eb, sub: ref, into: &bytes)
                    try w.appendEntry(seq: size, bytes: bytes)
                    head = hasher.leafHash(bytes)
                    try frontier.append(leafHash: head, hasher: hasher) { try w.appendNode(MerkleNodeID(level: $0, index: $1), $2) }
                    size += 1
                }
                try w.putSubmission(root: sub.root, firstSeq: size - UInt64(sub.eventBytes.count))
            }
            let note = Checkpoint(origin: origin, size: size, root: frontier.root(hasher: hasher)).sign(with: registryKey)
            try w.putCheckpoint(size: size, note: note)
            try w.putMeta(.checkpoint, Array(note.utf8))
            try w.putMeta(.size, u64: size)
            try w.putMeta(.head, head.bytes)
            try w.putMeta(.lastTime, u64: UInt64(time.millisecondsSinceEpoch))
            return (size, head)
        }
        // The state and the rules checkpoint claim to reflect the forged entries too, or the
        // next writer's start would replay them from either and refuse the ledger.
        try ledger.store.writeState { try $0.setSize(size) }
        try checkpoints.advance(from: before, to: RuleCheckpoints.Position(size: size, head: head)) { _ in }
    }
}

/// A new ledger in `dir` with a demo city generator bound to it (nothing appended yet).
public func newDemoCity(_ dir: TempDir, origin: String, residents: Int, days: Int) throws -> (Ledger, DemoCity, NoteSigningKey) {
    let registry = try NoteSigningKey.generate(name: "registry")
    let ledger = try Ledger.create(directory: dir.sub("ledger"), origin: origin, key: registry)
    var o = DemoCity.Options()
    o.residents = residents
    o.days = days
    return (ledger, try DemoCity(origin: origin, admin: registry, options: o, endingBefore: .now()), registry)
}

extension RuleHarness {
    /// A real ledger given the harness's submissions at their commit times, from the same
    /// genesis, and what each append answered.
    public func replayed(in dir: TempDir) throws -> (Ledger, [Result<AppendReceipt, RuleViolation>]) {
        let ledger = try Ledger.create(directory: dir.path, origin: origin, key: registry, rules: self.ledger.rules, windows: self.ledger.windows,
                                       now: applied[0].time)
        let seq = try ledger.sequencer()
        var results: [Result<AppendReceipt, RuleViolation>] = []
        for (sub, time) in applied.dropFirst() { results += try seq.append([sub], now: time) }
        return (ledger, results)
    }
}

extension Sequencer {
    /// Appends `submissions` in one batch at `now`, and throws the rule of the first one refused:
    /// for tests whose every submission must go in.
    @discardableResult
    public func appendAccepted(_ submissions: [Submission], now: Timestamp = .now()) throws -> [AppendReceipt] {
        try append(submissions, now: now).map { try $0.get() }
    }
}
