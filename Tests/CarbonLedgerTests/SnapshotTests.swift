import Foundation
import Testing
import LedgerCore
import LedgerStore
import TestSupport

/// Snapshots are refused unless whole and the log's (Sources/LedgerStore/Snapshot.swift): a
/// torn or damaged file, or one of another history, is passed over for an older one, and with
/// none the caller replays the whole log. Never a wrong state.
@Suite struct SnapshotTests {
    static let headA = MerkleHasher().leafHash(Array("a".utf8)), headB = MerkleHasher().leafHash(Array("b".utf8))

    func snapshot(_ seq: UInt64, _ text: String, head: Digest = headA) -> Snapshot {
        Snapshot(seq: seq, head: head, content: Array(text.utf8))
    }

    @Test func theNewestWholeSnapshotIsLoadedAndOnlyTheNewestAreKept() throws {
        let d = TempDir()
        let dir = SnapshotDirectory(path: d.sub("snapshots"), keep: 2)
        #expect(try dir.newest { _ in nil }.snapshot == nil, "a directory not yet made holds none")
        for (seq, text) in [(UInt64(5), "five"), (900, "nine hundred"), (12_000, "twelve thousand")] { try dir.write(snapshot(seq, text)) }
        #expect(try dir.files().map(\.seq) == [12_000, 900])
        let (s, rejected) = try dir.newest { _ in nil }
        #expect(s == snapshot(12_000, "twelve thousand") && rejected.isEmpty)
        // Names that are not a snapshot's, and what a crash before the rename leaves, are not read.
        try Data("x".utf8).write(to: URL(fileURLWithPath: d.sub("snapshots/.snapshot-00000000000000099999.tmp")))
        try Data("x".utf8).write(to: URL(fileURLWithPath: d.sub("snapshots/snapshot-99999")))
        #expect(try dir.files().map(\.seq) == [12_000, 900])
        // An empty content is a snapshot too (a state with nothing in it).
        try dir.write(snapshot(20_000, ""))
        #expect(try dir.newest { _ in nil }.snapshot == snapshot(20_000, ""))
    }

    /// Every way of cutting the newest file short, and every single-bit flip anywhere in it,
    /// is refused with a reason, and the one before it is loaded instead.
    @Test func aTornOrDamagedSnapshotFallsBackToTheOneBefore() throws {
        let d = TempDir()
        let dir = SnapshotDirectory(path: d.sub("s"))
        try dir.write(snapshot(7, "older state"))
        let newest = snapshot(42, "{\"acct/p-1\":{\"credited_mg\":48000}}")
        let path = try dir.write(newest)
        let good = newest.encoded()
        #expect(try Snapshot(decoding: good) == newest)
        var variants: [(String, [UInt8])] = (0..<good.count).map { ("cut at \($0)", Array(good[..<$0])) }
        variants.append(("appended to", good + [0x0A]))
        for i in good.indices {
            for bit in [UInt8(0x01), 0x20, 0x80] {
                var b = good
                b[i] ^= bit
                variants.append(("byte \(i) ^ \(bit)", b))
            }
        }
        for (what, bytes) in variants {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let (s, rejected) = try dir.newest { _ in nil }
            #expect(s == snapshot(7, "older state"), "\(what): \(String(describing: s))")
            #expect(rejected.count == 1 && rejected.first?.file.seq == 42 && rejected.first?.reason.isEmpty == false, "\(what)")
        }
        // Both gone bad: none, and the caller replays the log.
        try Data("carbonledger-snapshot/1\n".utf8).write(to: URL(fileURLWithPath: d.sub("s/snapshot-00000000000000000007")))
        let (none, rejected) = try dir.newest { _ in nil }
        #expect(none == nil && rejected.map(\.file.seq) == [42, 7])
        #expect(rejected[1].reason.contains("torn before its header ended"), "\(rejected[1].reason)")
    }

    /// A whole snapshot of another history (its head is not the log's at its seq), or renamed to
    /// another seq, is passed over, saying why.
    @Test func aSnapshotOfAnotherHistoryIsPassedOver() throws {
        let d = TempDir()
        let dir = SnapshotDirectory(path: d.sub("s"), keep: 3)
        try dir.write(snapshot(10, "ours", head: Self.headA))
        try dir.write(snapshot(20, "a fork's", head: Self.headB))
        let (s, rejected) = try dir.newest { $0.head == Self.headA ? nil : "its head is not the log's at seq \($0.seq)" }
        #expect(s?.content == Array("ours".utf8) && rejected.map(\.reason) == ["its head is not the log's at seq 20"])
        try FileManager.default.moveItem(atPath: d.sub("s/snapshot-00000000000000000010"), toPath: d.sub("s/snapshot-00000000000000000030"))
        let (renamed, why) = try dir.newest { _ in nil }
        #expect(renamed?.seq == 20 && why.map(\.reason) == ["it holds seq 10, not the 30 of its name"])
    }

    @Test func aSnapshotThatCannotBeWrittenSaysWhereAndLeavesTheOthers() throws {
        let d = TempDir()
        let dir = SnapshotDirectory(path: d.sub("s"))
        try dir.write(snapshot(1, "one"))
        // A directory where the temporary file would go: the write fails, naming it.
        try FileManager.default.createDirectory(atPath: d.sub("s/.snapshot-00000000000000000002.tmp"), withIntermediateDirectories: true)
        #expect {
            try dir.write(snapshot(2, "two"))
        } throws: { e in
            "\(e)".contains(d.sub("s/.snapshot-00000000000000000002.tmp")) && "\(e)".contains("create failed")
        }
        #expect(try dir.newest { _ in nil }.snapshot == snapshot(1, "one"))
    }
}
