import Foundation
import Testing
import LedgerCore
import LedgerDemo
@testable import LedgerStore
@testable import CarbonLedger
import TestSupport

/// The rules checkpoint (`DIR/rules`): the rules' records after a point of the log, moved on in
/// steps behind the writer, from which a writer starts instead of replaying the whole log, and
/// where it reads the cold records. It must always hold exactly the records a replay of its
/// entries leaves (an independent replay's, the verifier's), and a checkpoint that is not the
/// log's must never be loaded.
@Suite struct RuleCheckpointTests {
    /// The checkpoint's records and where it stands.
    static func checkpoint(_ ledger: Ledger) throws -> (position: RuleCheckpoints.Position?, records: [String: [UInt8]]) {
        var out: [String: [UInt8]] = [:]
        let position = try ledger.store.ruleCheckpoints().forEachRecord { k, v in out[String(decoding: k, as: UTF8.self)] = Array(v) }
        return (position, out)
    }

    /// A city of 40 residents with its setup and first day appended, checkpointed, and its writer.
    static func checkpointedDay(_ dir: TempDir, origin: String) throws -> (Ledger, DemoCity, Sequencer) {
        let (ledger, city, _) = try newDemoCity(dir, origin: origin, residents: 40, days: 1)
        let writer = try ledger.sequencer()
        try writer.appendAccepted(try city.setup())
        try writer.appendAccepted(try city.regularBatches(0))
        writer.writeRulesCheckpoint()
        return (ledger, city, writer)
    }

    static func expectCheckpointIsTheState(_ ledger: Ledger, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try ResidentStateTests.expectCheckpointIsTheState(ledger, sourceLocation: sourceLocation)
    }

    /// Steps every 100 entries through every kind of event the demo runs (deletions of eligible
    /// behaviours and serial ranges, reversals, transfers): the checkpoint written last holds the
    /// rule records of an independent replay, byte for byte.
    @Test func stepsLeaveTheCheckpointEqualToTheStoredRules() throws {
        let dir = TempDir()
        let (ledger, city, _) = try newDemoCity(dir, origin: "carbonledger.example/checkpoint", residents: 60, days: 2)
        let sequencer = try ledger.sequencer()
        sequencer.checkpointEntries = 100
        _ = try DemoRunner(ledger: ledger, sequencer: sequencer, city: city).run()
        sequencer.writeRulesCheckpoint()
        let written = sequencer.rulesCheckpoint
        #expect(written.fault == nil && written.steps > 3, "\(written)")
        try Self.expectCheckpointIsTheState(ledger)
    }

    /// The behaviours' records are in a database of their own, which no other record is in:
    /// each step appends its reports' records after those before, to full pages (among the
    /// other keys, each page split in the middle and left two half full). The reversals and
    /// requests of later steps rewrite records there (`stepsLeaveTheCheckpointEqualToTheStoredRules`).
    @Test func behavioursAreAppendedToADatabaseOfTheirOwn() throws {
        let dir = TempDir()
        let (ledger, city, _) = try newDemoCity(dir, origin: "carbonledger.example/behaviours", residents: 80, days: 3)
        let sequencer = try ledger.sequencer()
        sequencer.checkpointEntries = 100
        try sequencer.appendAccepted(try city.setup())
        for day in 0..<3 { try sequencer.appendAccepted(try city.regularBatches(day)) }
        sequencer.writeRulesCheckpoint()
        let written = sequencer.rulesCheckpoint
        #expect(written.fault == nil && written.steps > 3, "\(written)")
        try Self.expectCheckpointIsTheState(ledger)

        let checkpoints = try ledger.store.ruleCheckpoints()
        let at = try #require(try checkpoints.position())
        let held = try Self.checkpoint(ledger).records
        let behaviourKeys = held.keys.filter { $0.hasPrefix("beh/") }
        let measured = try checkpoints.read(at: at) { txn, records, behaviours -> (Int, Double, Int)? in
            guard let behaviours else { return nil }
            // A leaf's node is 8 bytes and its key and value, plus 2 bytes of the page's index.
            var bytes = 0
            try txn.scan(behaviours, from: nil) { k, v in bytes += 10 + k.count + v.count; return true }
            let stat = try txn.stat(behaviours)
            var strays = 0
            try txn.scan(records, from: nil) { k, _ in
                if k.starts(with: Array("beh/".utf8)) { strays += 1 }
                return true
            }
            return (stat.entries, Double(bytes) / Double(stat.leafPages * (stat.pageSize - 16)), strays)
        }
        let (inOwn, fill, strays) = try #require(measured ?? nil, "the checkpoint of this layout has a database of behaviours")
        #expect(inOwn == behaviourKeys.count && inOwn > 200 && strays == 0, "\(inOwn) of \(behaviourKeys.count), \(strays) in the records")
        #expect(fill > 0.8, "the behaviours' leaf pages are \(Int(fill * 100))% full, \(inOwn) records")
    }

