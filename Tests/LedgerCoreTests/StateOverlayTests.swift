import Testing
@testable import LedgerCore
import TestSupport

/// A typed record of an ordered namespace, for the overlay's typed queries (the shape the
/// intervals' records had before they became the index of behaviours).
private struct SpanRecord: StateRecord, Equatable {
    var end: Int64
    var platform: String
    var seq: Int64
    init(end: Timestamp, platform: String, seq: UInt64) { self.end = end.millisecondsSinceEpoch; self.platform = platform; self.seq = Int64(seq) }

    init?(canonical bytes: UnsafeRawBufferPointer) {
        guard var r = RecordReader(bytes) else { return nil }
        end = r.int("end")
        platform = r.string("platform")
        seq = r.int("seq")
        guard r.complete else { return nil }
    }

    func encode(into o: inout CanonicalRecord) {
        o.int("end", end)
        o.string("platform", platform)
        o.int("seq", seq)
    }
}

@Suite struct StateOverlayTests {
    @Test func rollbackRestoresWritesDeletionsAndOrderedQueries() throws {
        let base = StateOverlay(base: EmptyState())
        base.put("acct/a", ["n": 1])
        base.put("elig/a/journey/0000000000000010", ["end": 20])
        let o = StateOverlay(base: base)
        o.put("acct/b", ["n": 2])
        o.beginSavepoint()
        o.put("acct/a", ["n": 9])            // replaces a base value
        o.put("acct/b", nil)                 // deletes an own write
        o.put("acct/c", ["n": 3])            // a new key
        o.put("elig/a/journey/0000000000000030", ["end": 40])
        o.put("elig/a/journey/0000000000000010", nil)
        #expect(try o.get("acct/a") == ["n": 9] && o.get("acct/b") == nil && o.get("acct/c") == ["n": 3])
        #expect(try o.predecessor(parent: "elig/a/journey", before: "elig/a/journey/0000000000000035")?.key == "elig/a/journey/0000000000000030")
        #expect(try o.children(of: "elig/a/journey").map(\.key) == ["elig/a/journey/0000000000000030"])
        o.rollback()
        #expect(try o.get("acct/a") == ["n": 1] && o.get("acct/b") == ["n": 2] && o.get("acct/c") == nil)
        #expect(try o.predecessor(parent: "elig/a/journey", before: "elig/a/journey/0000000000000035")?.key == "elig/a/journey/0000000000000010")
        #expect(try o.children(of: "elig/a/journey").map(\.key) == ["elig/a/journey/0000000000000010"])
        #expect(o.writes.keys.sorted() == ["acct/b"])
        // A committed savepoint keeps everything.
        o.beginSavepoint()
        o.put("acct/d", ["n": 4])
        o.commitSavepoint()
        #expect(try o.get("acct/d") == ["n": 4])
        // A later savepoint's rollback undoes only its own writes, not the committed ones
        // (the undo journal is reused between savepoints).
        o.beginSavepoint()
        o.put("acct/d", ["n": 5])
        o.put("acct/e", ["n": 6])
        o.rollback()
        #expect(try o.get("acct/d") == ["n": 4] && o.get("acct/e") == nil)
        #expect(o.writes.keys.sorted() == ["acct/b", "acct/d"])
    }

    /// A key read, then written and rolled back, reads the base's value again (reads and writes
    /// share one table; the rollback restores the cached read, not nothing).
    @Test func rollbackOfAWriteOverACachedReadRestoresTheRead() throws {
        let base = StateOverlay(base: EmptyState())
        base.put("acct/a", ["n": 1])
        let o = StateOverlay(base: base)
        #expect(try o.get("acct/a") == ["n": 1])
        o.beginSavepoint()
        o.put("acct/a", ["n": 2])
        o.rollback()
        #expect(try o.get("acct/a") == ["n": 1])
        #expect(o.writes.isEmpty && o.sortedWrites.isEmpty)
    }

    /// A frozen overlay (a prepared batch whose writes another thread is committing) answers
    /// from its writes and otherwise passes reads through without caching them.
    @Test func aFrozenOverlayDoesNotCacheReads() throws {
        let base = StateOverlay(base: EmptyState())
        base.put("acct/a", ["n": 1])
        let o = StateOverlay(base: base)
        o.put("acct/b", ["n": 2])
        o.freeze()
        #expect(try o.get("acct/a") == ["n": 1] && o.get("acct/b") == ["n": 2])
        base.put("acct/a", ["n": 3])
        #expect(try o.get("acct/a") == ["n": 3], "a frozen overlay cached a read")
        #expect(o.frozen && o.writes.keys.sorted() == ["acct/b"])
        // Before freezing, the first read is cached (the batch's view stays put).
        let live = StateOverlay(base: base)
        #expect(try live.get("acct/a") == ["n": 3])
        base.put("acct/a", ["n": 4])
        #expect(try live.get("acct/a") == ["n": 3])
    }

