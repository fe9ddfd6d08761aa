import Foundation
import Testing
import LedgerCore
import LedgerStore
@testable import CarbonLedger
import TestSupport

/// Every edit an attacker with write access to the files could make is found by `verify`, which
/// names the first bad seq.
@Suite struct TamperTests {
    /// A ledger of 1 genesis + 4 submissions of 6 events = 25 entries.
    func makeLedger(_ dir: TempDir) throws -> (Ledger, NoteSigningKey) {
        let (ledger, key) = try Fixture.newLedger(dir)
        try Fixture.fill(ledger, batches: 4, size: 6)
        _ = try Verifier(store: ledger.store).verify()
        return (ledger, key)
    }

    func failure(_ ledger: Ledger) -> VerificationFailure? {
        do { _ = try Verifier(store: ledger.store).verify(); return nil } catch let f as VerificationFailure { return f } catch {
            Issue.record("verify threw \(error) instead of a VerificationFailure")
            return nil
        }
    }

    /// Flips each bit position class of every byte of several entries (genesis, a submission's
    /// first entry with its signature, a middle entry, the last entry).
    @Test(arguments: [0, 1, 9, 24] as [UInt64])
    func everyByteFlipOfAnEntryIsFoundAtItsSeq(seq: UInt64) throws {
        let dir = TempDir()
        let (ledger, _) = try makeLedger(dir)
        let store = ledger.store
        let original = try #require(try store.rawGet(store.entries, key: be64(seq)))
        var missed: [Int] = []
        for i in 0..<original.count {
            for mask: UInt8 in [0x01, 0x20, 0x80] {
                var b = original
                b[i] ^= mask
                try store.rawPut(store.entries, key: be64(seq), value: b)
                let f = failure(ledger)
                if f?.seq != seq { missed.append(i) }
            }
        }
        try store.rawPut(store.entries, key: be64(seq), value: original)
        #expect(missed.isEmpty, "flips at byte offsets \(missed) of entry \(seq) were not reported at seq \(seq)")
        #expect(failure(ledger) == nil)
    }

