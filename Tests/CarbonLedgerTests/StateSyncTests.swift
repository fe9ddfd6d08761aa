import Foundation
import Testing
import LedgerCore
import LedgerDemo
import LedgerStore
@testable import CarbonLedger
import TestSupport

/// The state's environment is written after the log and without fsync (SPEC.md section 10):
/// what a crash or a power loss leaves of it is compared where it stands and replayed from the
/// log, with real LMDB files moved around as a crash would leave them.
@Suite struct StateSyncTests {
    static let origin = "carbonledger.test/state-sync"

    /// A demo city ledger with its setup and first day appended; its directory and generator.
    static func cityLedger(_ dir: TempDir) throws -> (path: String, city: DemoCity) {
        let (ledger, city, _) = try newDemoCity(dir, origin: origin, residents: 30, days: 2)
        let seq = try ledger.sequencer()
        for r in try seq.append(try city.setup(), now: .now()) { _ = try r.get() }
        _ = try seq.append(try city.day(0), now: .now())
        return (ledger.directory, city)
    }

    static func readOnly(_ path: String) throws -> LogStore { try readOnlyStore(path) }

    /// `cityLedger`'s directory, its state's records and its log's size.
    static func cityState(_ dir: TempDir) throws -> (path: String, state: [[UInt8]], size: UInt64) {
        let (path, _) = try cityLedger(dir)
        return (path, try stateBytes(readOnly(path)), try sizes(path).log)
    }

    /// What a writer's start does to the state environment (`Sequencer.loadRulesState`).
    @discardableResult
    static func catchUp(_ store: LogStore) throws -> StateSync.Outcome { try Sequencer(replicaOf: store).loadRulesState().state }

    @discardableResult
    static func catchUp(_ path: String) throws -> StateSync.Outcome { try catchUp(try Ledger(directory: path).store) }

    static func sizes(_ path: String) throws -> (log: UInt64, state: UInt64) {
        try readOnly(path).read { r in (try r.metaU64(.size) ?? 0, try r.stateSize()) }
    }

