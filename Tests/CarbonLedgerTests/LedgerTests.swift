import Foundation
import Testing
import LedgerCore
import LedgerStore
@testable import CarbonLedger
import TestSupport

@Suite struct LedgerTests {
    @Test func createsAppendsAndReopens() throws {
        let dir = TempDir()
        let (ledger, key) = try Fixture.newLedger(dir)
        let info0 = try ledger.info()
        #expect(info0.size == 1 && info0.origin == Fixture.origin && info0.registryKey == key.verifierKey)
        let receipts = try Fixture.fill(ledger, batches: 3, size: 5)
        #expect(receipts.map(\.firstSeq) == [1, 6, 11])
        #expect(receipts.map(\.lastSeq) == [5, 10, 15])
        #expect(receipts.last?.treeSize == 16)
        let cp = try Checkpoint.open(ledger.checkpoint(), key: key.verifierKey, origin: Fixture.origin)
        #expect(cp.size == 16)
        let entry = try Entry.decode(ledger.entryBytes(7))
        #expect(entry.seq == 7 && entry.sub.index == 1 && entry.sub.count == 5 && entry.event["text"] == "fill-1-1")
        let report = try Verifier(store: ledger.store).verify()
        #expect(report.entries == 16 && report.submissions == 4 && report.checkpointsChecked == 4)
        #expect(throws: LedgerError.seqOutOfRange(seq: 16, size: 16)) { _ = try ledger.entryBytes(16) }
    }

