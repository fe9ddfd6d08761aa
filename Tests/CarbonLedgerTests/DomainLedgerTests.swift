import Foundation
import Testing
import LedgerCore
import LedgerDemo
import LedgerStore
@testable import CarbonLedger
import TestSupport

/// The domain on a real ledger: invariants under random valid and invalid traffic, replay equal
/// to the live state at every cut, and tampering with projections or rules found by `verify`.
@Suite struct DomainLedgerTests {
    static let origin = "carbonledger.example/shenzhen"

    func makeCity(_ dir: TempDir, residents: Int = 30, days: Int = 3) throws -> (Ledger, Sequencer, DemoCity) {
        let (ledger, city, _) = try newDemoCity(dir, origin: Self.origin, residents: residents, days: days)
        let seq = try ledger.sequencer()
        for r in try seq.append(try city.setup(), now: .now()) { _ = try r.get() }
        return (ledger, seq, city)
    }

    @Test func randomTrafficKeepsInvariantsAndReplaysExactly() throws {
        let dir = TempDir()
        let (ledger, seq, city) = try makeCity(dir, residents: 30, days: 2)
        var rng = SplitMix64(seed: 424242)
        let metro = city.platforms["szmetro"]!, bike = city.platforms["bikeshare"]!, gl = city.platforms["greenlife"]!
        let base = city.firstDay
        var snapshots: [(size: UInt64, state: [[UInt8]])] = []
        var accepted = 0, refused: [String: Int] = [:]
        var reports: [UInt64] = []
        for round in 0..<60 {
            var subs: [Submission] = []
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let r = Int.random(in: 0..<32, using: &rng)  // 30 and 31 do not exist
                let account = DemoCity.resident(r)
                let start = base + Int64.random(in: 0..<(2 * 1440), using: &rng) * 60_000
                let minutes = Int64.random(in: 1...90, using: &rng)
                func report(_ scenario: String, _ amount: Int64) -> JSONValue {
                    ["type": "behaviour.report", "account": .string(account), "scenario": .string(scenario), "region": .string(DemoCity.district(r)),
                     "amount": .int(amount), "start": .string(Timestamp(millisecondsSinceEpoch: start).rfc3339),
                     "end": .string(Timestamp(millisecondsSinceEpoch: start + minutes * 60_000).rfc3339),
                     "source_ref": .string("ref-\(Int.random(in: 0..<400, using: &rng))")]
                }
                let events: [JSONValue]
                let key: NoteSigningKey
                switch Int.random(in: 0..<10, using: &rng) {
                case 0...3: (events, key) = ([report("metro", Int64.random(in: 0...150_000, using: &rng))], metro)
                case 4...5: (events, key) = ([report("bike", Int64.random(in: 0...9_000, using: &rng))], [bike, gl][Int.random(in: 0...1, using: &rng)])
                case 6: (events, key) = ([report("clean_plate", 1)], gl)
                case 7:
                    let target = reports.isEmpty ? UInt64(Int.random(in: 0...500, using: &rng)) : reports.randomElement(using: &rng)!
                    (events, key) = ([["type": "behaviour.reverse", "seq": .int(Int64(target)), "reason": "audit"]], metro)
                case 8: (events, key) = ([["type": "points.redeem", "account": .string(account), "points": .int(Int64.random(in: 1...60, using: &rng)), "reward": "ticket", "ref": "x"]], metro)
                default:
                    (events, key) = ([["type": "donation", "account": .string(account), "to": .string(DemoCity.welfare),
                                       "amount_mg": .int(Int64.random(in: 1...3_000_000, using: &rng))]], gl)
                }
                subs.append(try Submission.Unsigned(events: events).signed(by: key, origin: Self.origin))
            }
            let results = try seq.append(subs, now: .now())
            for (s, r) in zip(subs, results) {
                switch r {
                case .success(let rec):
                    accepted += 1
                    if s.events[0]["type"] == "behaviour.report" { reports.append(rec.firstSeq) }
                case .failure(let v): refused[v.id, default: 0] += 1
                }
            }
            try Invariants.accounts(ledger)
            if round % 15 == 7 { snapshots.append((try ledger.info().size, try stateBytes(ledger.store))) }
        }
        #expect(accepted > 50 && refused.count >= 4, "traffic too one-sided: \(accepted) accepted, refused \(refused)")
        // Replay as of each snapshot equals the live state captured then, byte for byte.
        for snap in snapshots {
            let scratch = TempDir()
            var v = Verifier(store: ledger.store)
            v.upTo = snap.size
            v.scratchDirectory = scratch.sub("replay")
            let report = try v.verify()
            #expect(report.entries == snap.size)
            var ro = LMDBOptions(); ro.readOnly = true
            // The replay's records but those only the rules read, which the live state does not keep.
            let replayed = try stateBytes(LogStore(path: scratch.sub("replay"), options: ro)).filter { record in
                !ResidentState.isRulesOnly(String(decoding: record.prefix { $0 != 0 }, as: UTF8.self))
            }
            #expect(replayed == snap.state, "replay as of \(snap.size) differs from the live state then")
        }
        let full = try Verifier(store: ledger.store).verify()
        #expect(full.stateKeysCompared > 100)
    }

    /// History lines are kept under the million of their seq, then the account (SPEC.md section
    /// 10). The account view still lists an account's lines oldest first over every million,
    /// skips millions where it has none, and stops at the limit. Lines of later millions are
    /// written into the store directly (a test cannot append millions of entries quickly).
    @Test func accountHistorySpansMillionsInSeqOrder() throws {
        let dir = TempDir()
        let (ledger, seq, city) = try makeCity(dir, residents: 3, days: 1)
        let metro = city.platforms["szmetro"]!
        let events: [JSONValue] = [1, 2, 1].enumerated().map { i, r in
            // Within the city's one day (which ended at the last CST midnight): a later start
            // would lie in the future when the test runs in the first hours of a CST day.
            let start = city.firstDay + Int64(420 + i * 300) * 60_000
            return ["type": "behaviour.report", "account": .string(DemoCity.resident(r)), "scenario": "metro", "region": .string(DemoCity.district(r)),
                    "amount": 4_000, "source_ref": .string("h-\(i)"), "start": .string(Timestamp(millisecondsSinceEpoch: start).rfc3339),
                    "end": .string(Timestamp(millisecondsSinceEpoch: start + 30 * 60_000).rfc3339)]
        }
        _ = try seq.append([try Submission.Unsigned(events: events).signed(by: metro, origin: Self.origin)], now: .now())[0].get()
        let account = DemoCity.resident(1)
        let line: JSONValue = ["credited_mg": 1, "event": "behaviour.report", "points": 0, "qualitative_mg": 0, "scenario": "metro"]
        try ledger.store.writeState { sw in
            // Resident 1 in millions 1, 3 and 4; only others in million 2.
            for (r, s) in [(1, 1_000_007), (1, 1_999_999), (0, 2_000_000), (2, 2_500_000), (1, 3_000_001), (1, 4_400_000), (1, 4_400_001)] {
                let seq16 = String(repeating: "0", count: 16 - String(s).count) + String(s)
                let key = Array("hist/\(seq16.prefix(10))/\(DemoCity.resident(r))/\(seq16)".utf8)
                try key.withUnsafeBytes { k in try Array(CanonicalJSON.string(line).utf8).withUnsafeBytes { try sw.txn.put(ledger.store.state, key: k, value: $0) } }
            }
        }
        // The oracle: every history key, filtered by its account segment and sorted by seq.
        let keys = try ledger.store.read { r in try r.stateRecords(prefix: "hist/").map(\.key) }
        let mine = keys.map { $0.split(separator: "/") }.filter { $0[2] == account }
        let expected = mine.map { Int64($0[3])! }.sorted()
        #expect(Set(mine.map { $0[1] }) == ["0000000000", "0000000001", "0000000003", "0000000004"], "\(mine)")
        #expect(expected.count >= 5 + 3)  // 5 written above; its opening, consents and 2 rides
        func shown(_ limit: Int) throws -> [Int64] {
            try ledger.accountView(account, historyLimit: limit)["history"]!.arrayValue!.map { $0["seq"]!.intValue! }
        }
        #expect(try shown(1000) == expected)
        // The newest lines, oldest first; older ones are asked for before the oldest shown.
        #expect(try shown(expected.count - 2) == Array(expected.suffix(expected.count - 2)))
        #expect(try shown(0) == [])
        for limit in [1, 2, 3, expected.count] {
            var paged: [Int64] = [], before: UInt64? = nil, pages = 0
            while true {
                let view = try ledger.accountView(account, historyLimit: limit, historyBefore: before)
                paged.insert(contentsOf: view["history"]!.arrayValue!.map { $0["seq"]!.intValue! }, at: 0)
                pages += 1
                guard view["history_more"] == true else { #expect(view["history_before"] == nil); break }
                before = try #require(view["history_before"]?.intValue.map(UInt64.init))
                guard pages < 100 else { Issue.record("limit \(limit): paging does not end"); break }
            }
            #expect(paged == expected && pages == (expected.count + limit - 1) / limit, "limit \(limit): \(paged)")
        }
        // A bound beyond any seq is no bound (and no trap).
        #expect(try ledger.accountView(account, historyLimit: 1000, historyBefore: .max)["history"]!.arrayValue!.map { $0["seq"]!.intValue! } == expected)
        #expect(try ledger.accountView(account, historyLimit: 1000, historyBefore: 2_000_000)["history"]!.arrayValue!.map { $0["seq"]!.intValue! }
                == expected.filter { $0 < 2_000_000 })
        #expect(try ledger.accountView(DemoCity.resident(2), historyLimit: 1000)["history"]!.arrayValue!.last?["seq"] == 2_500_000)
    }

    /// The longest source reference (128 bytes, every one escaped in the duplicate index's key)
    /// fits LMDB's key limit; its duplicate is found in the store after the commit, and verify
    /// replays both.
    @Test func longestSourceReferenceIsStoredAndFoundAgain() throws {
        let dir = TempDir()
        let (ledger, seq, city) = try makeCity(dir, residents: 3, days: 1)
        let ref = String(repeating: "碳", count: 42) + "/%"
        #expect(ref.utf8.count == 128)
        let start = city.firstDay + 600 * 60_000
        func report(_ minutes: Int64) throws -> Submission {
            let e: JSONValue = ["type": "behaviour.report", "account": .string(DemoCity.resident(1)), "scenario": "metro",
                                "region": .string(DemoCity.district(1)), "amount": 5_000, "source_ref": .string(ref),
                                "start": .string(Timestamp(millisecondsSinceEpoch: start).rfc3339),
                                "end": .string(Timestamp(millisecondsSinceEpoch: start + minutes * 60_000).rfc3339)]
            return try Submission.Unsigned(events: [e]).signed(by: city.platforms["szmetro"]!, origin: Self.origin)
        }
        _ = try seq.append([try report(30)], now: .now())[0].get()
        let before = try ledger.store.read { try StoreStateReader($0).get("totals") }?["duplicates"]?.intValue ?? 0
        // A second commit, so the duplicate is found in LMDB, not in the batch's own writes.
        _ = try seq.append([try report(31)], now: .now())[0].get()
        let after = try ledger.store.read { try StoreStateReader($0).get("totals") }?["duplicates"]?.intValue ?? 0
        #expect(after == before + 1)
        #expect(try Verifier(store: ledger.store).verify().stateKeysCompared > 10)
    }

    /// A scratch map too small for the replayed state is grown mid-replay; the chunk being
    /// replayed when it filled is replayed again from where it started, not from where it stopped.
    @Test func replayGrowsAFullScratchMapWithoutLosingItsPlace() throws {
        let dir = TempDir()
        let (ledger, seq, city) = try makeCity(dir, residents: 40, days: 2)
        // A day includes double reports the ledger refuses by design; only the accepted ones matter.
        for d in 0..<2 { _ = try seq.append(try city.day(d), now: .now()) }
        let scratch = TempDir()
        var v = Verifier(store: ledger.store)
        v.scratchMapSize = 64 << 10
        v.chunkSize = 97
        v.scratchDirectory = scratch.sub("replay")
        let report = try v.verify()
        #expect(report.entries == (try ledger.info().size))
        #expect(report.stateKeysCompared > 100)
        let data = try FileManager.default.attributesOfItem(atPath: scratch.sub("replay") + "/" + LogStore.stateDirectory + "/data.mdb")[.size] as! Int
        #expect(data > v.scratchMapSize, "the scratch map never filled, so this test did not exercise growth")
    }

    @Test func tamperedProjectionsAreFound() throws {
        let dir = TempDir()
        let (ledger, _, _) = try makeCity(dir, residents: 10, days: 1)
        let s = ledger.store
        // Compared in one step, and in steps of 2 records (each step's read made while the one
        // before is compared): the same records, the same fault named.
        func failure() -> String? {
            let inSteps = Verifier(store: s).verifyInSteps(of: 2)
            do {
                let whole = try Verifier(store: s).verify()
                #expect(whole.stateKeysCompared > 20 && (try? inSteps.get().stateKeysCompared) == whole.stateKeysCompared)
                return nil
            } catch {
                #expect(inSteps.failureText == "\(error)")
                return "\(error)"
            }
        }
        #expect(failure() == nil)
        let key = Array("acct/r-00001".utf8)
        let original = try #require(try s.rawGet(s.state, key: key))
        var edited = try JSONParser.parseCanonical(original).objectValue!
        edited["credited_mg"] = 999_999_999
        try s.rawPut(s.state, key: key, value: CanonicalJSON.encode(.object(edited)))
        #expect(failure()?.contains("projection acct/r-00001 differs") == true)
        try s.rawDelete(s.state, key: key)
        #expect(failure()?.contains("projection acct/r-00001 is missing") == true)
        try s.rawPut(s.state, key: key, value: original)
        try s.rawPut(s.state, key: Array("acct/r-99999".utf8), value: original)
        #expect(failure()?.contains("projection acct/r-99999 is stored but a replay") == true)
        try s.rawDelete(s.state, key: Array("acct/r-99999".utf8))
        #expect(failure() == nil)
    }

    /// A systematic sweep over the projections: a byte flipped in the value of every kind of
    /// state record, and in some keys, is each reported by `verify` naming the record.
    @Test func everyFlippedProjectionIsNamed() throws {
        let dir = TempDir()
        // The whole demo (behaviour, points, donations, issuance, market): every namespace.
        let (ledger, city, _) = try newDemoCity(dir, origin: Self.origin, residents: 40, days: 1)
        _ = try DemoRunner(ledger: ledger, sequencer: try ledger.sequencer(), city: city).run()
        let s = ledger.store
        let records = try s.read { r -> [([UInt8], [UInt8])] in
            var out: [([UInt8], [UInt8])] = []
            try r.stateTxn.scan(s.state, from: nil) { k, v in out.append((Array(k), Array(v))); return true }
            return out
        }
        // Every namespace, and within each up to 6 records spread over it.
        var byNamespace: [String: [([UInt8], [UInt8])]] = [:]
        for rec in records { byNamespace[String(decoding: rec.0.prefix { $0 != UInt8(ascii: "/") }, as: UTF8.self), default: []].append(rec) }
        var rng = SplitMix64(seed: 99)
        var flipped = 0, namespaces = Set<String>()
        for (ns, recs) in byNamespace.sorted(by: { $0.key < $1.key }) {
            for rec in stride(from: 0, to: recs.count, by: max(1, recs.count / 6)).map({ recs[$0] }) {
                let name = String(decoding: rec.0, as: UTF8.self)
                var value = rec.1
                value[Int.random(in: 0..<value.count, using: &rng)] ^= UInt8(1) << UInt8.random(in: 0..<7, using: &rng)
                try s.rawPut(s.state, key: rec.0, value: value)
                let f: String
                do { _ = try Verifier(store: s).verify(); f = "" } catch { f = "\(error)" }
                #expect(f.contains("projection \(name) differs"), "value flip in \(name): \(f)")
                try s.rawPut(s.state, key: rec.0, value: rec.1)
                flipped += 1
                namespaces.insert(ns)
            }
        }
        // Renamed keys: the original is missing (or the renamed one is extra).
        for rec in records.prefix(12) {
            var key = rec.0
            key[key.count - 1] ^= 0x01
            guard !records.contains(where: { $0.0 == key }) else { continue }
            try s.rawDelete(s.state, key: rec.0)
            try s.rawPut(s.state, key: key, value: rec.1)
            let f: String
            do { _ = try Verifier(store: s).verify(); f = "" } catch { f = "\(error)" }
            #expect(f.contains("is missing") || f.contains("is stored but a replay"), "renamed \(String(decoding: rec.0, as: UTF8.self)): \(f)")
            try s.rawDelete(s.state, key: key)
            try s.rawPut(s.state, key: rec.0, value: rec.1)
            flipped += 1
        }
        _ = try Verifier(store: s).verify()
        #expect(namespaces.count >= 25, "only \(namespaces.sorted()) were swept")
        print("projection sweep: \(flipped) tampered records over \(namespaces.count) namespaces, all named by verify")
    }

    /// A double-counted behaviour written straight into LMDB, with every hash, node and the
    /// checkpoint recomputed and re-signed: `verify` still refuses it, naming the rule and seq.
    @Test func forgedRuleBreakingBehaviourIsFoundDespiteIntactHashes() throws {
        let dir = TempDir()
        let (ledger, seq, city) = try makeCity(dir, residents: 10, days: 1)
        let ride = ["type": "behaviour.report", "account": "r-00002", "scenario": "bike", "region": .string(DemoCity.district(2)), "amount": 3000,
                    "start": .string(Timestamp(millisecondsSinceEpoch: city.firstDay + 600 * 60_000).rfc3339),
                    "end": .string(Timestamp(millisecondsSinceEpoch: city.firstDay + 620 * 60_000).rfc3339)] as JSONObject
        var first = ride; first["source_ref"] = "BIKE-1"
        let legit = try Submission.Unsigned(events: [.object(first)]).signed(by: city.platforms["bikeshare"]!, origin: Self.origin)
        _ = try seq.append([legit], now: .now())[0].get()
        var second = ride; second["source_ref"] = "GL-1"
        let double = try Submission.Unsigned(events: [.object(second)]).signed(by: city.platforms["greenlife"]!, origin: Self.origin)
        guard case .failure(let v) = try seq.append([double], now: .now())[0] else { Issue.record("double count accepted"); return }
        #expect(v.id == "behaviour.double_counted")
        let forgedSeq = try ledger.info().size
        try ForgedAppend.append([double], to: ledger, registryKey: try LedgerDirectory.readSigningKey(LedgerDirectory.keyPath(ledger.directory)))
        do {
            _ = try Verifier(store: ledger.store).verify()
            Issue.record("a double-counted behaviour with intact hashes verified")
        } catch let f as VerificationFailure {
            #expect(f.seq == forgedSeq && f.reason.contains("behaviour.double_counted"), "\(f)")
        }
    }
}