    static func replace(_ path: String, with copy: String) throws {
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: copy, toPath: path)
    }

    @Test func aStateLeftBehindByACrashIsComparedWhereItStandsAndReplayedByTheNextWriter() throws {
        let dir = TempDir()
        let (path, city) = try Self.cityLedger(dir)
        let stateDir = path + "/" + LogStore.stateDirectory
        try FileManager.default.copyItem(atPath: stateDir, toPath: dir.sub("state-after-day-0"))
        let before = try Self.sizes(path)
        #expect(before.log == before.state)
        do {
            let ledger = try Ledger(directory: path)
            _ = try ledger.sequencer().append(try city.day(1), now: .now())
        }
        let expected = try stateBytes(Self.readOnly(path))
        let after = try Self.sizes(path)
        #expect(after.log > before.log && after.state == after.log)

        // What a crash between the second day's log commit and its state commit leaves.
        try Self.replace(stateDir, with: dir.sub("state-after-day-0"))
        #expect(try Self.sizes(path) == (after.log, before.log))
        let report = try Verifier(store: Self.readOnly(path)).verify()
        #expect(report.entries == after.log && report.stateSize == before.log && report.stateKeysCompared > 100)
        // The comparison there is a real one: a changed projection is named.
        do {
            let store = try LogStore(path: path)
            let key = Array("totals".utf8)
            let original = try #require(try store.rawGet(store.state, key: key))
            try store.rawPut(store.state, key: key, value: Array(#"{"credited_mg":1}"#.utf8))
            #expect(throws: VerificationFailure.self) { try Verifier(store: store).verify() }
            try store.rawPut(store.state, key: key, value: original)
        }

        // The next writer to start replays what the state missed.
        #expect(try Self.catchUp(path) == StateSync.Outcome(replayed: after.log - before.log))
        #expect(try Self.sizes(path) == (after.log, after.log))
        #expect(try stateBytes(Self.readOnly(path)) == expected)
        #expect(try Verifier(store: Self.readOnly(path)).verify().stateSize == after.log)
    }

    @Test func aStateNeitherWrittenInThisBootNorFlushedIsRebuiltFromTheLog() throws {
        let dir = TempDir()
        let (path, expected, size) = try Self.cityState(dir)
        do {
            let store = try LogStore(path: path)
            // As after a power loss: written in an earlier boot, not flushed since, and with a
            // page that never reached the disk.
            try store.rawPut(store.stateMeta, key: Array("boot".utf8), value: Array("an-earlier-boot".utf8))
            try store.rawDelete(store.meta, key: Array(MetaKey.stateSynced.rawValue.utf8))
            try store.rawPut(store.state, key: Array("totals".utf8), value: Array(#"{"credited_mg":1}"#.utf8))
            #expect(try !store.read { try store.stateIsTrusted($0) })
            let outcome = try Self.catchUp(store)
            #expect(outcome == StateSync.Outcome(replayed: size, rebuilt: true))
            #expect(try store.read { try store.stateIsTrusted($0) })
        }
        #expect(try stateBytes(Self.readOnly(path)) == expected)
        #expect(try Verifier(store: Self.readOnly(path)).verify().stateSize == size)
    }

    @Test func aFlushedStateIsTrustedAfterARebootUntilTheNextCommit() throws {
        let dir = TempDir()
        let (ledger, _) = try Fixture.newLedger(dir)
        try Fixture.fill(ledger, batches: 3, size: 4)
        let store = ledger.store
        let earlierBoot = Array("an-earlier-boot".utf8)
        try store.syncState()
        #expect(try store.read { try $0.metaU64(.stateSynced) } == 13)
        try store.rawPut(store.stateMeta, key: Array("boot".utf8), value: earlierBoot)
        #expect(try store.read { try store.stateIsTrusted($0) })
        #expect(try Self.catchUp(store) == StateSync.Outcome())

        // A commit removes the record (durably, with the log) before the state changes.
        try Fixture.fill(ledger, batches: 1, size: 4, tag: "later")
        #expect(try store.read { try $0.metaU64(.stateSynced) } == nil)
        #expect(try store.rawGet(store.stateMeta, key: Array("boot".utf8)) == LogStore.bootID)
        try store.rawPut(store.stateMeta, key: Array("boot".utf8), value: earlierBoot)
        #expect(try !store.read { try store.stateIsTrusted($0) })
        #expect(try Self.catchUp(store) == StateSync.Outcome(replayed: 17, rebuilt: true))
        #expect(try Verifier(store: store).verify().stateSize == 17)
    }

    /// What `verify` advises for a damaged state file: remove it, and a writer rebuilds it.
    @Test func aRemovedStateIsRebuiltByTheNextWriter() throws {
        let dir = TempDir()
        let (path, expected, size) = try Self.cityState(dir)
        try FileManager.default.removeItem(atPath: path + "/" + LogStore.stateDirectory)
        #expect(throws: StoreError.self) { try Self.readOnly(path) }
        try Self.catchUp(path)
        #expect(try Self.sizes(path) == (size, size))
        #expect(try stateBytes(Self.readOnly(path)) == expected)
    }

    @Test func aStateAheadOfTheLogIsRebuilt() throws {
        let dir = TempDir()
        let (path, city) = try Self.cityLedger(dir)
        try FileManager.default.copyItem(atPath: path + "/data.mdb", toPath: dir.sub("log-after-day-0"))
        let expected = try stateBytes(Self.readOnly(path))
        do { _ = try Ledger(directory: path).sequencer().append(try city.day(1), now: .now()) }
        // An older copy of the log put back under a newer state.
        try Self.replace(path + "/data.mdb", with: dir.sub("log-after-day-0"))
        let (log, state) = try Self.sizes(path)
        #expect(state > log)
        try Self.catchUp(path)
        #expect(try Self.sizes(path) == (log, log))
        #expect(try stateBytes(Self.readOnly(path)) == expected)
    }

    /// The tail a catch-up replays is read as every replay reads the log (`LogChunks`,
    /// `SubmissionAssembler`): entries that do not form a chained log are refused, named, and
    /// leave the state where it was.
    @Test func aTailThatIsNotAChainedLogIsNotReplayed() throws {
        let dir = TempDir()
        let (path, city) = try Self.cityLedger(dir)
        let stateDir = path + "/" + LogStore.stateDirectory
        try FileManager.default.copyItem(atPath: stateDir, toPath: dir.sub("state-after-day-0"))
        let before = try Self.sizes(path)
        do { _ = try Ledger(directory: path).sequencer().append(try city.day(1), now: .now()) }
        try Self.replace(stateDir, with: dir.sub("state-after-day-0"))
        let log = try Self.sizes(path).log
        // Entry `before.log + 2` replaced by the one after it: a moved entry, as a bad restore leaves.
        let moved = before.log + 2
        do {
            let store = try LogStore(path: path)
            let next = try #require(try store.rawGet(store.entries, key: be64(moved + 1)))
            try store.rawPut(store.entries, key: be64(moved), value: next)
        }
        do {
            let store = try LogStore(path: path)
            #expect { try Self.catchUp(store) } throws: { e in
                "\(e)".contains("entry \(moved)") && "\(e)".contains("says seq \(moved + 1)") && "\(e)".contains("cledger verify")
            }
        }
        #expect(try Self.sizes(path) == (log, before.log))
    }

    /// Another writer may write the state environment up to a point inside a span this writer
    /// replayed (its batches are cut elsewhere): the span is written from there, every record
    /// as the span left it and the read models of its submissions after that point, and the
    /// environment ends as one that was never behind, byte for byte.
    @Test func aSpanIsWrittenFromWhereTheStateStandsInsideIt() throws {
        let dir = TempDir()
        let (ledger, city, _) = try newDemoCity(dir, origin: Self.origin, residents: 30, days: 2)
        let path = ledger.directory, stateDir = ledger.directory + "/" + LogStore.stateDirectory
        let rulesDir = ledger.directory + "/" + RuleCheckpoints.directory
        let writer = try ledger.sequencer()
        try writer.appendAccepted(try city.setup())
        writer.writeRulesCheckpoint()
        let a = try ledger.info().size
        try FileManager.default.copyItem(atPath: rulesDir, toPath: dir.sub("rules-at-a"))
        try writer.appendAccepted(try city.regularBatches(0))
        let b = try ledger.info().size
        try FileManager.default.copyItem(atPath: stateDir, toPath: dir.sub("state-at-b"))
        try writer.appendAccepted(try city.regularBatches(1))
        let c = try ledger.info().size
        let expected = try stateBytes(Self.readOnly(path))
        #expect(a < b && b < c)

        try Self.replace(stateDir, with: dir.sub("state-at-b"))
        try Self.replace(rulesDir, with: dir.sub("rules-at-a"))
        let store = try LogStore(path: path)
        let span = try store.ruleCheckpoints().read { position, records in
            #expect(position?.size == a)
            let state = try ResidentState.load(records, index: .allRecords)
            state.cold = records
            defer { state.cold = nil }
            return try store.read { r in try StateSync.replay(state, log: r, limit: c, effects: true) }
        }
        #expect(span.start == a && span.end == c, "one span over both days")
        #expect(try store.writeState { try StateSync.write(span, to: $0) } == c - b)
        #expect(try stateBytes(store) == expected)
        // Not from a point where no submission of the span begins.
        try Self.replace(stateDir, with: dir.sub("state-at-b"))
        let inside = try LogStore(path: path)
        let notAStart = try #require((b + 1 ..< c).first { seq in !span.effects.starts.contains { $0.seq == seq } })
        try inside.writeState { try $0.setSize(notAStart) }
        #expect(try inside.writeState { try StateSync.write(span, to: $0) } == nil)
    }

    /// A state environment an earlier cledger wrote (format `carbonledger-lmdb/4`, which kept the
    /// paths only the rules read too; `state/2`, which kept the behaviours' records and had no
    /// leaderboard) is refused by readers, naming the remedy, and rebuilt by the next writer
    /// without them.
    @Test(arguments: [(LogStore.format, "src/szmetro/stale"), (LogStore.format + " state/2", "beh/0000000000000001")])
    func aStateOfTheEarlierFormatIsRebuiltWithoutTheRulesOnlyPaths(format: String, stale: String) throws {
        let dir = TempDir()
        let (path, expected, size) = try Self.cityState(dir)
        #expect(expected.contains { $0.starts(with: Array("lb/".utf8)) } && !expected.contains { $0.starts(with: Array("beh/".utf8)) })
        do {
            let store = try LogStore(path: path)
            try store.rawPut(store.stateMeta, key: Array(StateMetaKey.format.rawValue.utf8), value: Array(format.utf8))
            try store.rawPut(store.state, key: Array(stale.utf8), value: Array(#"{"seq":1}"#.utf8))
        }
        #expect { try Self.readOnly(path) } throws: { "\($0)".contains(LogStore.stateFormat) && "\($0)".contains("cledger upgrade") }
        #expect(try Self.catchUp(LogStore(path: path)) == StateSync.Outcome(replayed: size, rebuilt: true))
        #expect(try stateBytes(Self.readOnly(path)) == expected)
        #expect(try Verifier(store: Self.readOnly(path)).verify().stateSize == size)
    }
}