    /// A submission is rebuilt alike from any of its entries; an entry that claims an index
    /// before the log's start (moved from later in its submission) is reported, not trapped on.
    @Test func submissionsAreRebuiltFromAnyEntryAndAMovedEntryIsReported() throws {
        let dir = TempDir()
        let (ledger, _) = try makeLedger(dir)
        let store = ledger.store
        let (first, middle, next) = try store.read { r in
            (try r.storedSubmission(at: 1, hasher: MerkleHasher()), try r.storedSubmission(at: 4, hasher: MerkleHasher()),
             try r.storedSubmission(at: 7, hasher: MerkleHasher()))
        }
        #expect(first.firstSeq == 1 && middle.firstSeq == 1 && next.firstSeq == 7)
        #expect(first.submission.root == middle.submission.root && first.leafHashes == middle.leafHashes && first.leafHashes.count == 6)
        #expect(first.submission.root != next.submission.root)
        // Entry 6 is event 5 of the submission starting at 1: stored at seq 1, it points before seq 0.
        let sixth = try #require(try store.rawGet(store.entries, key: be64(6)))
        try store.rawPut(store.entries, key: be64(1), value: sixth)
        #expect {
            try store.read { r in _ = try r.storedSubmission(at: 1, hasher: MerkleHasher()) }
        } throws: { ($0 as? StoreError).map { "\($0)".contains("before the log's start") } ?? false }
    }

    @Test func deletedEntryIsFound() throws {
        let dir = TempDir()
        let (ledger, _) = try makeLedger(dir)
        try ledger.store.rawDelete(ledger.store.entries, key: be64(11))
        let f = try #require(failure(ledger))
        #expect(f.seq == 11 && f.reason.contains("missing"))
    }

    @Test func deletedLastEntryIsFound() throws {
        let dir = TempDir()
        let (ledger, _) = try makeLedger(dir)
        try ledger.store.rawDelete(ledger.store.entries, key: be64(24))
        #expect(try #require(failure(ledger)).seq == 24)
    }

    @Test func reorderedEntriesAreFound() throws {
        let dir = TempDir()
        let (ledger, _) = try makeLedger(dir)
        let s = ledger.store
        let a = try #require(try s.rawGet(s.entries, key: be64(8))), b = try #require(try s.rawGet(s.entries, key: be64(15)))
        try s.rawPut(s.entries, key: be64(8), value: b)
        try s.rawPut(s.entries, key: be64(15), value: a)
        let f = try #require(failure(ledger))
        #expect(f.seq == 8 && f.reason.contains("says seq 15"))
    }

    @Test func duplicatedEntryIsFound() throws {
        let dir = TempDir()
        let (ledger, _) = try makeLedger(dir)
        let s = ledger.store
        try s.rawPut(s.entries, key: be64(10), value: try #require(try s.rawGet(s.entries, key: be64(9))))
        #expect(try #require(failure(ledger)).seq == 10)
        // An extra entry past the head is found too.
        let dir2 = TempDir()
        let (l2, _) = try makeLedger(dir2)
        try l2.store.rawPut(l2.store.entries, key: be64(25), value: try #require(try l2.store.rawGet(l2.store.entries, key: be64(24))))
        #expect(try #require(failure(l2)).seq == 25)
    }

    /// A rewritten entry with every later hash recomputed would need the registry's signature
    /// on a new checkpoint: replacing the checkpoint with one by another key, an older one, or
    /// one with another root is found.
    @Test func replacedCheckpointIsFound() throws {
        let dir = TempDir()
        let (ledger, key) = try makeLedger(dir)
        let s = ledger.store
        let metaKey = Array(MetaKey.checkpoint.rawValue.utf8)
        let original = try #require(try s.rawGet(s.meta, key: metaKey))
        let cp = try Checkpoint.open(String(decoding: original, as: UTF8.self), key: key.verifierKey)

        let forger = try NoteSigningKey.generate(name: key.name)
        try s.rawPut(s.meta, key: metaKey, value: Array(cp.sign(with: forger).utf8))
        #expect(try #require(failure(ledger)).reason.contains("latest checkpoint"))

        let older = try #require(try s.rawGet(s.checkpoints, key: be64(13)))
        try s.rawPut(s.meta, key: metaKey, value: older)
        #expect(try #require(failure(ledger)).reason.contains("size 13"))

        var wrongRoot = cp
        wrongRoot.root = MerkleHasher.emptyRoot
        try s.rawPut(s.meta, key: metaKey, value: Array(wrongRoot.sign(with: key).utf8))
        #expect(try #require(failure(ledger)).reason.contains("root"))

        try s.rawPut(s.meta, key: metaKey, value: original)
        #expect(failure(ledger) == nil)
        // A stored historical checkpoint replaced by a forgery is found too.
        try s.rawPut(s.checkpoints, key: be64(7), value: Array(Checkpoint(origin: cp.origin, size: 7, root: cp.root).sign(with: key).utf8))
        #expect(try #require(failure(ledger)).seq == 6)
    }

    /// The meta values the next commit builds on are vouched for: a `last_time` moved ahead (the
    /// sequencer would stamp later entries from it) or another origin is found.
    @Test func movedMetaValuesAreFound() throws {
        let dir = TempDir()
        let (ledger, _) = try makeLedger(dir)
        let s = ledger.store
        let timeKey = Array(MetaKey.lastTime.rawValue.utf8), originKey = Array(MetaKey.origin.rawValue.utf8)
        let time = try #require(try s.rawGet(s.meta, key: timeKey)), origin = try #require(try s.rawGet(s.meta, key: originKey))
        let stored = time.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        try s.rawPut(s.meta, key: timeKey, value: be64(stored + 86_400_000))
        #expect(try #require(failure(ledger)).reason.contains("meta/last_time"))
        try s.rawPut(s.meta, key: timeKey, value: time)
        try s.rawPut(s.meta, key: originKey, value: Array("carbonledger.example/elsewhere".utf8))
        #expect(try #require(failure(ledger)).reason.contains("meta/origin"))
        try s.rawPut(s.meta, key: originKey, value: origin)
        #expect(failure(ledger) == nil)
        // A database this ledger never writes, beside its own, is refused rather than ignored.
        try s.rawPut(try s.env.openDatabase("extra"), key: [1], value: [2])
        #expect(try #require(failure(ledger)).reason.contains("database extra that this ledger never writes"))
    }

    @Test func everyTamperedTreeNodeIsFound() throws {
        let dir = TempDir()
        let (ledger, _) = try makeLedger(dir)
        let s = ledger.store
        let count = try s.read { try $0.txn.count(s.nodes) }
        #expect(count == 2 * 25 - 25.nonzeroBitCount)
        for index in 0..<UInt64(count) {
            let original = try #require(try s.rawGet(s.nodes, key: be64(index)))
            var b = original
            b[Int(index) % 32] ^= 0x40
            try s.rawPut(s.nodes, key: be64(index), value: b)
            #expect(try #require(failure(ledger)).reason.contains("Merkle"), "node \(index)")
            try s.rawPut(s.nodes, key: be64(index), value: original)
        }
        #expect(failure(ledger) == nil)
    }

    @Test func tamperedSubmissionIndexIsFound() throws {
        let dir = TempDir()
        let (ledger, _) = try makeLedger(dir)
        let s = ledger.store
        let root = try Entry.decode(ledger.entryBytes(7)).sub.root
        try s.rawPut(s.submissions, key: root.bytes, value: be64(8))
        #expect(try #require(failure(ledger)).seq == 7)
        try s.rawPut(s.submissions, key: root.bytes, value: be64(7))
        try s.rawPut(s.submissions, key: [UInt8](repeating: 9, count: 32), value: be64(3))
        #expect(try #require(failure(ledger)).reason.contains("submission index"))
    }

    /// Records the ledger never writes, of the kind a damaged page header makes LMDB show: no
    /// lookup by key visits them, so verify walks and counts every database it vouches for.
    @Test func phantomRecordsAreFound() throws {
        let dir = TempDir()
        let (ledger, _) = try makeLedger(dir)
        let s = ledger.store
        let phantoms: [(LMDBDatabase, [UInt8], [UInt8], String)] = [
            (s.nodes, be64(1 << 40), [UInt8](repeating: 1, count: 32), "nodes database holds"),
            (s.nodes, [0, 0, 0, 0, 2], [UInt8](repeating: 1, count: 32), "nodes database holds a record with a 5-byte key"),
            (s.entries, [0, 0, 3], [1, 2, 3], "entries database holds"),
            (s.submissions, [UInt8](repeating: 7, count: 31), be64(1), "submissions database holds a record with a 31-byte key"),
            (s.meta, Array("rotated".utf8), [1], "meta database holds a record"),
        ]
        for (db, key, value, reason) in phantoms {
            try s.rawPut(db, key: key, value: value)
            let f = try #require(failure(ledger), "phantom in \(db.name) not found")
            #expect(f.reason.contains(reason), "\(f.reason)")
            try s.rawDelete(db, key: key)
            #expect(failure(ledger) == nil)
        }
    }

    /// An entry whose hashes are all recomputed (chain, nodes, root, checkpoint re-signed with
    /// the registry key) but whose event breaks a rule still fails: verify re-runs the reducer.
    @Test func ruleBreakingLogWithIntactHashesIsFound() throws {
        let dir = TempDir()
        let key = try NoteSigningKey.generate(name: "registry")
        // Build the bad log through a sequencer whose reducer is bypassed: write entries directly.
        let store = try LogStore(path: dir.path)
        let good = try Submission.Unsigned(events: [Reducer.genesisEvent(origin: Fixture.origin, registryKey: key.verifierKey)]).signed(by: key, origin: Fixture.origin)
        let bad = try Submission.Unsigned(events: [["type": "genesis"]]).signed(by: key, origin: Fixture.origin)
        let hasher = MerkleHasher()
        try store.write { w in
            var frontier = MerkleFrontier()
            var head = Digest.zero
            for (n, sub) in [good, bad].enumerated() {
                let ref = SubmissionRef(root: sub.root, index: 0, count: 1, signer: sub.signer, signature: sub.signature)
                var bytes = [UInt8]()
                Entry.write(seq: UInt64(n), prev: head, time: Fixture.t0, eventBytes: sub.eventBytes[0], sub: ref, into: &bytes)
                try w.appendEntry(seq: UInt64(n), bytes: bytes)
                head = hasher.leafHash(bytes)
                try frontier.append(leafHash: head, hasher: hasher) { try w.appendNode(MerkleNodeID(level: $0, index: $1), $2) }
                try w.putSubmission(root: sub.root, firstSeq: UInt64(n))
            }
            let note = Checkpoint(origin: Fixture.origin, size: 2, root: frontier.root(hasher: hasher)).sign(with: key)
            try w.putMeta(.checkpoint, Array(note.utf8))
            try w.putCheckpoint(size: 2, note: note)
            try w.putMeta(.size, u64: 2)
            try w.putMeta(.head, head.bytes)
        }
        do {
            _ = try Verifier(store: store).verify()
            Issue.record("a log breaking rule genesis.first verified")
        } catch let f as VerificationFailure {
            #expect(f.seq == 1 && f.reason.contains("genesis.first"))
        }
    }
}