    /// A key written many times in one savepoint is journaled once (its first previous value),
    /// and `updateObject` changes records in place; random savepoints, writes, in-place updates,
    /// reads and rollbacks must behave like a plain dictionary model
    /// that copies itself at each savepoint, checked after every operation.
    @Test func savepointsMatchACopyingModel() throws {
        var rng = SplitMix64(seed: 11)
        let base = StateOverlay(base: EmptyState())
        for i in 0..<4 { base.put("acct/k\(i)", ["n": .int(Int64(i))]) }
        let o = StateOverlay(base: base)
        var model: [String: JSONValue] = [:]
        for i in 0..<4 { model["acct/k\(i)"] = ["n": .int(Int64(i))] }
        var saved: [String: JSONValue]?
        for step in 0..<5000 {
            let key = "acct/k\(Int.random(in: 0..<8, using: &rng))"
            switch Int.random(in: 0..<10, using: &rng) {
            case 0 where saved == nil:
                o.beginSavepoint(); saved = model
            case 1 where saved != nil:
                o.commitSavepoint(); saved = nil
            case 2 where saved != nil:
                o.rollback(); model = saved!; saved = nil
            case 3:
                #expect(try o.get(key) == model[key], "step \(step)")
            case 4:
                o.put(key, nil); model[key] = nil
            case 7:
                // A record written as canonical bytes, later read, updated or rolled back.
                var r = CanonicalRecord()
                r.int("n", Int64(step))
                o.putCanonical(key, &r); model[key] = ["n": .int(Int64(step))]
            case 5, 6:
                // In place, unless the undo record of this savepoint still needs the old value.
                let d = Int64(step)
                try o.updateObject(key) { $0.add(d, to: "n") }
                var m = model[key]?.objectValue ?? JSONObject()
                m["n"] = .int((m["n"]?.intValue ?? 0) + d)
                model[key] = .object(m)
            default:
                let v: JSONValue = ["n": .int(Int64(step))]
                o.put(key, v); model[key] = v
            }
            for i in 0..<8 {
                let k = "acct/k\(i)"
                #expect(try o.get(k) == model[k], "step \(step), \(k)")
            }
        }
    }

    /// A record written as canonical bytes reads back as its value through every query, and
    /// goes to the store as those very bytes (a deletion as a deletion).
    @Test func canonicalWritesReadBackAndFlushAsTheirBytes() throws {
        let base = StateOverlay(base: EmptyState())
        base.put("elig/a/journey/0000000000000010", ["end": 20, "seq": 1])
        let o = StateOverlay(base: base)
        func record() -> CanonicalRecord {
            var r = CanonicalRecord()
            r.int("end", 40); r.string("platform", "szmetro"); r.int("seq", 7)
            return r
        }
        var r = record()
        let bytes = r.finish()
        o.beginSavepoint()
        r = record()
        o.putCanonical("elig/a/journey/0000000000000030", &r)
        let value: JSONValue = ["end": 40, "platform": "szmetro", "seq": 7]
        #expect(try o.predecessor(parent: "elig/a/journey", before: "elig/a/journey/0000000000000035")?.value == value)
        #expect(try o.children(of: "elig/a/journey").map(\.value) == [["end": 20, "seq": 1], value])
        #expect(o.writes == ["elig/a/journey/0000000000000030": value])
        o.rollback()
        #expect(try o.predecessor(parent: "elig/a/journey", before: "elig/a/journey/0000000000000035")?.key == "elig/a/journey/0000000000000010")
        r = record()
        o.putCanonical("src/szmetro/m-1", &r)
        o.put("acct/b", nil)
        o.put("acct/c", ["n": 1])
        var flushed: [String: String] = [:]
        o.forEachWriteInOrder { key, content in
            switch content {
            case .canonical(let b): flushed[key] = "bytes " + String(decoding: b, as: UTF8.self)
            case .value(let v): flushed[key] = "value " + CanonicalJSON.string(v)
            case .absent: flushed[key] = "deleted"
            case .typed(let r): flushed[key] = "typed " + String(decoding: r.canonical, as: UTF8.self)
            }
        }
        #expect(flushed == ["src/szmetro/m-1": "bytes " + String(decoding: bytes, as: UTF8.self), "acct/b": "deleted", "acct/c": #"value {"n":1}"#])
        // Read once, a canonical record is kept parsed; a frozen overlay parses without keeping.
        #expect(try o.get("src/szmetro/m-1") == value && o.get("src/szmetro/m-1") == value)
        r = record()
        o.putCanonical("src/szmetro/m-2", &r)
        o.freeze()
        #expect(try o.get("src/szmetro/m-2") == value)
        var stillBytes = false
        o.forEachWriteInOrder { key, content in if key == "src/szmetro/m-2", case .canonical = content { stillBytes = true } }
        #expect(stillBytes, "a frozen overlay changed a slot while reading it")
    }

