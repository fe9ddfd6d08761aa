import Foundation
import Testing
import LedgerCore
import LedgerStore
@testable import CarbonLedger
import TestSupport

/// An auditor's kept replay (`verify --audit-state`, SPEC.md section 9.1): a later run replays
/// only the entries added since, over the state kept, after checking that the log still extends
/// the history verified; what it finds and what it keeps are those of a full replay.
@Suite struct AuditStateTests {
    static func audit(_ store: LogStore, _ dir: String, chunk: Int = 8192, trusted: [String] = []) throws -> VerificationReport {
        var v = Verifier(store: store)
        v.auditStateDirectory = dir
        v.chunkSize = chunk
        v.trustedCheckpoints = trusted
        return try v.verify()
    }

    static func position(_ dir: String) throws -> ReplayPosition { try #require(try auditPosition(dir)) }

    static func failure(_ body: () throws -> Any) -> VerificationFailure? {
        do { _ = try body(); return nil } catch let f as VerificationFailure { return f } catch {
            Issue.record("threw \(error) instead of a VerificationFailure")
            return nil
        }
    }

    static func checkpoint(_ store: LogStore) throws -> String { try #require(try store.read { try $0.metaString(.checkpoint) }) }

    /// A copy of a ledger directory as it stands, without LMDB's lock files (they belong to
    /// the environments this process has open).
    static func copyLedger(_ from: String, to: String) throws {
        let fm = FileManager.default
        for sub in ["", "/" + LogStore.stateDirectory] {
            try fm.createDirectory(atPath: to + sub, withIntermediateDirectories: true)
            for f in try fm.contentsOfDirectory(atPath: from + sub) where f != "lock.mdb" && f != LogStore.stateDirectory {
                try fm.copyItem(atPath: from + sub + "/" + f, toPath: to + sub + "/" + f)
            }
        }
    }

    @Test func aLaterRunReplaysOnlyTheNewEntriesOverTheKeptStateAndKeepsWhatAFullReplayBuilds() throws {
        let dir = TempDir()
        let (path, city) = try StateSyncTests.cityLedger(dir)
        let auditDir = dir.sub("audit")
        let first = try Self.audit(StateSyncTests.readOnly(path), auditDir)
        #expect(first.resumedFrom == 0 && first.stateKeysCompared > 100 && first.projectionsCompared)
        #expect(try Self.position(auditDir).size == first.entries)

        // The next day's behaviours need the accounts, consents and intervals of the first:
        // replayed over anything but the kept state, they would break rules.
        do { _ = try Ledger(directory: path).sequencer().append(try city.day(1), now: .now()) }
        let store = try StateSyncTests.readOnly(path)
        let second = try Self.audit(store, auditDir, chunk: 64)
        #expect(second.resumedFrom == first.entries && second.entries > first.entries + 50, "\(first.entries) then \(second.entries)")
        #expect(second.submissions > first.submissions && second.comparedWrittenOnly && !first.comparedWrittenOnly)

        let full = TempDir()
        var v = Verifier(store: store)
        v.scratchDirectory = full.sub("replay")
        let whole = try v.verify()
        #expect(whole.entries == second.entries && whole.submissions == second.submissions && whole.checkpointsChecked == second.checkpointsChecked)
        // Only what the new entries wrote was compared: fewer keys than all, more than none.
        #expect(second.stateKeysCompared > 100 && second.stateKeysCompared < whole.stateKeysCompared, "\(second.stateKeysCompared) of \(whole.stateKeysCompared)")
        #expect(try stateBytes(StateSyncTests.readOnly(auditDir)) == stateBytes(StateSyncTests.readOnly(full.sub("replay"))))
        let kept = try Self.position(auditDir)
        let cp = try Checkpoint(text: SignedNote.parse(Self.checkpoint(store)).text)
        #expect(kept.size == second.entries && kept.frontier.root(hasher: MerkleHasher()) == cp.root)
        #expect(kept.head == (try store.read { try $0.metaDigest(.head) }))
        #expect(kept.submissions == whole.submissions && kept.checkpointsChecked == whole.checkpointsChecked)

        // Nothing new: the log's head checks pass, nothing is replayed and nothing compared.
        let third = try Self.audit(store, auditDir)
        #expect(third.resumedFrom == second.entries && third.entries == second.entries && third.stateKeysCompared == 0)
    }

    /// A replay resumed from an audit state makes its index of behaviours (their intervals and
    /// daily caps, SPEC.md section 10) from the behaviours' records it kept: rides reported after
    /// the first run, on a day whose cap earlier rides used, are credited what the cap left, as
    /// the writer credited them; an index that forgot the earlier rides would credit more.
    @Test func aResumedReplayMakesTheIndexOfBehavioursFromTheKeptRecords() throws {
        let dir = TempDir()
        let (path, city) = try StateSyncTests.cityLedger(dir)
        // 60 km by metro is 2.88 kg; the metro's cap is 5 kg a day.
        func ride(_ i: Int64) throws -> Submission {
            try city.sign(city.report(1, "metro", 60_000, day: 0, from: 1_380 + i * 15, to: 1_390 + i * 15, ref: "AUDIT-\(i)"), by: "szmetro")
        }
        let ledger = try Ledger(directory: path)
        let writer = try ledger.sequencer()
        func append(_ i: Int64) throws -> UInt64 { try #require(try writer.append([ride(i)], now: .now()).first).get().firstSeq }
        let first = try append(0)
        let auditDir = dir.sub("audit")
        _ = try Self.audit(StateSyncTests.readOnly(path), auditDir)
        let later = [try append(1), try append(2)]
        // Behaviours' records are the rules checkpoint's.
        writer.writeRulesCheckpoint()
        let credited = try later.map { seq in try #require(try ledger.checkpointedBehaviour(UInt64(seq))) }
        let store = try StateSyncTests.readOnly(path)
        #expect(credited.allSatisfy(\.capped) && credited.map(\.creditedMg).reduce(0, +) < 2_000_000, "the later rides met the cap: \(credited.map(\.creditedMg))")
        #expect(first < later[0])
        let resumed = try Self.audit(store, auditDir)
        #expect(resumed.resumedFrom > first && resumed.resumedFrom <= later[0] && resumed.entries == later[1] + 1)
    }

    @Test func aLaterRunComparesTheProjectionsTheNewEntriesWroteOrAllOfThemWhenAsked() throws {
        let dir = TempDir()
        let (path, city) = try StateSyncTests.cityLedger(dir)
        let auditDir = dir.sub("audit")
        _ = try Self.audit(StateSyncTests.readOnly(path), auditDir)
        do { _ = try Ledger(directory: path).sequencer().append(try city.day(1), now: .now()) }
        // One projection the new day rewrites (the totals), one it does not (a methodology).
        let (totals, methodology) = try StateSyncTests.readOnly(path).read { r -> ([UInt8], [UInt8]) in
            var meth: [UInt8]?
            try r.stateTxn.scan(r.store.state, from: nil) { k, _ in
                if k.starts(with: Array("meth/".utf8)) { meth = Array(k); return false }
                return true
            }
            return (Array("totals".utf8), try #require(meth))
        }
        func tampered(_ key: [UInt8], _ body: () throws -> Void) throws {
            let store = try LogStore(path: path)
            let original = try #require(try store.rawGet(store.state, key: key))
            try store.rawPut(store.state, key: key, value: Array(#"{"x":1}"#.utf8))
            defer { try? store.rawPut(store.state, key: key, value: original) }
            try body()
        }
        let untouched = String(decoding: methodology, as: UTF8.self)
        try tampered(methodology) {
            // Written before the audit state's last comparison and not since: compared again
            // only when every projection is asked for (below, a run without passes).
            var v = Verifier(store: try StateSyncTests.readOnly(path))
            v.auditStateDirectory = auditDir
            v.compareAllProjections = true
            let all = Self.failure { try v.verify() }
            #expect(all?.reason.hasPrefix("projection \(untouched) differs from the replayed state: stored {\"x\":1}, replay {") == true, "\(String(describing: all))")
        }
        // The failed run kept its replay; the projections it wrote were not compared, so they
        // still are listed for the next run.
        try tampered(totals) {
            let f = Self.failure { try Self.audit(StateSyncTests.readOnly(path), auditDir) }
            #expect(f?.reason.hasPrefix("projection totals differs from the replayed state: stored {\"x\":1}") == true, "\(String(describing: f))")
        }
        try tampered(methodology) {
            let written = try Self.audit(StateSyncTests.readOnly(path), auditDir)
            #expect(written.comparedWrittenOnly && written.stateKeysCompared > 100)
        }
    }

    @Test func aRuleBreakingEntryAfterTheAuditedHistoryIsFoundAndTheChunksBeforeItAreKept() throws {
        let dir = TempDir()
        let (ledger, key) = try Fixture.newLedger(dir)
        try Fixture.fill(ledger, batches: 3, size: 5)
        let auditDir = dir.sub("audit")
        #expect(try Self.audit(ledger.store, auditDir).entries == 16)
        try Fixture.fill(ledger, batches: 6, size: 5, tag: "more")
        let bad = try ledger.info().size
        #expect(bad == 46)
        // Hashes, nodes and a checkpoint re-signed with the registry key: only the rules object.
        let genesis = try Submission.Unsigned(events: [["type": "genesis"]]).signed(by: key, origin: Fixture.origin)
        try ForgedAppend.append([genesis], to: ledger, registryKey: key)

        let f = Self.failure { try Self.audit(ledger.store, auditDir, chunk: 8) }
        #expect(f?.seq == bad && f?.reason.contains("genesis.first") == true, "\(String(describing: f))")
        // Each chunk of 8 was committed with the last submission boundary it passed.
        let kept = try Self.position(auditDir)
        #expect(kept.size > 16 && kept.size <= bad && (kept.size - 1) % 5 == 0, "kept \(kept.size)")
        // The next run starts there and finds the same entry.
        let again = Self.failure { try Self.audit(ledger.store, auditDir, chunk: 8) }
        #expect(again?.seq == bad)
        #expect(try Self.position(auditDir).size >= kept.size)
    }

    @Test func aRolledBackOrRewrittenLogIsFoundAndTheAuditStateIsLeftAsItWas() throws {
        let dir = TempDir()
        let (ledger, _) = try Fixture.newLedger(dir)
        try Fixture.fill(ledger, batches: 2, size: 4)
        let old = dir.sub("old")
        try Self.copyLedger(ledger.directory, to: old)
        try Fixture.fill(ledger, batches: 2, size: 4, tag: "later")
        let auditDir = dir.sub("audit")
        #expect(try Self.audit(ledger.store, auditDir).entries == 17)
        let verified = try Self.position(auditDir)

        // The older copy restored: it verifies on its own, not against the audit state.
        do {
            let restored = try StateSyncTests.readOnly(old)
            _ = try Verifier(store: restored).verify()
            let rolled = Self.failure { try Self.audit(restored, auditDir) }
            #expect(rolled?.reason.hasPrefix("ROLLED BACK: the log has 9 entries, but your audit state verified 17") == true, "\(String(describing: rolled))")
            #expect(try Self.position(auditDir) == verified)
        }

        // The older copy extended with other entries past the audited size.
        do { try Fixture.fill(try Ledger(directory: old), batches: 3, size: 4, tag: "other") }
        do {
            let forkStore = try StateSyncTests.readOnly(old)
            _ = try Verifier(store: forkStore).verify()
            let forked = Self.failure { try Self.audit(forkStore, auditDir) }
            #expect(forked?.seq == 16 && forked?.reason.hasPrefix("FORK") == true, "\(String(describing: forked))")
            #expect(try Self.position(auditDir) == verified)
        }

        // The real ledger still goes on from the audit state.
        try Fixture.fill(ledger, batches: 1, size: 4, tag: "last")
        #expect(try Self.audit(ledger.store, auditDir).resumedFrom == 17)
    }

    @Test func trustedCheckpointsAtOrBelowTheAuditedSizeAreCheckedAgainstTheVerifiedTree() throws {
        let dir = TempDir()
        let (ledger, key) = try Fixture.newLedger(dir)
        try Fixture.fill(ledger, batches: 2, size: 4)
        let at9 = dir.write("c9.txt", try Self.checkpoint(ledger.store))
        try Fixture.fill(ledger, batches: 2, size: 4, tag: "later")
        let at17 = dir.write("c17.txt", try Self.checkpoint(ledger.store))
        let auditDir = dir.sub("audit")
        _ = try Self.audit(ledger.store, auditDir)
        try Fixture.fill(ledger, batches: 1, size: 4, tag: "last")
        let notes = [at9, at17].map { String(decoding: FileManager.default.contents(atPath: $0)!, as: UTF8.self) }
        #expect(try Self.audit(ledger.store, auditDir, trusted: notes).resumedFrom == 17)

        // A checkpoint the registry signed over another tree of 9 entries: a rewritten history.
        let other = Checkpoint(origin: Fixture.origin, size: 9, root: MerkleHasher().leafHash([1, 2, 3])).sign(with: key)
        let forked = Self.failure { try Self.audit(ledger.store, auditDir, trusted: [other]) }
        #expect(forked?.seq == 8 && forked?.reason.hasPrefix("FORK: the trusted checkpoint for tree size 9") == true, "\(String(describing: forked))")
        // One signed by another key is no evidence at all.
        let stranger = try NoteSigningKey.generate(name: "registry")
        let fake = Checkpoint(origin: Fixture.origin, size: 9, root: .zero).sign(with: stranger)
        let unsigned = Self.failure { try Self.audit(ledger.store, auditDir, trusted: [fake]) }
        #expect(unsigned?.reason.contains("not signed by this log's registry key") == true, "\(String(describing: unsigned))")
        // A trusted checkpoint beyond the log: rolled back.
        let ahead = Checkpoint(origin: Fixture.origin, size: 99, root: .zero).sign(with: key)
        let rolled = Self.failure { try Self.audit(ledger.store, auditDir, trusted: [ahead]) }
        #expect(rolled?.reason.hasPrefix("ROLLED BACK") == true)
    }

    @Test func projectionsTrailingTheAuditStateAreNotComparedAndTheReportSaysSo() throws {
        let dir = TempDir()
        let (path, city) = try StateSyncTests.cityLedger(dir)
        let stateDir = path + "/" + LogStore.stateDirectory
        try FileManager.default.copyItem(atPath: stateDir, toPath: dir.sub("state-after-day-0"))
        do { _ = try Ledger(directory: path).sequencer().append(try city.day(1), now: .now()) }
        let auditDir = dir.sub("audit")
        let verified = try Self.audit(StateSyncTests.readOnly(path), auditDir)
        // What a crash between a commit's log and its state leaves: the state of day 0.
        try StateSyncTests.replace(stateDir, with: dir.sub("state-after-day-0"))
        let report = try Self.audit(StateSyncTests.readOnly(path), auditDir)
        #expect(report.entries == verified.entries && report.resumedFrom == verified.entries)
        #expect(!report.projectionsCompared && report.stateKeysCompared == 0)
        #expect(verified.projectionsCompared && verified.stateKeysCompared > 100)
    }

    @Test func directoriesThatAreNotThisLedgersAuditStateAreRefusedUnchanged() throws {
        let dir = TempDir()
        let (ledger, _) = try Fixture.newLedger(dir)
        try Fixture.fill(ledger, batches: 2, size: 3)
        func refusal(_ body: () throws -> Any) -> AuditStateError? {
            do { _ = try body(); return nil } catch let e as AuditStateError { return e } catch {
                Issue.record("threw \(error) instead of an AuditStateError")
                return nil
            }
        }
        // The ledger's own directory, given by mistake.
        let files = try FileManager.default.contentsOfDirectory(atPath: ledger.directory).sorted()
        let data = FileManager.default.contents(atPath: ledger.directory + "/data.mdb")
        #expect(refusal { try Self.audit(ledger.store, ledger.directory) } == .notAnAuditState(ledger.directory))
        #expect(try FileManager.default.contentsOfDirectory(atPath: ledger.directory).sorted() == files)
        #expect(FileManager.default.contents(atPath: ledger.directory + "/data.mdb") == data)
        // A directory holding anything else.
        let junk = dir.sub("junk")
        try FileManager.default.createDirectory(atPath: junk, withIntermediateDirectories: true)
        _ = dir.write("junk/notes.txt", "mine")
        #expect(refusal { try Self.audit(ledger.store, junk) } == .notAnAuditState(junk))
        #expect(try FileManager.default.contentsOfDirectory(atPath: junk) == ["notes.txt"])

        let auditDir = dir.sub("audit")
        _ = try Self.audit(ledger.store, auditDir)
        // Another ledger's.
        let otherDir = TempDir()
        let other = try Ledger.create(directory: otherDir.sub("ledger"), origin: "carbonledger.test/other", key: try NoteSigningKey.generate(name: "registry"))
        #expect(refusal { try Self.audit(other.store, auditDir) } == .otherLedger(dir: auditDir, audited: Fixture.origin, ledger: "carbonledger.test/other"))
        // In use by another verify.
        do {
            let held = try AuditStateDirectory(path: auditDir, mapSize: 1 << 20)
            #expect(refusal { try Self.audit(ledger.store, auditDir) } == .inUse(auditDir))
            _ = held
        }
        // With a replay up to a point.
        var partial = Verifier(store: ledger.store)
        partial.auditStateDirectory = auditDir
        partial.upTo = 4
        #expect(refusal { try partial.verify() } == .partialReplay)
        // Its record damaged, or written for another state format.
        let kept = try Self.position(auditDir)
        let key = Array(StateMetaKey.audit.rawValue.utf8)
        // The environment is closed again before the verifier opens it.
        func setRecord(_ value: [UInt8]) throws {
            let store = try LogStore(path: auditDir, auditState: true)
            try store.rawPut(store.stateMeta, key: key, value: value)
        }
        let original = try #require(try { () throws -> [UInt8]? in
            let ro = try StateSyncTests.readOnly(auditDir)
            return try ro.rawGet(ro.stateMeta, key: key)
        }())
        try setRecord(Array(#"{"format":"carbonledger-audit/1"}"#.utf8))
        #expect(refusal { try Self.audit(ledger.store, auditDir) } == .otherStateFormat(found: "missing"))
        var record = try #require(try JSONParser.parse(original).objectValue)
        record["frontier"] = .array([])
        try setRecord(CanonicalJSON.encode(.object(record)))
        guard case .damaged(let why)? = refusal({ try Self.audit(ledger.store, auditDir) }) else { Issue.record("a damaged frontier was used"); return }
        #expect(why.contains("frontier has 0 hashes; a tree of 7 leaves has 3"), "\(why)")
        // Another log format, and this log format with the rule records' layout before (its
        // behaviours' records held the keys of their other records).
        for other in ["carbonledger-lmdb/3", LogStore.format] {
            record["state_format"] = .string(other)
            try setRecord(CanonicalJSON.encode(.object(record)))
            #expect(refusal { try Self.audit(ledger.store, auditDir) } == .otherStateFormat(found: other))
        }
        try setRecord(original)
        #expect(try Self.audit(ledger.store, auditDir).resumedFrom == kept.size)
        // Its list of the projections written since the last comparison damaged (a length
        // beyond the record): reported, not read past.
        do {
            let store = try LogStore(path: auditDir, auditState: true)
            try store.rawPut(try #require(store.touched), key: be64(1), value: [0x01, 0x00, UInt8(ascii: "a")])
        }
        let damaged = Self.failure { try Self.audit(ledger.store, auditDir) }
        #expect(damaged?.reason.hasPrefix("the audit state's list of written projections is damaged") == true, "\(String(describing: damaged))")
    }
}
