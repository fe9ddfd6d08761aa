import Testing
@testable import LedgerCore
import TestSupport

/// `Reducer.check` (what `cledger submit --check` runs): every event's rule, each judged after the
/// events before it that pass, and nothing kept.
@Suite struct SubmissionCheckTests {
    func check(_ c: City, _ events: [JSONValue], by key: NoteSigningKey) throws -> [RuleViolation] {
        let sub = try Submission.Unsigned(events: events).signed(by: key, origin: c.h.origin)
        let scratch = StateOverlay(base: c.h.state)
        let entries = SubmissionEntries(sub, firstSeq: c.h.ledger.size, prev: c.h.head, time: c.h.time, hasher: MerkleHasher())
        let (next, found) = try Reducer.check(sub, to: c.h.ledger, state: scratch, time: c.h.time, leafHashes: entries.leafHashes,
                                              lookup: RuleHarness.Lookup(roots: c.h.roots))
        #expect(next.size == c.h.ledger.size + UInt64(events.count), "the later events keep their seqs")
        return found
    }

    @Test func everyBrokenRuleOfABatchIsFoundAtOnce() throws {
        let c = try City()
        let before = c.h.state.writes, size = c.h.ledger.size
        let found = try check(c, [
            City.trip("p-1", "metro", amount: 1000, from: 0, to: 30, ref: "ok-1"),
            City.trip("nobody", "metro", amount: 1000, from: 40, to: 50, ref: "no-account"),
            City.trip("p-1", "metro", amount: 1000, from: 10, to: 20, ref: "overlaps-ok-1"),
            ["type": "account.open", "account": "p-9", "kind": "person", "region": "440305"],
            City.consent("p-9", "szmetro"),
            City.trip("p-9", "metro", amount: 1000, from: 0, to: 30, ref: "p-9 after its consent"),
            City.trip("p-2", "metro", amount: 1000, from: 0, to: 30, ref: "bad", region: "999999"),
        ], by: c.metro)
        #expect(found.map(\.eventIndex) == [1, 2, 6], "\(found)")
        #expect(found.map(\.id) == ["account.unknown", "behaviour.double_counted", "auth.scope"], "\(found)")
        // Each judged after the ones before it that pass: the overlap is with event 0, and p-9's
        // trip sees the account and consent opened just before it.
        #expect(found[1].message.contains("entry \(size)"), "\(found[1])")
        #expect(c.h.state.writes == before && c.h.ledger.size == size, "a check keeps nothing")
        // A submission the ledger cannot take as a whole says only that.
        let forged = try check(c, [["type": "note", "text": "x"]], by: try NoteSigningKey.generate(name: "stranger"))
        #expect(forged.map(\.id) == ["auth.unknown_key"])
        #expect(try check(c, [City.trip("p-1", "metro", amount: 1000, from: 100, to: 110, ref: "fine")], by: c.metro).isEmpty)
    }
}
