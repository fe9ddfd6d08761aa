import Testing
@testable import LedgerCore

@Suite struct StateOverlayTests {
    @Test func rollbackRestoresWritesDeletionsAndOrderedQueries() throws {
        let base = StateOverlay(base: EmptyState())
        base.put("acct/a", ["n": 1])
        base.put("iv/a/journey/0000000000000010", ["end": 20])
        let o = StateOverlay(base: base)
        o.put("acct/b", ["n": 2])
        o.beginSavepoint()
        o.put("acct/a", ["n": 9])            // replaces a base value
        o.put("acct/b", nil)                 // deletes an own write
        o.put("acct/c", ["n": 3])            // a new key
        o.put("iv/a/journey/0000000000000030", ["end": 40])
        o.put("iv/a/journey/0000000000000010", nil)
        #expect(try o.get("acct/a") == ["n": 9] && o.get("acct/b") == nil && o.get("acct/c") == ["n": 3])
        #expect(try o.predecessor(parent: "iv/a/journey", before: "iv/a/journey/0000000000000035")?.key == "iv/a/journey/0000000000000030")
        #expect(try o.children(of: "iv/a/journey").map(\.key) == ["iv/a/journey/0000000000000030"])
        o.rollback()
        #expect(try o.get("acct/a") == ["n": 1] && o.get("acct/b") == ["n": 2] && o.get("acct/c") == nil)
        #expect(try o.predecessor(parent: "iv/a/journey", before: "iv/a/journey/0000000000000035")?.key == "iv/a/journey/0000000000000010")
        #expect(try o.children(of: "iv/a/journey").map(\.key) == ["iv/a/journey/0000000000000010"])
        #expect(o.writes.keys.sorted() == ["acct/b"])
        // A committed savepoint keeps everything.
        o.beginSavepoint()
        o.put("acct/d", ["n": 4])
        o.commitSavepoint()
        #expect(try o.get("acct/d") == ["n": 4])
    }
}
