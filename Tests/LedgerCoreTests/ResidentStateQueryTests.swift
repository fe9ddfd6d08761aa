import Testing
@testable import LedgerCore

/// `ResidentState` answers the ordered queries (`predecessor`, `children`) over what it merged,
/// as a plain sorted map would: through inserts out of order, deletions (kept listed until they
/// are half of a parent's keys), and keys deleted and written again.
@Suite struct ResidentStateQueryTests {
    /// A deterministic generator: the same batches on every run.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    static let parents = ["elig/m1/2026-01-01", "elig/m1/2026-01-02", "iv/2026-01-01/p-1/transit"]

    @Test func orderedQueriesMatchASortedMapThroughMergesAndDeletions() throws {
        var g = Generator(state: 23)
        let resident = ResidentState()
        var model: [String: Int64] = [:]
        for round in 0..<60 {
            let overlay = StateOverlay(base: resident)
            // Early rounds mostly write, later ones mostly delete: parents fill up and drain.
            let deleting = round < 20 ? 2 : 7
            for _ in 0..<40 {
                let key = statePath(Self.parents[g.next(Self.parents.count)], pad16(Int64(g.next(300))))
                if g.next(10) < deleting {
                    overlay.putRecord(key, nil)
                    model[key] = nil
                } else {
                    let v = Int64(g.next(1_000_000))
                    overlay.putRecord(key, SeqRecord(v))
                    model[key] = v
                }
            }
            resident.merge(overlay, size: UInt64(round + 1))
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
            #expect(resident.count == model.count && resident.size == UInt64(round + 1))
        }
        // Emptied, the parents' lists go too (their deleted keys are not kept for ever).
        let drain = StateOverlay(base: resident)
        for key in model.keys { drain.putRecord(key, nil) }
        resident.merge(drain, size: 61)
        #expect(model.count > 100 && resident.count == 0 && resident.listedKeys == 0)
        for parent in Self.parents { #expect(try resident.children(of: parent).isEmpty) }
    }

    @Test func aRecordReadTypedIsTheRecordMerged() throws {
        let resident = ResidentState()
        resident.load(key: "acct/p-1", canonical: AccountRecord(kind: .person, region: "440304", openedSeq: 3).canonical)
        resident.load(key: "totals", canonical: Array(#"{"behaviours":1}"#.utf8))
        resident.loaded(size: 5)
        #expect(resident.count == 1, "a read model is not the rules' state")
        #expect(try resident.record(AccountRecord.self, at: "acct/p-1")?.openedSeq == 3)
        #expect(try resident.get("acct/p-1")?["region"]?.stringValue == "440304")
        // Damaged bytes are refused naming the key, not trapped on.
        resident.load(key: "acct/p-2", canonical: Array(#"{"kind":7}"#.utf8))
        #expect(throws: StateRecordError.self) { try resident.record(AccountRecord.self, at: "acct/p-2") }
    }
}