    @Test func refusesToInitIntoANonEmptyDirectoryOrBadOrigin() throws {
        let dir = TempDir()
        _ = try Fixture.newLedger(dir)
        let key = try NoteSigningKey.generate(name: "again")
        #expect(throws: LedgerError.directoryNotEmpty(dir.sub("ledger"))) {
            try Ledger.create(directory: dir.sub("ledger"), origin: Fixture.origin, key: key)
        }
        #expect(throws: LedgerError.badOrigin("has space")) { try Ledger.create(directory: dir.sub("other"), origin: "has space", key: key) }
        #expect(!FileManager.default.fileExists(atPath: dir.sub("other")))
        #expect(throws: LedgerError.notALedger(dir.sub("nothing"))) { _ = try Ledger(directory: dir.sub("nothing")) }
    }

    @Test func sequencerRefusesAForeignRegistryKey() throws {
        let dir = TempDir()
        let (ledger, _) = try Fixture.newLedger(dir)
        let path = LedgerDirectory.keyPath(ledger.directory)
        try FileManager.default.removeItem(atPath: path)
        try LedgerDirectory.writeSigningKey(try NoteSigningKey.generate(name: "registry"), to: path)
        #expect(throws: LedgerError.self) { _ = try ledger.sequencer() }
    }

    /// A submission with one invalid event appends nothing, and neither does an all-or-nothing
    /// append in which one submission breaks a rule.
    @Test func submissionsAreAtomic() throws {
        let dir = TempDir()
        let (ledger, _) = try Fixture.newLedger(dir)
        try Fixture.fill(ledger, batches: 1, size: 3)
        let seq = try ledger.sequencer()
        let before = try ledger.info()
        let key = try Fixture.registryKey(ledger)
        var events: [JSONValue] = (0..<50).map { ["type": "note", "text": .string("n\($0)")] }
        events[37] = ["type": "Not A Type"]
        let bad = try Submission.Unsigned(events: events).signed(by: key, origin: Fixture.origin)
        let good = try Fixture.batch("good", count: 4, signer: key)
        let results = try seq.append([bad, good], now: .now())
        guard case .failure(let v) = results[0] else { Issue.record("invalid submission accepted"); return }
        #expect(v.eventIndex == 37 && v.field == "type" && v.id == "event.type")
        #expect(try results[1].get().firstSeq == before.size)  // the good one took the next seq
        let mid = try ledger.info()
        #expect(mid.size == before.size + 4)
        let good2 = try Fixture.batch("good2", count: 2, signer: key)
        #expect(try seq.appendAllOrNothing([good2, bad], now: .now()) == .failure(.init(submissionIndex: 1, violation: v)))
        let after = try ledger.info()
        #expect(after.size == mid.size && after.head == mid.head && after.checkpoint == mid.checkpoint)
        #expect(try ledger.store.read { try $0.txn.count($0.store.entries) } == Int(mid.size))
        #expect(try Verifier(store: ledger.store).verify().entries == mid.size)
    }

    @Test func replayedSubmissionIsRefusedEvenInTheSameBatch() throws {
        let dir = TempDir()
        let (ledger, _) = try Fixture.newLedger(dir)
        let s = try Fixture.batch("once", count: 3, signer: try Fixture.registryKey(ledger))
        let seq = try ledger.sequencer()
        let r = try seq.append([s, s], now: .now())
        #expect(try r[0].get().firstSeq == 1)
        guard case .failure(let v) = r[1] else { Issue.record("replay accepted"); return }
        #expect(v.id == "submission.replay" && v.message.contains("seq 1"))
        guard case .failure(let v2) = try seq.append([s], now: .now())[0] else { Issue.record("replay accepted"); return }
        #expect(v2.id == "submission.replay")
        #expect(try ledger.info().size == 4)
    }

    @Test func timeNeverGoesBackwards() throws {
        let dir = TempDir()
        let (ledger, _) = try Fixture.newLedger(dir)
        let seq = try ledger.sequencer()
        let key = try Fixture.registryKey(ledger)
        _ = try seq.append([try Fixture.batch("a", count: 1, signer: key)], now: Timestamp(millisecondsSinceEpoch: Fixture.t0.millisecondsSinceEpoch + 5000))
        _ = try seq.append([try Fixture.batch("b", count: 1, signer: key)], now: Fixture.t0)  // the clock stepped back
        let e1 = try Entry.decode(ledger.entryBytes(1)), e2 = try Entry.decode(ledger.entryBytes(2))
        #expect(e2.time == e1.time)
        _ = try Verifier(store: ledger.store).verify()
    }

    /// Concurrent submitters share commits; every one is acknowledged once durable.
    @Test func groupCommitSharesTransactions() async throws {
        let dir = TempDir()
        let (ledger, _) = try Fixture.newLedger(dir)
        let sequencer = try ledger.sequencer()
        let committer = GroupCommitter(sequencer: sequencer)
        let n = 200
        let key = try Fixture.registryKey(ledger)
        let subs = try (0..<n).map { try Fixture.batch("gc-\($0)", count: 3, signer: key) }
        // Every submitter queues before the writer takes any: the commits they share do not
        // depend on how fast the tasks start.
        committer.hold()
        let receipts = try await withThrowingTaskGroup(of: AppendReceipt.self) { group in
            for s in subs { group.addTask { try await committer.submit(s) } }
            await Task.detached { committer.waitUntilQueued(n) }.value
            committer.resume()
            return try await group.reduce(into: []) { $0.append($1) }
        }
        committer.shutdown()
        #expect(receipts.count == n)
        let firstSeqs = Set(receipts.map(\.firstSeq))
        #expect(firstSeqs.count == n)
        #expect(firstSeqs == Set((0..<n).map { 1 + UInt64($0) * 3 }))
        #expect(sequencer.commitCount < n / 10, "expected shared commits, got \(sequencer.commitCount) for \(n) submissions")
        for r in receipts {
            let e = try Entry.decode(ledger.entryBytes(r.firstSeq))
            #expect(e.sub.root == r.root && e.sub.index == 0)
        }
        #expect(try Verifier(store: ledger.store).verify().submissions == UInt64(n + 1))
    }

    @Test func mapGrowsInsteadOfFailing() throws {
        let dir = TempDir()
        var options = LMDBOptions()
        options.mapSize = 256 << 10
        options.noSync = true
        let (ledger, _) = try Fixture.newLedger(dir, options: options)
        try Fixture.fill(ledger, batches: 20, size: 500)
        #expect(ledger.store.env.resizeCount >= 3)
        #expect(ledger.store.env.mapSize > 1 << 20)
        let report = try Verifier(store: ledger.store).verify()
        #expect(report.entries == 10_001)
    }

    /// Proofs from stored nodes equal proofs from an in-memory tree over the same leaves, at the
    /// latest checkpoint and at older signed sizes, and verify offline.
    @Test func storedProofsMatchAndVerify() throws {
        let dir = TempDir()
        let (ledger, key) = try Fixture.newLedger(dir)
        let receipts = try Fixture.fill(ledger, batches: 13, size: 7)
        let size = try ledger.info().size
        let hasher = MerkleHasher()
        let leaves = try (0..<size).map { hasher.leafHash(try ledger.entryBytes($0)) }
        for seq in stride(from: UInt64(0), to: size, by: 3) {
            let p = try ledger.inclusionProof(seq: seq)
            #expect(p.hashes == NaiveMerkle().path(Int(seq), leaves[...]))
            try p.verify(key: key.verifierKey)
            let doc = try ProofDocument.decode(CanonicalJSON.encode(p.json))
            #expect(doc == .inclusion(p))
        }
        let older = receipts[4].treeSize
        let p = try ledger.inclusionProof(seq: 3, size: older)
        #expect(try p.verify(key: key.verifierKey).size == older)
        let c = try ledger.consistencyProof(from: receipts[2].treeSize, to: receipts[9].treeSize)
        let (a, b) = try c.verify(key: key.verifierKey)
        #expect(a.size == receipts[2].treeSize && b.size == receipts[9].treeSize)
        #expect(try ProofDocument.decode(CanonicalJSON.encode(c.json)) == .consistency(c))
        #expect(throws: LedgerError.noCheckpoint(size: 5, nearest: [8, 15, 22])) { _ = try ledger.inclusionProof(seq: 1, size: 5) }
        #expect(throws: MerkleProofError.sizeBeyondTree(size: size + 1, treeSize: size)) { _ = try ledger.inclusionProof(seq: 1, size: size + 1) }
        let other = try NoteSigningKey.generate(name: "registry")
        #expect(throws: ProofError.self) { try p.verify(key: other.verifierKey) }
        var tampered = p
        tampered.entry.event = ["type": "note", "text": "rewritten"]
        #expect(throws: ProofError.self) { try tampered.verify(key: key.verifierKey) }
    }
}