    /// A checkpoint of layout 6 (the behaviours' records among the others), whole or with a move
    /// cut short (some records moved, the format saying a move is under way): a read-only
    /// `verify` does not take it for either layout; a writer moves the rest in place and loads
    /// it, replaying nothing before it, and it is the state. A record left in the behaviours'
    /// database before a whole one's move (a layout-7 checkpoint an earlier build made again in
    /// layout 6) is not kept.
    @Test func aCheckpointOfLayout6IsMovedInPlaceNotReplayed() throws {
        let dir = TempDir()
        let (ledger, _, writer) = try Self.checkpointedDay(dir, origin: "carbonledger.example/layout6")
        let at = try #require(try ledger.store.ruleCheckpoints().position())
        #expect(at.size == (try ledger.info().size))
        let held = try Self.checkpoint(ledger).records
        let behaviours = held.filter { $0.key.hasPrefix("beh/") }.count
        #expect(behaviours > 50)
        _ = writer
        // Moved in one transaction, in several (a chunk of 7 records each), or going on from a
        // move cut short.
        for (name, movedBefore, chunk) in [("whole", 0, 65_536), ("chunked", 0, 7), ("cut", behaviours / 3, 65_536)] {
            let copy = dir.sub(name)
            try FileManager.default.copyItem(atPath: ledger.directory, toPath: copy)
            try {
                // The copy's checkpoint as layout 6 left it (or a move of it cut short).
                let env = try LMDBEnvironment(path: copy + "/" + RuleCheckpoints.directory)
                let records = try env.openDatabase("records"), own = try env.openDatabase(RuleCheckpoints.behavioursDatabase), meta = try env.openDatabase("meta")
                try env.write { txn in
                    var stored: [([UInt8], [UInt8])] = []
                    try txn.scan(own, from: nil) { k, v in stored.append((Array(k), Array(v))); return true }
                    #expect(stored.count == behaviours)
                    try txn.clear(own)
                    for (i, (k, v)) in stored.enumerated() {
                        try k.withUnsafeBytes { kb in try v.withUnsafeBytes { try txn.put(i < movedBefore ? own : records, key: kb, value: $0) } }
                    }
                    if movedBefore == 0, let (_, v) = stored.first {
                        try Array("beh/0000009999999999".utf8).withUnsafeBytes { kb in try v.withUnsafeBytes { try txn.put(own, key: kb, value: $0) } }
                    }
                    let format = movedBefore > 0 ? "carbonledger-rules/7-upgrading \(LogStore.format)" : "carbonledger-rules/6 \(LogStore.format)"
                    try Array("format".utf8).withUnsafeBytes { k in try Array(format.utf8).withUnsafeBytes { try txn.put(meta, key: k, value: $0) } }
                }
            }()
            let report = try Verifier(store: readOnlyStore(copy)).verify()
            #expect(report.rulesCheckpointCompared == nil && report.rulesCheckpointNote?.contains("no state in this format") == true, "\(String(describing: report.rulesCheckpointNote))")

            if chunk < behaviours {
                let moving = try RuleCheckpoints(ledgerPath: copy, upgradeChunk: chunk)
                #expect(moving.upgraded == behaviours && behaviours > 3 * chunk, "\(name)")
            }
            let reopened = try Ledger(directory: copy)
            let checkpoints = try reopened.store.ruleCheckpoints()
            #expect(checkpoints.upgraded == (chunk < behaviours ? 0 : behaviours - movedBefore), "\(name)")
            let loaded = try reopened.sequencer().loadRulesState()
            guard case .checkpoint(let size, let replayed) = loaded.source, size == at.size, replayed == 0 else { Issue.record("\(name): \(loaded.source)"); continue }
            #expect(try Self.checkpoint(reopened).records == held, "\(name)")
            try Self.expectCheckpointIsTheState(reopened)
            #expect(try Verifier(store: reopened.store).verify().rulesCheckpointCompared?.records == held.count, "\(name)")
        }
        // A behaviour's record left among the others (where no reader looks) is named by `verify`.
        let checkpoints = try ledger.store.ruleCheckpoints()
        let (key, value) = try #require(held.first { $0.key.hasPrefix("beh/") })
        let records = try checkpoints.env.openDatabase("records")
        try checkpoints.env.write { txn in
            try Array(key.utf8).withUnsafeBytes { k in try value.withUnsafeBytes { try txn.put(records, key: k, value: $0) } }
        }
        #expect { try Verifier(store: ledger.store).verify() } throws: { e in
            "\(e)".contains("holds \(key) among its records") && "\(e)".contains("remove the ledger directory's rules/")
        }
    }

    /// A writer started after more was appended loads the checkpoint and replays only the log
    /// after it, reading the cold records from the checkpoint: the tail reverses a report made
    /// before it, which the state environment already shows reversed.
    @Test func aWriterLoadsTheCheckpointAndReplaysTheTail() throws {
        let dir = TempDir()
        let (ledger, city, _) = try newDemoCity(dir, origin: "carbonledger.example/tail", residents: 60, days: 3)
        let first = try ledger.sequencer()
        first.checkpointEntries = .max
        first.checkpointInterval = .seconds(86_400)
        try first.appendAccepted(try city.setup())
        let reports = try first.appendAccepted(try city.regularBatches(0))
        first.writeRulesCheckpoint()
        let at = try Self.checkpoint(ledger).position
        #expect(at?.size == (try ledger.info().size))
        // Not checkpointed: a day more, and the reversal of the day before's first report.
        try first.appendAccepted(try city.regularBatches(1))
        let reported = reports[0].firstSeq
        try first.appendAccepted(try city.reversals(of: [reported]))
        #expect(try Self.checkpoint(ledger).position == at, "no step was due")
        let size = try ledger.info().size

        let second = try ledger.sequencer()
        let loaded = try second.loadRulesState()
        #expect(loaded.source == .checkpoint(size: at?.size ?? 0, replayed: size - (at?.size ?? 0)) && loaded.size == size, "\(loaded.source)")
        try ResidentStateTests.expectInStep(second, ledger)
        // It goes on from the tail it replayed.
        try second.appendAccepted(try city.regularBatches(2))
        second.writeRulesCheckpoint()
        try Self.expectCheckpointIsTheState(ledger)
        _ = try Verifier(store: ledger.store).verify()
    }

    /// A checkpoint of another log (same files, another history) is not loaded: the writer
    /// replays the whole log and makes the checkpoint anew as it goes.
    @Test func aCheckpointOfAnotherLogIsReplacedNotLoaded() throws {
        let dir = TempDir()
        let (ledger, _, _) = try Self.checkpointedDay(dir, origin: "carbonledger.example/other")
        // Another ledger of the same city, as long, whose files get this one's checkpoint.
        let otherDir = TempDir()
        let otherPath: String = try {
            let (other, _, _) = try Self.checkpointedDay(otherDir, origin: "carbonledger.example/other")
            #expect(try other.info().size == (try ledger.info().size), "the head, not the size, tells them apart")
            return other.directory
        }()
        try FileManager.default.removeItem(atPath: otherPath + "/" + RuleCheckpoints.directory)
        try FileManager.default.copyItem(atPath: ledger.directory + "/" + RuleCheckpoints.directory, toPath: otherPath + "/" + RuleCheckpoints.directory)
        let reopened = try Ledger(directory: otherPath)
        let replaying = try reopened.sequencer()
        let loaded = try replaying.loadRulesState()
        guard case .replay(let why) = loaded.source else { Issue.record("loaded \(loaded.source)"); return }
        #expect(why.contains("is not the log's"), "\(why)")
        #expect(loaded.state == StateSync.Outcome(), "the state environment was the log's already")
        replaying.writeRulesCheckpoint()
        try Self.expectCheckpointIsTheState(reopened)
        try ResidentStateTests.expectInStep(replaying, reopened)
    }

    /// A record of the checkpoint that the state in memory would hold and that does not read
    /// back (a packed account cut short): the writer replays the log instead, and says why.
    @Test func aDamagedCheckpointRecordIsReplayedNotLoaded() throws {
        let dir = TempDir()
        let (ledger, _, _) = try Self.checkpointedDay(dir, origin: "carbonledger.example/damaged")
        let checkpoints = try ledger.store.ruleCheckpoints()
        let at = try #require(try checkpoints.position())
        var account: (key: String, bytes: [UInt8])?
        try checkpoints.forEachRecord(stored: true) { k, v in
            if account == nil, k.starts(with: Array("acct/".utf8)) { account = (String(decoding: k, as: UTF8.self), Array(v)) }
        }
        let damaged = try #require(account)
        #expect(damaged.bytes.first == PackedRecord.marker)
        try checkpoints.advance(from: at, to: at) { write in try write(damaged.key, .canonical(Array(damaged.bytes.dropLast(2)))) }
        #expect(throws: StoreError.self) { try checkpoints.forEachRecord { _, _ in } }
        // Read as a cold record (typed or as JSON), it is an error with the checkpoint's remedy.
        for read in [{ r in _ = try r.record(AccountRecord.self, at: damaged.key) }, { r in _ = try r.get(damaged.key) }] as [(StoreStateReader) throws -> Void] {
            #expect { try checkpoints.read { _, records in try read(records) } } throws: { e in
                "\(e)".contains(damaged.key) && "\(e)".contains("remove the ledger directory's rules/")
            }
        }

        let reopened = try Ledger(directory: ledger.directory)
        let replaying = try reopened.sequencer()
        let loaded = try replaying.loadRulesState()
        guard case .replay(let why) = loaded.source else { Issue.record("loaded \(loaded.source)"); return }
        #expect(why.contains("damaged") && why.contains(damaged.key), "\(why)")
        replaying.writeRulesCheckpoint()
        try Self.expectCheckpointIsTheState(reopened)
        try ResidentStateTests.expectInStep(replaying, reopened)
    }

    /// Two writers of one ledger, each stepping after every batch: a writer whose checkpoint the
    /// other moved loads its rules' state again from the checkpoint and the log (what it held no
    /// longer follows from the checkpoint, where its cold records are read), and steps on from
    /// there; the checkpoint stays a state of the log, which a third writer loads.
    @Test func twoWritersInterleavedLoadTheMovedCheckpointAgainAndKeepItTheLogs() throws {
        let dir = TempDir()
        let (ledger, city, _) = try newDemoCity(dir, origin: "carbonledger.example/twowriters", residents: 40, days: 2)
        let first = try ledger.sequencer(), second = try ledger.sequencer()
        first.checkpointEntries = 1
        second.checkpointEntries = 1
        // Each writer's last step is written before the other goes on: a step still running
        // when the other loads would move the checkpoint under it once more.
        try first.appendAccepted(try city.setup())
        first.writeRulesCheckpoint()
        for (d, writer) in [(0, second), (1, first)] {
            try writer.appendAccepted(try city.regularBatches(d))
            writer.writeRulesCheckpoint()
        }
        try second.appendAccepted([try city.sign([["type": "note", "text": "last"]], by: city.admin)])
        // At least once more each (a CI run under load saw `first` at other than 2, not
        // reproduced since; the counts say which): the states below are what decides.
        #expect(first.rulesStateLoads >= 2 && second.rulesStateLoads >= 2, "each loaded again after the other moved the checkpoint: \(first.rulesStateLoads), \(second.rulesStateLoads)")
        try ResidentStateTests.expectInStep(first, ledger)
        try ResidentStateTests.expectInStep(second, ledger)
        try Self.expectCheckpointIsTheState(ledger)
        let third = try ledger.sequencer()
        let loaded = try third.loadRulesState()
        #expect(loaded.source == .checkpoint(size: loaded.size, replayed: 0), "\(loaded.source)")
        try ResidentStateTests.expectInStep(third, ledger)
    }

    /// Steps that fail (here made to fail by the test's hook) are written with the next one
    /// that does not: the appends go on, the cold layers wait in memory, and the checkpoint ends
    /// equal to the state, with nothing of the failed steps lost.
    @Test func failedStepsAreWrittenWithTheNext() throws {
        let dir = TempDir()
        let (ledger, city, _) = try newDemoCity(dir, origin: "carbonledger.example/failedstep", residents: 40, days: 2)
        let writer = try ledger.sequencer()
        writer.checkpointEntries = 1
        let failing = StepsTried()
        failing.on = true
        writer.checkpointStepHook = { size in
            if failing.tried() { throw StoreError.corrupt("a step to \(size) made to fail by the test") }
        }
        try writer.appendAccepted(try city.setup())
        try writer.appendAccepted(try city.regularBatches(0))
        writer.writeRulesCheckpoint()
        let refused = writer.rulesCheckpoint
        #expect(refused.steps == 0 && refused.fault?.contains("made to fail by the test") == true, "\(refused)")
        #expect(try Self.checkpoint(ledger).position?.size == 0, "no step was written")
        #expect(try writer.rulesStateRecords().coldLayers > 0, "the cold records wait in memory")
        failing.on = false
        try writer.appendAccepted(try city.regularBatches(1))
        writer.writeRulesCheckpoint()
        let written = writer.rulesCheckpoint
        #expect(written.fault == nil && written.steps > 0 && failing.count >= 2, "\(written), \(failing.count) steps tried")
        try Self.expectCheckpointIsTheState(ledger)
        try ResidentStateTests.expectInStep(writer, ledger)
    }

    /// `verify` compares the checkpoint with its replay when it reaches the checkpoint's size:
    /// equal, it says how many records; a record changed, added or removed is named with the
    /// remedy, and so is a checkpoint file that cannot be read; a checkpoint of another history
    /// is not compared, and says why.
    @Test func verifyComparesTheCheckpointWithItsReplay() throws {
        let dir = TempDir()
        let (ledger, city, writer) = try Self.checkpointedDay(dir, origin: "carbonledger.example/verified")
        // More after the checkpoint: the replay compares it on the way.
        try writer.appendAccepted([try city.sign([["type": "note", "text": "after the checkpoint"]], by: city.admin)])
        let checkpoints = try ledger.store.ruleCheckpoints()
        let at = try #require(try checkpoints.position())
        #expect(at.size < (try ledger.info().size))
        let report = try Verifier(store: ledger.store).verify()
        let compared = try #require(report.rulesCheckpointCompared)
        let held = try Self.checkpoint(ledger).records
        #expect(compared.size == at.size && compared.records == held.count && compared.records > 100)
        // The comparison in steps of 3 records (each step's read made while the one before is
        // compared) compares as many and names the same fault as in one step.
        func inSmallSteps() -> Result<VerificationReport, Error> { Verifier(store: ledger.store).verifyInSteps(of: 3) }
        #expect(try inSmallSteps().get().rulesCheckpointCompared?.records == compared.records)

        let (key, value) = try #require(held.first { ResidentState.isRulesOnly($0.key) })
        // A behaviour's record as the checkpoint stores it, packed: a byte of its leaf hash
        // changed reads as another record, a cut one as none.
        var packed: (key: String, bytes: [UInt8])?
        try checkpoints.forEachRecord(stored: true) { k, v in
            if packed == nil, k.starts(with: Array("beh/".utf8)) { packed = (String(decoding: k, as: UTF8.self), Array(v)) }
        }
        let beh = try #require(packed)
        #expect(beh.bytes.first == PackedRecord.marker)
        var flipped = beh.bytes
        let leaf = try #require(held.first { $0.key == beh.key }.flatMap { r in try? JSONParser.parse(r.value)["leaf"]?.stringValue })
        let at32 = try #require(flipped.indices.first { i in i + 32 <= flipped.count && Digest(bytes: flipped[i..<(i + 32)])?.hex == leaf })
        flipped[at32] ^= 1
        for (change, named) in [((key, Array(#"{"seq":1}"#.utf8)), "where a replay of the log has"), (("src/forged/1", value), "which a replay of the log does not produce"),
                                ((key, nil as [UInt8]?), "lacks \(key)"), ((beh.key, flipped), "holds \(beh.key)"),
                                ((beh.key, Array(beh.bytes.dropLast())), "holds \(beh.key)")] {
            let original = held.first { $0.key == change.0 }?.value
            try checkpoints.advance(from: at, to: at) { write in try write(change.0, change.1.map { .canonical($0) } ?? .absent) }
            #expect { try Verifier(store: ledger.store).verify() } throws: { e in
                "\(e)".contains("rules checkpoint") && "\(e)".contains(named) && "\(e)".contains("remove the ledger directory's rules/")
                    && inSmallSteps().failureText == "\(e)"
            }
            // Put back as it was (as canonical JSON: a checkpoint may hold either form).
            try checkpoints.advance(from: at, to: at) { write in try write(change.0, original.map { .canonical($0) } ?? .absent) }
        }
        #expect(try Verifier(store: ledger.store).verify().rulesCheckpointCompared?.records == compared.records)

        // A checkpoint file that is not one: named, with the remedy.
        try FileManager.default.copyItem(atPath: ledger.directory, toPath: dir.sub("damaged"))
        #expect(FileManager.default.createFile(atPath: dir.sub("damaged") + "/" + RuleCheckpoints.directory + "/data.mdb", contents: Data(repeating: 0x5A, count: 65_536)))
        #expect { try Verifier(store: readOnlyStore(dir.sub("damaged"))).verify() } throws: { e in
            "\(e)".contains("the rules checkpoint (rules/) cannot be read") && "\(e)".contains("remove the ledger directory's rules/")
        }

        try checkpoints.advance(from: at, to: RuleCheckpoints.Position(size: at.size, head: .zero)) { _ in }
        let other = try Verifier(store: ledger.store).verify()
        #expect(other.rulesCheckpointCompared == nil && other.rulesCheckpointNote?.contains("not this log's") == true)
    }

    /// A writer cannot go on without its checkpoint (its directory's name taken by a file): the
    /// append is an error naming the directory, and the log is as it was.
    @Test func aCheckpointThatCannotBeMadeIsAnError() throws {
        let dir = TempDir()
        let (path, city): (String, DemoCity) = try {
            let (ledger, city, _) = try newDemoCity(dir, origin: "carbonledger.example/nocheckpoint", residents: 20, days: 1)
            return (ledger.directory, city)
        }()
        try FileManager.default.removeItem(atPath: path + "/" + RuleCheckpoints.directory)
        #expect(FileManager.default.createFile(atPath: path + "/" + RuleCheckpoints.directory, contents: Data("not a directory".utf8)))
        let ledger = try Ledger(directory: path)
        let size = try ledger.info().size
        let writer = try ledger.sequencer()
        do {
            _ = try writer.append(try city.setup(), now: .now())
            Issue.record("appended without a rules checkpoint")
        } catch {
            #expect("\(error)".contains(path + "/" + RuleCheckpoints.directory), "\(error)")
        }
        #expect(try ledger.info().size == size)
    }

    /// The checkpoint keeps the hashes of its duplicate- and act-index keys (`FilterHashes`): a
    /// writer started from it builds its key filter from them, without reading a key, and still
    /// finds a report the checkpoint holds sent again (changed, so a new submission) a duplicate.
    /// With every hash record damaged (LMDB keeps no checksums) it reads the keys instead, and
    /// finds it too: never a filter without a key.
    @Test func aWriterStartedFromTheCheckpointFindsItsDuplicates() throws {
        for damaged in [false, true] {
            let dir = TempDir()
            let origin = "carbonledger.example/filter"
            let (ledger, city, _) = try Self.checkpointedDay(dir, origin: origin)
            let checkpoints = try ledger.store.ruleCheckpoints()
            // Opened outside any transaction: opening one takes LMDB's writer lock.
            let db = try checkpoints.env.openDatabase(FilterHashes.database)
            let stored = try checkpoints.env.read { txn in try txn.count(db) }
            #expect(stored > 0, "a step wrote filtered keys")
            if damaged {
                try checkpoints.env.write { txn in
                    var records: [([UInt8], [UInt8])] = []
                    try txn.scan(db, from: nil) { k, v in records.append((Array(k), Array(v))); return true }
                    for (k, var v) in records {
                        for i in 32..<v.count { v[i] ^= 0x5A }
                        try k.withUnsafeBytes { k in try v.withUnsafeBytes { try txn.put(db, key: k, value: $0) } }
                    }
                }
            }
            let resent = try city.regularBatches(0)[0]
            let changed = resent.events.map { e -> JSONValue in
                var o = e.objectValue ?? [:]
                o["amount"] = .int((o["amount"]?.intValue ?? 0) + 1)
                return .object(o)
            }
            let again = try Submission.Unsigned(events: changed).signed(by: city.platforms["szmetro"]!, origin: origin)
            #expect(again.root != resent.root)

            let second = try ledger.sequencer()
            let loaded = try second.loadRulesState()
            #expect(loaded.source == .checkpoint(size: loaded.size, replayed: 0), "\(loaded.source)")
            var keys = 0
            try checkpoints.forEachRecord(stored: true) { k, _ in
                if ResidentState.filteredNamespaces.contains(where: { k.starts(with: Array($0.utf8)) }) { keys += 1 }
            }
            #expect(keys >= changed.count)
            #expect(loaded.filter == (damaged ? .storedKeys(keys) : .storedHashes(keys)), "\(String(describing: loaded.filter))")
            func duplicates() throws -> Int64 { try ledger.store.read { try StoreStateReader($0).get("totals") }?["duplicates"]?.intValue ?? 0 }
            let before = try duplicates()
            _ = try second.append([again], now: .now())[0].get()
            #expect(try duplicates() == before + Int64(changed.count), "every event of the batch sent again is a duplicate (damaged: \(damaged))")
        }
    }

    /// `verify` checks the key filter's hashes the checkpoint keeps: each record whole, and the
    /// hash of every duplicate- and act-index key among them (a writer that loaded a filter
    /// without one would take a report sent again for a new one).
    @Test func verifyChecksTheKeyFilterHashes() throws {
        let dir = TempDir()
        let (ledger, _, _) = try Self.checkpointedDay(dir, origin: "carbonledger.example/filter-verified")
        #expect(try Verifier(store: ledger.store).verify().rulesCheckpointCompared != nil)
        let checkpoints = try ledger.store.ruleCheckpoints()
        let db = try checkpoints.env.openDatabase(FilterHashes.database)
        var records: [([UInt8], [UInt8])] = []
        try checkpoints.env.read { txn in try txn.scan(db, from: nil) { k, v in records.append((Array(k), Array(v))); return true } }
        let (key, value) = try #require(records.last)
        var flipped = value
        flipped[flipped.count - 1] ^= 1
        for (changed, named) in [(nil, "lacks the hash of "), (flipped, "has a damaged record of its key filter's hashes")] as [([UInt8]?, String)] {
            try checkpoints.env.write { txn in
                try key.withUnsafeBytes { k in
                    if let changed { try changed.withUnsafeBytes { try txn.put(db, key: k, value: $0) } } else { try txn.delete(db, key: k) }
                }
            }
            #expect { try Verifier(store: ledger.store).verify() } throws: { e in
                "\(e)".contains("the rules checkpoint (rules/") && "\(e)".contains(named) && "\(e)".contains("remove the ledger directory's rules/")
            }
            try checkpoints.env.write { txn in try key.withUnsafeBytes { k in try value.withUnsafeBytes { try txn.put(db, key: k, value: $0) } } }
        }
        #expect(try Verifier(store: ledger.store).verify().rulesCheckpointCompared != nil)
    }

    /// A checkpoint of the layout before (`carbonledger-rules/6`: the behaviours' records among
    /// the others, and here without the key filter's hashes either) is not compared by a
    /// read-only `verify`, which says why, and a writer replays the log to make it again in this
    /// layout.
    @Test func aCheckpointOfTheLayoutBeforeIsRebuilt() throws {
        let dir = TempDir()
        let (ledger, _, _) = try Self.checkpointedDay(dir, origin: "carbonledger.example/layout")
        let held = try Self.checkpoint(ledger).records
        #expect(held.keys.contains { $0.hasPrefix("beh/") }, "the old layout's records hold behaviours'")
        let path = ledger.directory + "/" + RuleCheckpoints.directory
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try {
            let env = try LMDBEnvironment(path: path)
            let records = try env.openDatabase("records"), meta = try env.openDatabase("meta")
            try env.write { txn in
                for (k, v) in held { try Array(k.utf8).withUnsafeBytes { k in try v.withUnsafeBytes { try txn.put(records, key: k, value: $0) } } }
                let size = try ledger.info().size
                for (name, value) in [("format", Array("carbonledger-rules/6 \(LogStore.format)".utf8)), ("size", withUnsafeBytes(of: size.bigEndian) { Array($0) }),
                                      ("head", try ledger.store.read { try $0.leafHash(ofEntryBefore: size) }.bytes)] {
                    try Array(name.utf8).withUnsafeBytes { k in try value.withUnsafeBytes { try txn.put(meta, key: k, value: $0) } }
                }
            }
        }()
        let report = try Verifier(store: readOnlyStore(ledger.directory)).verify()
        #expect(report.rulesCheckpointCompared == nil && report.rulesCheckpointNote?.contains("no state in this format") == true, "\(String(describing: report.rulesCheckpointNote))")
        let reopened = try Ledger(directory: ledger.directory)
        let writer = try reopened.sequencer()
        let loaded = try writer.loadRulesState()
        guard case .replay(let why) = loaded.source else { Issue.record("loaded \(loaded.source)"); return }
        #expect(why.contains("no state in this format"), "\(why)")
        writer.writeRulesCheckpoint()
        #expect(try Verifier(store: reopened.store).verify().rulesCheckpointCompared?.records == held.count)
    }
}

/// The steps a test's hook saw, and whether it fails them.
private final class StepsTried: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    private var failing = false
    var on: Bool {
        get { lock.withLock { failing } }
        set { lock.withLock { failing = newValue } }
    }
    /// Counts a step; whether it is to fail.
    func tried() -> Bool { lock.withLock { n += 1; return failing } }
    var count: Int { lock.withLock { n } }
}
