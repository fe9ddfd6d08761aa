import Testing
import LedgerCore

/// Entries back into submissions, as every replay of a log does: a genuine log assembles, and
/// each way entries can fail to be a log is named at the entry at fault.
@Suite struct SubmissionAssemblerTests {
    static let key = try! NoteSigningKey(name: "assembler-test", privateKey: Ed25519PrivateKey(seed: Array(repeating: 7, count: 32)))
    static let origin = "carbonledger.example/assembler"
    let hasher = MerkleHasher()

    /// Entries of submissions of `sizes` events, committed one millisecond apart.
    func log(_ sizes: [Int]) throws -> [(entry: Entry, leaf: Digest)] {
        var out: [(Entry, Digest)] = []
        var head = Digest.zero
        for (n, size) in sizes.enumerated() {
            let events: [JSONValue] = (0..<size).map { ["type": "note", "text": .string("submission \(n) event \($0)")] }
            let sub = try Submission.Unsigned(events: events).signed(by: Self.key, origin: Self.origin)
            let built = SubmissionEntries(sub, firstSeq: UInt64(out.count), prev: head, time: Timestamp(millisecondsSinceEpoch: 1_000 + Int64(n)), hasher: hasher)
            for (b, leaf) in zip(built.bytes, built.leafHashes) { out.append((try Entry.decode(b), leaf)) }
            head = built.head
        }
        return out
    }

    /// An entry given as a value, its event encoded again (a test changes entries to make ones
    /// that are not a log).
    func decoded(_ e: (entry: Entry, leaf: Digest)) -> DecodedEntry { DecodedEntry(entry: e.entry, leafHash: e.leaf, hasher: hasher) }

    /// The fault assembling `entries` gives, or nil.
    func fault(_ entries: [(entry: Entry, leaf: Digest)]) -> SubmissionAssembler.Fault? {
        var a = SubmissionAssembler()
        do throws(SubmissionAssembler.Fault) {
            for e in entries { _ = try a.add(decoded(e)) }
            return nil
        } catch { return error }
    }

    @Test func aGenuineLogAssemblesIntoItsSubmissions() throws {
        let entries = try log([1, 3, 2])
        var a = SubmissionAssembler()
        var done: [SubmissionAssembler.Assembled] = []
        for (i, e) in entries.enumerated() {
            if let s = try a.add(decoded(e)) { done.append(s) }
            #expect(a.next == UInt64(i + 1) && a.head == e.leaf && a.lastTime == e.entry.time)
            if i == 2 { #expect(a.incomplete?.firstSeq == 1 && a.incomplete?.taken == 2 && a.incomplete?.count == 3) }
        }
        #expect(done.map(\.firstSeq) == [0, 1, 4] && done.map(\.leafHashes.count) == [1, 3, 2] && a.incomplete == nil)
        #expect(done[1].leafHashes == entries[1...3].map(\.leaf) && done[1].submission.hasValidSignature(origin: Self.origin))
        #expect(done[2].time == Timestamp(millisecondsSinceEpoch: 1_002))
        // Resumed where an earlier run stopped, it takes the rest.
        var resumed = SubmissionAssembler(next: 4, head: entries[3].leaf, lastTime: entries[3].entry.time)
        #expect(try resumed.add(decoded(entries[4])) == nil)
        #expect(try resumed.add(decoded(entries[5]))?.firstSeq == 4)
    }

    /// A replay assembles stored bytes (`DecodedEntry`: the event's bytes a slice of the entry's,
    /// hashed with it), the same submissions as from the entries as values, whose events are
    /// encoded again.
    @Test func storedBytesAssembleAsTheEntriesDo() throws {
        var bytes: [[UInt8]] = []
        var head = Digest.zero
        for (n, size) in [1, 3, 2].enumerated() {
            let events: [JSONValue] = (0..<size).map { ["type": "note", "text": .string("é \"\(n)\" \($0)"), "n": .int(Int64($0))] }
            let sub = try Submission.Unsigned(events: events).signed(by: Self.key, origin: Self.origin)
            let built = SubmissionEntries(sub, firstSeq: UInt64(bytes.count), prev: head, time: Timestamp(millisecondsSinceEpoch: 5), hasher: hasher)
            bytes += built.bytes
            head = built.head
        }
        var fromBytes = SubmissionAssembler(), fromValues = SubmissionAssembler()
        var roots: [Digest] = []
        for b in bytes {
            let d = try DecodedEntry(b, hasher: hasher)
            #expect(d.eventBytes == CanonicalJSON.encode(d.entry.event) && d.eventLeafHash == hasher.leafHash(d.eventBytes) && d.leafHash == hasher.leafHash(b))
            let a = try fromBytes.add(d), v = try fromValues.add(DecodedEntry(entry: d.entry, leafHash: d.leafHash, hasher: hasher))
            #expect(a?.submission.root == v?.submission.root && a?.submission.eventBytes == v?.submission.eventBytes)
            if let a { roots.append(a.submission.root) }
        }
        #expect(roots.count == 3)
    }

    func expectFault(_ entries: [(entry: Entry, leaf: Digest)], _ kind: SubmissionAssembler.Fault.Kind, at seq: UInt64, _ words: String,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        let f = fault(entries)
        #expect(f?.kind == kind && f?.seq == seq && f?.reason.contains(words) == true, "\(String(describing: f))", sourceLocation: sourceLocation)
    }

    @Test func eachFaultIsNamedAtTheEntryAtFault() throws {
        let good = try log([1, 3, 2])
        #expect(fault(good) == nil)
        var moved = good
        moved.swapAt(4, 5)
        expectFault(moved, .position, at: 4, "says seq 5")
        var other = good
        other[2].entry.prev = Digest(bytes: [UInt8](repeating: 9, count: 32))!
        expectFault(other, .chain, at: 2, "hash chain is broken")
        var early = good
        early[4].entry.time = Timestamp(millisecondsSinceEpoch: 999)
        expectFault(early, .structure, at: 4, "earlier")
        // A submission's entries at two times, one starting inside another, one continuing none.
        var split = good
        split[3].entry.time = Timestamp(millisecondsSinceEpoch: 1_005)
        expectFault(split, .structure, at: 3, "one time")
        var cut = good
        cut[3].entry.sub.index = 0
        expectFault(cut, .structure, at: 3, "a new submission starts")
        var orphan = good
        orphan[4].entry.sub.index = 1
        expectFault(orphan, .structure, at: 4, "does not continue")
        // An event changed under its submission's root: named at the submission's first entry.
        var changed = good
        changed[2].entry.event = ["type": "note", "text": "changed"]
        expectFault(changed, .structure, at: 1, "does not match its events")
        var unsigned = good
        unsigned[4].entry.sub.signer = nil
        expectFault(unsigned, .structure, at: 4, "no signer")
        // A log that stops inside a submission assembles no further, and says so.
        var a = SubmissionAssembler()
        for e in good.prefix(3) { _ = try a.add(decoded(e)) }
        #expect(a.incomplete?.firstSeq == 1 && a.incomplete?.taken == 2)
    }
}
