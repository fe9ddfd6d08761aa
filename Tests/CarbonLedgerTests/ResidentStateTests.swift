import Foundation
import Testing
import LedgerCore
import LedgerDemo
import LedgerStore
@testable import CarbonLedger
import TestSupport

/// The sequencer's rules read the rule state from memory (`ResidentState`), changed in place by
/// each batch and caught up from the log when another writer appended. Whatever happened, once
/// checkpointed it must hold exactly the rules checkpoint's records, record for record and byte
/// for byte, but the cold ones (`beh/`, `elig/`, `src/`, `act/`, and the intervals and daily caps
/// of days aged out), which it leaves to the checkpoint; the checkpoint must hold exactly what an
/// independent replay of the log (the verifier's, into an audit state) builds, and the state
/// environment the same records of the namespaces it keeps.
@Suite struct ResidentStateTests {
    /// The records of a store's `records` scan whose keys the rules keep and `keeping` accepts.
    static func rules(_ txn: LMDBTransaction, _ db: LMDBDatabase, keeping: (String) -> Bool) throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        try txn.scan(db, from: nil) { k, v in
            let key = String(decoding: k, as: UTF8.self)
            if ResidentState.holds(key) && keeping(key) { out[key] = Array(v) }
            return true
        }
        return out
    }

    /// The rules checkpoint's records whose keys `keeping` accepts, by key, and its size.
    static func checkpointRules(_ ledger: Ledger, keeping: (String) -> Bool = { _ in true }) throws -> (size: UInt64?, records: [String: [UInt8]]) {
        var out: [String: [UInt8]] = [:]
        let position = try ledger.store.ruleCheckpoints().forEachRecord { k, v in
            let key = String(decoding: k, as: UTF8.self)
            if keeping(key) { out[key] = Array(v) }
        }
        return (position?.size, out)
    }

    /// The rules' records of the state environment, by key, and its size.
    static func environmentRules(_ ledger: Ledger) throws -> (size: UInt64, records: [String: [UInt8]]) {
        try ledger.store.read { r in (try r.stateSize(), try rules(r.stateTxn, r.store.state) { _ in true }) }
    }

    /// The rules' records an independent replay of the whole log builds: the verifier's, kept in
    /// an audit state.
    static func replayedRules(_ ledger: Ledger) throws -> [String: [UInt8]] {
        let dir = TempDir()
        var v = Verifier(store: ledger.store)
        v.auditStateDirectory = dir.sub("audit")
        _ = try v.verify()
        return try readOnlyStore(dir.sub("audit")).read { r in try rules(r.stateTxn, r.store.state) { _ in true } }
    }

    /// The keys on which two sets of records differ.
    static func differing(_ a: [String: [UInt8]], _ b: [String: [UInt8]]) -> [String] {
        Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }.sorted()
    }

    /// The checkpoint is at the log's end and holds exactly an independent replay's rule
    /// records, cold ones included; the state environment, those of them it keeps.
    static func expectCheckpointIsTheState(_ ledger: Ledger, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let held = try checkpointRules(ledger)
        let logSize = try ledger.info().size
        #expect(held.size == logSize, "checkpoint at \(String(describing: held.size)), log at \(logSize)", sourceLocation: sourceLocation)
        let replayed = differing(held.records, try replayedRules(ledger))
        #expect(replayed.isEmpty, "checkpoint and replay differ, first \(replayed.prefix(5))", sourceLocation: sourceLocation)
        #expect(held.records.keys.contains(where: ResidentState.isCold) && held.records.keys.contains(where: ResidentState.isRulesOnly),
                "the cold records are the checkpoint's too", sourceLocation: sourceLocation)
        let environment = try environmentRules(ledger)
        #expect(environment.size == logSize, sourceLocation: sourceLocation)
        let kept = differing(environment.records, held.records.filter { !ResidentState.isRulesOnly($0.key) })
        #expect(kept.isEmpty, "environment and checkpoint differ, first \(kept.prefix(5))", sourceLocation: sourceLocation)
        #expect(!environment.records.keys.contains(where: ResidentState.isRulesOnly), "the rules-only records are not the environment's",
                sourceLocation: sourceLocation)
    }

    /// The writer's rule state in memory, checkpointed, equals the checkpoint's records it
    /// keeps, and the checkpoint is the state (`expectCheckpointIsTheState`).
    @discardableResult
    static func expectInStep(_ sequencer: Sequencer, _ ledger: Ledger, sourceLocation: SourceLocation = #_sourceLocation) throws -> (records: [String: [UInt8]], index: BehaviourIndex.Contents) {
        let memory = try sequencer.rulesStateRecords()
        let logSize = try ledger.info().size
        let held = try checkpointRules(ledger) { !ResidentState.isCold($0) }
        #expect(memory.size == logSize && held.size == logSize, "sizes: memory \(memory.size), checkpoint \(String(describing: held.size)), log \(logSize)",
                sourceLocation: sourceLocation)
        // Once the checkpoint has caught up, the cold records are its alone.
        #expect(memory.coldLayers == 0 && !memory.records.keys.contains(where: ResidentState.isCold), "\(memory.coldLayers) cold layers, \(sequencer.rulesCheckpoint)",
                sourceLocation: sourceLocation)
        let differing = differing(memory.records, held.records)
        #expect(differing.isEmpty, "records differ, first \(differing.prefix(5))", sourceLocation: sourceLocation)
        #expect(held.records.count > 100, sourceLocation: sourceLocation)
        try expectCheckpointIsTheState(ledger, sourceLocation: sourceLocation)
        // The index of behaviours is what the checkpoint's behaviours' records make of it.
        let made = try indexOfCheckpoint(ledger, firstDay: memory.index.firstDay)
        let same = made == memory.index
        #expect(same, "the index in memory (\(memory.index.intervals.count) owners' intervals, \(memory.index.caps.count) caps) is not the one the behaviours' records make (\(made.intervals.count), \(made.caps.count))",
                sourceLocation: sourceLocation)
        return (memory.records, memory.index)
    }

    /// The index of behaviours made from every behaviour's record of the rules checkpoint,
    /// aged to `firstDay`: what a writer's index must be (SPEC.md section 10).
    static func indexOfCheckpoint(_ ledger: Ledger, firstDay: Int64?) throws -> BehaviourIndex.Contents {
        let index = BehaviourIndex(ages: firstDay != nil)
        if let firstDay { index.age(firstDay: firstDay) }
        try ledger.store.ruleCheckpoints().forEachRecord { k, v in
            let key = String(decoding: k, as: UTF8.self)
            guard key.hasPrefix("beh/"), let seq = Int64(key.dropFirst(4)) else { return }
            index.add(try #require(BehaviourRecord(canonical: v)), seq: seq)
        }
        return index.contents
    }

    /// Every kind of event the demo runs (issuance, transfers, retirements, reversals,
    /// redemptions, donations): deletions of eligible behaviours and serial ranges included.
    @Test func aDemoRunLeavesTheRulesStateInMemoryEqualToTheStoredOne() throws {
        let dir = TempDir()
        let (ledger, city, _) = try newDemoCity(dir, origin: "carbonledger.example/resident", residents: 60, days: 2)
        let sequencer = try ledger.sequencer()
        _ = try DemoRunner(ledger: ledger, sequencer: sequencer, city: city).run()
        try Self.expectInStep(sequencer, ledger)
    }

    /// Two writers on one store, one of them pipelined: each one's state in memory misses the
    /// other's commits until it replays them from the log, and the pipelined one's stale and
    /// refused batches must leave no trace in it.
    @Test func twoWritersInterleavedEachKeepTheStoredRulesState() async throws {
        let dir = TempDir()
        let (ledger, city, _) = try newDemoCity(dir, origin: ConcurrencyTests.origin, residents: 200, days: 2)
        let sequencer = try ledger.sequencer()
        for r in try sequencer.append(try city.setup(), now: .now()) { _ = try r.get() }
        let traffic = try city.regularBatches(0) + city.regularBatches(1)
        let mine = traffic.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        let theirs = traffic.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        let other = try ledger.sequencer()
        let committer = GroupCommitter(sequencer: sequencer)
        let interleaved = Task.detached { () throws -> Int in
            try theirs.reduce(0) { n, s in n + (try other.append([s], now: .now())[0].get()).count }
        }
        // Sent twice: the second copies are refused (replays), inside batches that go through.
        let results = await committer.race(mine + mine.prefix(5))
        committer.shutdown()
        _ = try await interleaved.value
        let accepted = results.filter { if case .success = $0 { return true }; return false }.count
        #expect(accepted == mine.count, "\(results.filter { if case .failure = $0 { return true }; return false }.prefix(3))")
        #expect(try ledger.info().size > UInt64(traffic.count))

        try Self.expectInStep(sequencer, ledger)
        try Self.expectInStep(other, ledger)
        // And each goes on from there: an append by one, seen by the other.
        let last = try city.sign([["type": "note", "text": "after the race"]], by: city.admin)
        _ = try other.append([last], now: .now())[0].get()
        try Self.expectInStep(sequencer, ledger)
        _ = try Verifier(store: ledger.store).verify()
    }

    /// Another writer reverses a report this writer made: the state environment then holds the
    /// report reversed, so this writer, replaying the reversal with the environment as its cold
    /// store, would find the report reversed already. Its cold store is the rules checkpoint,
    /// which is not past the entries it replays.
    @Test func anotherWritersReversalIsLoadedNotReplayedOverTheEnvironment() throws {
        let dir = TempDir()
        let (ledger, city, _) = try newDemoCity(dir, origin: "carbonledger.example/reversed-by-another", residents: 30, days: 1)
        let mine = try ledger.sequencer()
        try mine.appendAccepted(try city.setup())
        let reported = try mine.appendAccepted(try city.regularBatches(0))[0].firstSeq
        // Settles the reports' batch: its behaviours are read from the stores from here on.
        try mine.appendAccepted([try city.sign([["type": "note", "text": "before the other's reversal"]], by: city.admin)])
        try ledger.sequencer().appendAccepted(try city.reversals(of: [reported]))
        try mine.appendAccepted([try city.sign([["type": "note", "text": "after the other's reversal"]], by: city.admin)])
        try Self.expectInStep(mine, ledger)
        #expect(try Self.behaviour(reported, of: mine, ledger)?["reversed_seq"] != nil)
    }

    /// A behaviour's record as the rules keep it: in the rules checkpoint once `writer` stepped
    /// it (the state environment does not keep it).
    static func behaviour(_ seq: UInt64, of writer: Sequencer, _ ledger: Ledger) throws -> JSONValue? {
        writer.writeRulesCheckpoint()
        return try ledger.store.ruleCheckpoints().read { _, records in try records.get("beh/\(pad16(Int64(seq)))") }
    }

    /// A small city with two platforms, and a metro ride of one of its residents.
    static func cityWithARide(_ dir: TempDir, ref: String) throws -> (Ledger, Sequencer, DemoCity, Submission) {
        let race = ConcurrencyTests()
        let (ledger, sequencer, city, resident) = try race.city(dir, platforms: "szmetro", "greenlife")
        let start = Timestamp(millisecondsSinceEpoch: Timestamp.now().millisecondsSinceEpoch - 2 * 3_600_000)
        let ride = try city.sign(race.trip(resident, "metro", amount: 9_000, start: start, minutes: 20, ref: ref), by: "szmetro")
        return (ledger, sequencer, city, ride)
    }

    /// The rules change the state in memory as they run; a batch whose commit failed, or that
    /// was prepared and dropped, is undone before the next batch from the store.
    @Test func batchesThatDidNotCommitLeaveNoTraceInMemory() throws {
        let dir = TempDir()
        let (ledger, sequencer, city, ride) = try Self.cityWithARide(dir, ref: "undone-1")
        let before = try sequencer.rulesStateRecords()
        // Prepared and dropped: the same ride is new to the next batch.
        _ = try sequencer.prepare([ride], now: .now(), after: nil)
        // Prepared, then overtaken by another writer: its commit fails.
        let k = try sequencer.prepare([ride], now: .now(), after: nil)
        _ = try ledger.sequencer().append([try city.sign([["type": "note", "text": "overtakes"]], by: city.admin)], now: .now())[0].get()
        #expect(throws: SequencerError.self) { try sequencer.commit(k) }
        let after = try sequencer.rulesStateRecords()
        #expect(after.records == before.records && after.size == before.size + 1)
        _ = try sequencer.append([ride], now: .now())[0].get()
        try Self.expectInStep(sequencer, ledger)
    }

    /// A batch prepared after one whose commit has already ended builds on it (the pipeline
    /// does not fall back to the store because the commit was quick).
    @Test func aBatchPreparedAfterACommittedOneBuildsOnIt() throws {
        let dir = TempDir()
        let (ledger, sequencer, city, ride) = try Self.cityWithARide(dir, ref: "quick-1")
        let k = try sequencer.prepare([ride], now: .now(), after: nil)
        _ = try sequencer.commit(k)
        let note = try city.sign([["type": "note", "text": "after a quick commit"]], by: city.admin)
        let k1 = try sequencer.prepare([note, ride], now: .now(), after: k)
        let results = try sequencer.commit(k1)
        #expect(try results[0].get().firstSeq == k.end.frontier.size)
        guard case .failure(let replay) = results[1] else { Issue.record("a resend was appended"); return }
        #expect(replay.id == "submission.replay")
        try Self.expectInStep(sequencer, ledger)
    }

    /// A behaviour's record is cold: the batch after its report reads it from the report's
    /// batch (not committed yet, so not in the environment), and once both commit the state in
    /// memory lets go of it.
    @Test func aReversalInTheNextBatchReadsTheReportFromMemory() throws {
        let dir = TempDir()
        let (ledger, sequencer, city, ride) = try Self.cityWithARide(dir, ref: "cold-1")
        let k = try sequencer.prepare([ride], now: .now(), after: nil)
        let seq = try k.contents.outcomes[0].get().firstSeq
        let reverse = try city.sign(["type": "behaviour.reverse", "seq": .int(Int64(seq)), "reason": "refunded"], by: "szmetro")
        let k1 = try sequencer.prepare([reverse], now: .now(), after: k)
        #expect(try ledger.store.read { try $0.stateSize() } <= seq, "the environment has not got the report yet")
        _ = try sequencer.commit(k)
        let results = try sequencer.commit(k1)
        #expect(try results[0].get().firstSeq == seq + 1)
        #expect(try Self.behaviour(seq, of: sequencer, ledger)?["reversed_seq"]?.intValue == Int64(seq + 1))
        try Self.expectInStep(sequencer, ledger)
        _ = try Verifier(store: ledger.store).verify()
    }

    /// A writer opened on an existing ledger loads the rule state from the rules checkpoint,
    /// without the cold records (a server does so before it serves).
    @Test func aNewWriterLoadsTheStoredRulesState() throws {
        let dir = TempDir()
        let (ledger, city, _) = try newDemoCity(dir, origin: "carbonledger.example/reload", residents: 40, days: 1)
        let first = try ledger.sequencer()
        _ = try DemoRunner(ledger: ledger, sequencer: first, city: city).run()
        first.writeRulesCheckpoint()
        let loaded = try ledger.store.ruleCheckpoints().read { _, records in try ResidentState.load(records, index: .allRecords) }
        var keys: [String] = []
        loaded.forEachRecord { k, _ in keys.append(k) }
        let stored = try Self.checkpointRules(ledger) { !ResidentState.isCold($0) }.records.count
        #expect(!keys.contains { Projection.owns($0) } && keys.count == stored)
        let writer = try ledger.sequencer()
        let beforeServing = try writer.loadRulesState()
        let logSize = try ledger.info().size
        #expect(beforeServing.records == stored && beforeServing.size == logSize)
        try Self.expectInStep(writer, ledger)
    }

    /// Under the programme's windows the writer's memory holds the intervals and daily caps of
    /// the days a report can still reach, not of every day: a city reporting each evening (report
    /// window 1 day, reversal 3) ages the older days out, keeps the rest equal to the
    /// checkpoint, reverses what the window allows (a behaviour of a day let go of, whose
    /// interval and cap are read and written in the cold store), and a writer opened later
    /// loads no more.
    @Test func theWindowsBoundTheDaysHeldInMemory() throws {
        let dir = TempDir()
        let registry = try NoteSigningKey.generate(name: "registry")
        var o = DemoCity.Options()
        o.residents = 80
        o.days = 8
        let origin = "carbonledger.example/windows"
        let city = try DemoCity(origin: origin, admin: registry, options: o, endingBefore: .now())
        func dayNumber(_ d: Int) -> Int64 { Timestamp(millisecondsSinceEpoch: city.firstDay + Int64(d) * 86_400_000).cstDayNumber }
        func evening(_ d: Int) -> Timestamp { Timestamp(millisecondsSinceEpoch: city.firstDay + Int64(d) * 86_400_000 + 23 * 3_600_000 + 1_800_000) }
        let ledger = try Ledger.create(directory: dir.sub("ledger"), origin: origin, key: registry, windows: Windows(reportDays: 1, reversalDays: 3),
                                       now: Timestamp(millisecondsSinceEpoch: city.firstDay))
        let sequencer = try ledger.sequencer()
        for r in try sequencer.append(try city.setup(), now: Timestamp(millisecondsSinceEpoch: city.firstDay)) { _ = try r.get() }
        var firstReport: [Int: UInt64] = [:]
        for d in 0..<o.days {
            let results = try sequencer.append(try city.regularBatches(d), now: evening(d))
            firstReport[d] = try results[0].get().firstSeq
            #expect(results.allSatisfy { if case .success = $0 { return true }; return false })
        }
        // At the last evening reports can reach day 5 on, reversals day 4 on.
        let last = o.days - 1
        let reversed = try sequencer.append(try city.reversals(of: [firstReport[last - 3]!, firstReport[last - 2]!]), now: evening(last))
        #expect(reversed.count == 1 && reversed.allSatisfy { if case .success = $0 { return true }; return false }, "\(reversed)")
        let late = try sequencer.append(try city.reversals(of: [firstReport[last - 4]!]), now: evening(last))
        guard case .failure(let refused) = late[0] else { Issue.record("a reversal past the window was appended"); return }
        #expect(refused.id == "reverse.late")

        // The index lets go of what no report can reach any more: at the last evening reports
        // may start on day `last - 1` on, so the intervals that ended before it began and the
        // caps of the days before it.
        let held = try Self.expectInStep(sequencer, ledger)
        #expect(held.index.firstDay == dayNumber(last - 1))
        let capDays = Set(held.index.caps.keys.map(\.day))
        #expect(!capDays.isEmpty && capDays.isSubset(of: [dayNumber(last - 1), dayNumber(last)]), "\(capDays)")
        let ends = held.index.intervals.values.flatMap { $0.map(\.end) }
        #expect(!ends.isEmpty && ends.allSatisfy { $0 > BehaviourIndex.dayStart(dayNumber(last - 1)) })
        let everything = try Self.indexOfCheckpoint(ledger, firstDay: nil)
        #expect(Set(everything.caps.keys.map(\.day)).count == o.days, "the records keep every day")
        // A writer opened now makes the same index from the records.
        let reopened = try ledger.sequencer()
        let again = try Self.expectInStep(reopened, ledger)
        let sameIndex = again.index == held.index, sameRecords = again.records == held.records
        #expect(sameIndex && sameRecords)
        _ = try Verifier(store: ledger.store).verify()
    }
}
