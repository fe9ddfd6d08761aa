import Testing
@testable import LedgerCore
import TestSupport

/// Leaf hashes begun before sequencing (`LeafPrefixes`) are the leaf hashes of the entries as
/// appended: same bytes, same hashes, whatever the events, seqs, times and chain.
@Suite struct LeafPrefixesTests {
    @Test func begunHashesEqualWholeHashes() throws {
        var rng = SplitMix64(seed: 23)
        let key = try NoteSigningKey.generate(name: "prefixes")
        let texts = ["", "a", "地铁 metro \u{1}\"\\", String(repeating: "x", count: 55), String(repeating: "y", count: 64), String(repeating: "z", count: 700)]
        for round in 0..<40 {
            let count = Int.random(in: 1...12, using: &rng)
            let events: [JSONValue] = (0..<count).map { i in
                ["type": "note", "text": .string(texts[(round + i) % texts.count] + String(round * 100 + i))]
            }
            let sub = try Submission.Unsigned(events: events).signed(by: key, origin: "prefixes.test")
            let begun = sub.withLeafPrefixes()
            #expect(begun.leafPrefixes?.count == count)
            let firstSeq = UInt64.random(in: 0...9_007_199_254_740_991, using: &rng)
            let prev = Digest(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })!
            let time = Timestamp(millisecondsSinceEpoch: Int64.random(in: 0...253_402_300_799_999, using: &rng))
            let plain = SubmissionEntries(sub, firstSeq: firstSeq, prev: prev, time: time, hasher: MerkleHasher())
            let fast = SubmissionEntries(begun, firstSeq: firstSeq, prev: prev, time: time, hasher: MerkleHasher())
            #expect(fast.bytes == plain.bytes && fast.leafHashes == plain.leafHashes)
            let whole = MerkleHasher()
            #expect(fast.leafHashes == fast.bytes.map { whole.leafHash($0) })
        }
    }
}
