import Testing
@testable import LedgerCore

/// `ResidentState` answers the ordered queries (`predecessor`, `children`) as a plain sorted map
/// would, through writes made and undone by overlays writing through it: inserts out of order,
/// deletions (kept listed until they are half of a parent's keys), keys deleted and written
/// again, refused submissions and whole batches undone.
@Suite struct ResidentStateQueryTests {
    /// A deterministic generator: the same batches on every run.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    static let parents = ["rng/b-1", "hold/p-1/b-1", "reqm/r-1"]

    @Test func orderedQueriesMatchASortedMapThroughWritesUndoneAndDeletions() throws {
        var g = Generator(state: 23)
        let resident = ResidentState()
        var model: [String: Int64] = [:]
        var undone = 0
        for round in 0..<60 {
            // A batch: submissions in savepoints, some refused; some batches undone whole (a
            // commit that failed).
            let overlay = StateOverlay(writingThrough: resident)
            var batchModel = model
            // Early rounds mostly write, later ones mostly delete: parents fill up and drain.
            let deleting = round < 20 ? 2 : 7
            for _ in 0..<8 {
                overlay.beginSavepoint()
                var subModel = batchModel
                for _ in 0..<5 {
                    let key = statePath(Self.parents[g.next(Self.parents.count)], pad16(Int64(g.next(300))))
                    if g.next(10) < deleting {
                        overlay.putRecord(key, nil)
                        subModel[key] = nil
                    } else {
                        let v = Int64(g.next(1_000_000))
                        overlay.putRecord(key, SeqRecord(v))
                        subModel[key] = v
                    }
                }
                if g.next(4) == 0 {
                    overlay.rollback()
                } else {
                    overlay.commitSavepoint()
                    batchModel = subModel
                }
            }
            if g.next(5) == 0 {
                overlay.undoAll()
                undone += 1
            } else {
                model = batchModel
            }
            for parent in Self.parents {
                let expected = model.filter { $0.key.hasPrefix(parent + "/") }.sorted { StateOverlay.less($0.key, $1.key) }
                let children = try resident.childRecords(SeqRecord.self, of: parent)
                #expect(children.map(\.key) == expected.map(\.key) && children.map(\.record.value) == expected.map(\.value), "round \(round), \(parent)")
                for _ in 0..<10 {
                    let before = statePath(parent, pad16(Int64(g.next(320))))
                    let want = expected.last { StateOverlay.less($0.key, before) }
                    let got = try resident.predecessorRecord(SeqRecord.self, parent: parent, before: before)
                    #expect(got?.key == want?.key && got?.record.value == want?.value, "round \(round), before \(before)")
                    #expect(try resident.predecessor(parent: parent, before: before)?.key == want?.key)
                }
            }
            #expect(resident.count == model.count)
        }
        #expect(undone > 5)
        // Emptied, the parents' lists go too (their deleted keys are not kept for ever).
        let drain = StateOverlay(writingThrough: resident)
        for key in model.keys { drain.putRecord(key, nil) }
        #expect(model.count > 100 && resident.count == 0 && resident.listedKeys == 0)
        for parent in Self.parents { #expect(try resident.children(of: parent).isEmpty) }
        // And undone, they are back.
        drain.undoAll()
        #expect(resident.count == model.count)
        for parent in Self.parents {
            #expect(try resident.children(of: parent).map(\.key) == model.keys.filter { $0.hasPrefix(parent + "/") }.sorted { StateOverlay.less($0, $1) })
        }
    }

    /// A cold namespace (`elig/`, `beh/`) is read from the environment, with each batch's cold
    /// writes and deletions on top (its layer), until the layer is dropped (the environment has
    /// them by then).
    @Test func coldRecordsAreTheEnvironmentsWithTheStatesOwnOnTop() throws {
        let environment = StateOverlay(base: EmptyState())
        for seq in [1, 2, 3] { environment.putRecord("elig/m/20260101/\(pad16(Int64(seq)))", EligibleRecord(account: "p-\(seq)", creditedMg: 10, platform: "x", region: "440304")) }
        environment.putRecord("beh/\(pad16(1))", SeqRecord(1))
        let resident = ResidentState()
        resident.load(key: "beh/\(pad16(2))", canonical: SeqRecord(2).canonical)
        #expect(resident.count == 0, "cold records are left to the environment")
        resident.cold = environment
        let overlay = StateOverlay(writingThrough: resident)
        overlay.putRecord("elig/m/20260101/\(pad16(2))", nil)
        overlay.putRecord("elig/m/20260101/\(pad16(4))", EligibleRecord(account: "p-4", creditedMg: 40, platform: "x", region: "440304"))
        let children = { try resident.childRecords(EligibleRecord.self, of: "elig/m/20260101").map(\.record.account) }
        #expect(try children() == ["p-1", "p-3", "p-4"])
        #expect(try resident.record(EligibleRecord.self, at: "elig/m/20260101/\(pad16(2))") == nil, "a deletion hides the environment's record")
        #expect(try resident.record(SeqRecord.self, at: "beh/\(pad16(1))")?.value == 1 && resident.count == 0 && resident.layers.count == 1)
        // A savepoint rolled back puts the layer back as it was.
        overlay.beginSavepoint()
        overlay.putRecord("elig/m/20260101/\(pad16(4))", nil)
        overlay.putRecord("elig/m/20260101/\(pad16(5))", EligibleRecord(account: "p-5", creditedMg: 50, platform: "x", region: "440304"))
        #expect(try children() == ["p-1", "p-3", "p-5"])
        overlay.rollback()
        #expect(try children() == ["p-1", "p-3", "p-4"])
        // The environment catches up; the state drops the layer.
        for (k, c) in overlay.writes { environment.put(k, c) }
        resident.drop(overlay.coldLayer)
        let afterEviction = try children()
        #expect(resident.layers.isEmpty && afterEviction == ["p-1", "p-3", "p-4"])
        // Undone, a write of a record the state did not hold leaves it to the environment again.
        let again = StateOverlay(writingThrough: resident)
        again.putRecord("beh/\(pad16(1))", nil)
        #expect(try resident.get("beh/\(pad16(1))") == nil)
        again.undoAll()
        #expect(try resident.record(SeqRecord.self, at: "beh/\(pad16(1))")?.value == 1 && resident.layers.isEmpty)
    }

    /// The duplicate index is cold too, behind a filter: a key never written is answered from
    /// memory, without a read of the environment; a key the environment has is read from it.
    @Test func theDuplicateIndexReadsTheEnvironmentOnlyForKeysItMayHold() throws {
        final class CountingReader: StateReader {
            let inner: StateOverlay
            var reads = 0
            init(_ inner: StateOverlay) { self.inner = inner }
            func get(_ key: String) throws -> JSONValue? { reads += 1; return try inner.get(key) }
            func predecessor(parent: String, before: String) throws -> (key: String, value: JSONValue)? { try inner.predecessor(parent: parent, before: before) }
            func children(of parent: String) throws -> [(key: String, value: JSONValue)] { try inner.children(of: parent) }
        }
        let environment = StateOverlay(base: EmptyState())
        let resident = ResidentState()
        for i in 0..<1_000 { environment.putRecord("src/szmetro/trip-\(i)", SeqRecord(Int64(i))) }
        resident.rebuildFilter(seed: 42, source: .storedHashes(1_000)) { insert in
            for i in 0..<1_000 { insert(Array("src/szmetro/trip-\(i)".utf8).withUnsafeBytes { ResidentState.filterHash(keyBytes: $0, seed: 42) }) }
        }
        let reader = CountingReader(environment)
        resident.cold = reader
        #expect(resident.count == 0)
        #expect(try resident.record(SeqRecord.self, at: "src/szmetro/trip-7")?.value == 7 && reader.reads == 1)
        var found = 0
        for i in 1_000..<21_000 where try resident.record(SeqRecord.self, at: "src/szmetro/trip-\(i)") != nil { found += 1 }
        #expect(found == 0 && reader.reads < 1 + 20, "\(reader.reads - 1) of 20,000 reads of keys never written reached the environment")
        // A key written in a batch is the batch's, then the environment's once the layer goes.
        let overlay = StateOverlay(writingThrough: resident)
        overlay.putRecord("src/szmetro/new", SeqRecord(5_000))
        let before = reader.reads
        #expect(try resident.record(SeqRecord.self, at: "src/szmetro/new")?.value == 5_000 && reader.reads == before)
        environment.putRecord("src/szmetro/new", SeqRecord(5_000))
        resident.drop(overlay.coldLayer)
        #expect(try resident.record(SeqRecord.self, at: "src/szmetro/new")?.value == 5_000 && reader.reads == before + 1)
    }

    /// The filter never forgets a key, and stays tight up to its capacity.
    @Test func theKeyFilterHasNoFalseNegativesAndFewFalsePositives() {
        var filter = KeyFilter(capacity: 50_000)
        for i in 0..<50_000 { filter.insert("src/p/\(i)") }
        #expect((0..<50_000).allSatisfy { filter.mayContain("src/p/\($0)") })
        let falsePositives = (50_000..<150_000).filter { filter.mayContain("src/p/\($0)") }.count
        #expect(falsePositives < 200, "\(falsePositives) of 100,000")
        #expect(!filter.isFull)
        for i in 50_000..<filter.capacity + 1 { filter.insert("src/p/\(i)") }
        #expect(filter.isFull)
    }

    /// What an overlay writing through lists for the commit: the last write of each key, in
    /// byte order, deletions included, and nothing of a refused submission.
    @Test func anOverlayWritingThroughListsItsLastWriteOfEachKey() throws {
        let resident = ResidentState()
        let overlay = StateOverlay(writingThrough: resident)
        overlay.beginSavepoint()
        overlay.putRecord("xauth/p/b", SeqRecord(1))
        overlay.putRecord("xauth/p/a", SeqRecord(2))
        overlay.putRecord("xauth/p/b", SeqRecord(3))
        overlay.commitSavepoint()
        overlay.beginSavepoint()
        overlay.putRecord("xauth/p/c", SeqRecord(4))
        overlay.putRecord("xauth/p/a", nil)
        overlay.rollback()
        overlay.beginSavepoint()
        overlay.putRecord("xauth/p/a", nil)
        overlay.commitSavepoint()
        var listed: [(String, [UInt8]?)] = []
        overlay.forEachWriteInOrder { k, c in listed.append((k, c.stored)) }
        #expect(listed.map(\.0) == ["xauth/p/a", "xauth/p/b"])
        #expect(listed[0].1 == nil && listed[1].1 == SeqRecord(3).canonical)
        #expect(try resident.record(SeqRecord.self, at: "xauth/p/b")?.value == 3 && resident.count == 1)
    }

    /// Both kinds of overlay list their writes in byte order whatever prefix the keys share
    /// (the sort compares their first 32 bytes as integers and the rest only on a tie): keys
    /// of 16, 31, 32 and 33 bytes and longer ones tied over their first 32, each with its last
    /// write.
    @Test func writesAreListedInByteOrderWhateverPrefixTheyShare() throws {
        let stems = ["consent/r-00001/", "consent/r-00001/szmetro-and-more", "consent/r-00001/szmetro-and-morf", "xauth/a", "xauth/ab",
                     "xauth/" + String(repeating: "k", count: 25), "xauth/" + String(repeating: "k", count: 26), "xauth/" + String(repeating: "k", count: 25) + "l", "key/r-00002/"]
        var keys: [String] = []
        for stem in stems { for suffix in ["", "0", "1", "10", "/z", "/" + String(repeating: "9", count: 20)] { keys.append(stem + suffix) } }
        #expect(Set(keys.map(\.utf8.count)).isSuperset(of: [16, 31, 32, 33]))
        // Written in a scrambled order, some twice.
        let order = keys.indices.map { ($0 * 17) % keys.count } + keys.indices.filter { $0 % 3 == 0 }
        var last: [String: Int64] = [:]
        let buffered = StateOverlay(base: EmptyState())
        let through = StateOverlay(writingThrough: ResidentState())
        through.beginSavepoint()
        for (n, i) in order.enumerated() {
            buffered.putRecord(keys[i], SeqRecord(Int64(n)))
            through.putRecord(keys[i], SeqRecord(Int64(n)))
            last[keys[i]] = Int64(n)
        }
        through.commitSavepoint()
        let expected = last.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { ($0, SeqRecord(last[$0]!).canonical) }
        #expect(expected.count == keys.count)
        for overlay in [buffered, through] {
            var listed: [(String, [UInt8]?)] = []
            overlay.forEachWriteInOrder { k, c in listed.append((k, c.stored)) }
            #expect(listed.map(\.0) == expected.map(\.0))
            #expect(listed.map(\.1) == expected.map(\.1))
        }
    }

    /// A rules checkpoint's step writes several batches' overlays in one walk: each key once,
    /// as the overlays written in turn leave it (a later overlay's write, deletion included,
    /// wins; a key one overlay wrote twice keeps its last), in byte order, whichever kind of
    /// overlay wrote it.
    @Test func overlaysWalkedTogetherLeaveEachKeyAsWrittenInTurn() throws {
        let keys = (0..<40).map { "xauth/p-\($0 % 7)/" + String(repeating: "k", count: $0 % 5 * 9) + "\($0)" }
        var expected: [String: Int64?] = [:]
        var overlays: [StateOverlay] = []
        var n: Int64 = 0
        for round in 0..<5 {
            let overlay = round % 2 == 0 ? StateOverlay(writingThrough: ResidentState()) : StateOverlay(base: EmptyState())
            overlay.beginSavepoint()
            for (i, key) in keys.enumerated() where (i + round) % 3 != 0 {
                n += 1
                // Some deleted, some written twice in the same overlay.
                let value: Int64? = (i * 7 + round) % 5 == 0 ? nil : n
                overlay.putRecord(key, value.map(SeqRecord.init))
                expected[key] = .some(value)
                if i % 4 == round % 4 {
                    n += 1
                    overlay.putRecord(key, SeqRecord(n))
                    expected[key] = .some(n)
                }
            }
            overlay.commitSavepoint()
            overlays.append(overlay)
        }
        var listed: [(String, [UInt8]?)] = []
        StateOverlay.forEachWriteInOrder(of: overlays) { k, c in listed.append((k, c.stored)) }
        let keysInOrder = expected.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        #expect(listed.map(\.0) == keysInOrder)
        #expect(listed.map(\.1) == keysInOrder.map { k in expected[k]!.map { SeqRecord($0).canonical } })
        #expect(listed.contains { $0.1 == nil } && listed.contains { $0.1 != nil })
        // One overlay: its own walk.
        var alone: [String] = []
        StateOverlay.forEachWriteInOrder(of: [overlays[0]]) { k, _ in alone.append(k) }
        var own: [String] = []
        overlays[0].forEachWriteInOrder { k, _ in own.append(k) }
        #expect(alone == own && !own.isEmpty)
    }

    @Test func aRecordReadTypedIsTheRecordLoaded() throws {
        let resident = ResidentState()
        resident.load(key: "acct/p-1", canonical: AccountRecord(kind: .person, region: "440304", openedSeq: 3).canonical)
        resident.load(key: "totals", canonical: Array(#"{"behaviours":1}"#.utf8))
        resident.reflect(size: 5)
        #expect(resident.count == 1, "a read model is not the rules' state")
        #expect(try resident.record(AccountRecord.self, at: "acct/p-1")?.openedSeq == 3)
        #expect(try resident.get("acct/p-1")?["region"]?.stringValue == "440304")
        // Damaged bytes are refused naming the key, not trapped on.
        resident.load(key: "acct/p-2", canonical: Array(#"{"kind":7}"#.utf8))
        #expect(throws: StateRecordError.self) { try resident.record(AccountRecord.self, at: "acct/p-2") }
    }
}