    /// Typed ordered queries see what the JSON ones see: own writes typed or as JSON over the
    /// base's, deletions and replacements, and nothing of a rolled-back savepoint.
    @Test func typedOrderedQueriesMatchTheJSONOnes() throws {
        let base = StateOverlay(base: EmptyState())
        base.put("elig/a/journey/0000000000000010", ["end": 20, "platform": "m", "seq": 1])
        base.putRecord("elig/a/journey/0000000000000030", SpanRecord(end: Timestamp(millisecondsSinceEpoch: 40), platform: "m", seq: 2))
        base.freeze()
        let o = StateOverlay(base: base)
        o.putRecord("elig/a/journey/0000000000000020", SpanRecord(end: Timestamp(millisecondsSinceEpoch: 25), platform: "b", seq: 3))
        o.beginSavepoint()
        o.put("elig/a/journey/0000000000000030", nil)
        o.putRecord("elig/a/journey/0000000000000050", SpanRecord(end: Timestamp(millisecondsSinceEpoch: 60), platform: "b", seq: 4))
        func agree(before: String) throws {
            let json = try o.predecessor(parent: "elig/a/journey", before: before)
            let typed = try o.predecessorRecord(SpanRecord.self, parent: "elig/a/journey", before: before)
            #expect(json?.key == typed?.key && json.map { SpanRecord(record: $0.value) } == typed.map { $0.record }, "before \(before)")
            let all = try o.children(of: "elig/a/journey"), typedAll = try o.childRecords(SpanRecord.self, of: "elig/a/journey")
            #expect(all.map(\.key) == typedAll.map(\.key) && all.map { SpanRecord(record: $0.value) } == typedAll.map { $0.record })
        }
        try agree(before: "elig/a/journey/0000000000000035")
        #expect(try o.predecessorRecord(SpanRecord.self, parent: "elig/a/journey", before: "elig/a/journey/0000000000000035")?.record.seq == 3)
        try agree(before: "elig/a/journey/0000000000000099")
        #expect(try o.childRecords(SpanRecord.self, of: "elig/a/journey").map(\.record.seq) == [1, 3, 4])
        o.rollback()
        try agree(before: "elig/a/journey/0000000000000099")
        #expect(try o.childRecords(SpanRecord.self, of: "elig/a/journey").map(\.record.seq) == [1, 3, 2])
    }

    /// Writes come out in LMDB's byte order, however the keys share or differ in their first
    /// 16 bytes (the sort compares those as integers first).
    @Test func sortedWritesAreInByteOrder() {
        var rng = SplitMix64(seed: 5)
        let o = StateOverlay(base: EmptyState())
        let parts = ["hist/p-0000", "hist/p-00001", "acct/", "a", "", "stat/2026-01-01/440300/", "~", "!"]
        var keys: Set<String> = []
        for _ in 0..<3000 {
            let key = parts.randomElement(using: &rng)! + String(Int.random(in: 0..<100_000, using: &rng)) + (Bool.random(using: &rng) ? "/x" : "")
            keys.insert(key)
            o.put(key, ["n": 1])
        }
        let out = o.sortedWrites.map(\.key)
        #expect(out.count == keys.count)
        #expect(out == keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
    }

    @Test func orderedNamespacesAreRecognisedByPrefixOnly() {
        for key in ["elig/m/d/1", "reqm/r/1", "rng/b/1", "hold/a/b/1"] { #expect(StateOverlay.isOrdered(key), "\(key)") }
        for key in ["iv/a/x/1", "ivy/a", "acct/iv/1", "hist/a/1", "el/x", "r", "", "holder/a", "reqs/1"] { #expect(!StateOverlay.isOrdered(key), "\(key)") }
    }

    @Test func statePathsJoinTheirSegments() {
        #expect(statePath("acct", "p-1") == "acct/p-1")
        #expect(statePath("cap", "20261121", "p-7f3a91c0", "sz-metro") == "cap/20261121/p-7f3a91c0/sz-metro")
        #expect(statePath("beh", pad16(42)) == "beh/0000000000000042")
        #expect(statePath("x", "", "é€") == "x//é€" && statePath("totals") == "totals")
        let long = String(repeating: "a", count: 300)
        #expect(statePath("src", long, "r") == "src/\(long)/r")
    }

    @Test func paddedKeyNumbersSortLikeTheirValues() {
        #expect(pad16(0) == "0000000000000000")
        #expect(pad16(42) == "0000000000000042")
        #expect(pad16(9_999_999_999_999_999) == "9999999999999999")
        #expect(pad16(12_345_678_901_234_567) == "12345678901234567")
        #expect(pad16(Int64.max) == String(Int64.max))
        #expect(pad16(-5) == "00000000000000-5")
        let values: [Int64] = [0, 1, 9, 10, 99, 100, 1_700_000_000_000, 9_999_999_999_999_999]
        #expect(values.map(pad16) == values.map(pad16).sorted())
        for v in values { #expect(Int64(pad16(v)) == v) }
    }
}
