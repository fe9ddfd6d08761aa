import Foundation
import Testing
import LedgerCore
import CarbonLedger
import LedgerStore
import TestSupport

/// `cledger export tiles`: the directory a tlog client reads holds exactly the tree the signed
/// checkpoint commits to, recomputed here from the files alone, and a re-run adds only what the
/// log added.
@Suite struct TileExportTests {
    /// The leaf hashes, entries and checkpoint a client reads from `dir`, checked as it would:
    /// every entry hashes to its leaf, every level-1 hash is the MTH of its 256 leaves, and the
    /// leaves' MTH is the checkpoint's root.
    func read(_ dir: String, key: NoteVerifierKey) throws -> (Checkpoint, [Digest]) {
        let note = try String(contentsOfFile: dir + "/checkpoint", encoding: .utf8)
        let cp = try Checkpoint.open(note, key: key)
        let h = MerkleHasher()
        var leaves: [Digest] = []
        var entries: [[UInt8]] = []
        try TileLayout.forEachHashTile(size: cp.size) { t in
            let bytes = try #require(FileManager.default.contents(atPath: dir + "/" + t.path), "missing \(t.path)")
            #expect(bytes.count == 32 * t.width, "\(t.path) holds \(bytes.count) bytes")
            let hashes = stride(from: 0, to: bytes.count, by: 32).map { Digest(bytes: Array(bytes[$0..<$0 + 32]))! }
            if t.level == 0 { leaves += hashes }
            if t.level == 1 {
                for (i, hash) in hashes.enumerated() {
                    let first = (Int(t.index) * 256 + i) * 256
                    #expect(hash == h.root(ofLeafHashes: Array(leaves[first..<first + 256])), "\(t.path)[\(i)]")
                }
            }
        }
        try TileLayout.forEachBundle(size: cp.size) { t in
            var bytes = try #require(FileManager.default.contents(atPath: dir + "/" + t.path).map { [UInt8]($0) }, "missing \(t.path)")
            var n = 0
            while !bytes.isEmpty {
                let len = Int(bytes[0]) << 8 | Int(bytes[1])
                entries.append(Array(bytes[2..<2 + len]))
                bytes.removeFirst(2 + len)
                n += 1
            }
            #expect(n == t.width, "\(t.path) holds \(n) entries")
        }
        #expect(entries.count == Int(cp.size) && leaves.count == Int(cp.size))
        for (i, e) in entries.enumerated() {
            let seq = try Entry.decode(e).seq
            #expect(h.leafHash(e) == leaves[i] && seq == UInt64(i), "entry \(i)")
        }
        #expect(h.root(ofLeafHashes: leaves) == cp.root)
        return (cp, leaves)
    }

    @Test func theTilesHoldTheSignedTreeAndARerunAddsOnlyWhatIsNew() throws {
        let d = TempDir()
        let demo = try CLI.run(["demo", "--dir", d.sub("city"), "--residents", "120", "--days", "3"])
        #expect(demo.status == 0, "\(demo.stderr)")
        let key = try NoteVerifierKey(try JSONParser.parse(Array(try CLI.run(["info", "--dir", d.sub("city"), "--json"]).stdout.utf8))["registry_key"]!.stringValue!)
        let first = try CLI.run(["export", "tiles", "--dir", d.sub("city"), "--out", d.sub("tiles")])
        #expect(first.status == 0 && first.stdout.contains("0 full tiles and bundles kept"), "\(first.stdout) \(first.stderr)")
        let (cp, _) = try read(d.sub("tiles"), key: key)
        #expect(cp.size > 512, "the demo gives several full tiles (\(cp.size) entries)")
        #expect(FileManager.default.fileExists(atPath: d.sub("tiles") + "/tile/0/000") && FileManager.default.fileExists(atPath: d.sub("tiles") + "/tile/entries/001"))
        #expect(FileManager.default.fileExists(atPath: d.sub("tiles") + "/tile/1/000.p/\(cp.size / 256)"))
        // The project's reader written from the C2SP text (Python) agrees, over full and partial tiles of two levels.
        let schemas = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Schemas/verify_tiles.py").path
        let python = try CLI.run([schemas, d.sub("tiles"), key.description], executable: "/usr/bin/python3")
        #expect(python.status == 0 && python.stdout.contains("tree size \(cp.size)"), "verify_tiles.py (scripts/setup.sh installs its cryptography package): \(python.stderr)")

        // A note later, the full tiles stay; the right edge and the checkpoint move on.
        let registry = d.sub("city") + "/registry.key"
        let note = d.write("note.json", #"{"events":[{"type":"note","text":"published as tiles"}]}"#)
        #expect(try CLI.run(["submit", "--dir", d.sub("city"), "--sign", registry, note]).status == 0)
        let again = try CLI.run(["export", "tiles", "--dir", d.sub("city"), "--out", d.sub("tiles")])
        let fullBefore = Int(cp.size / 256) * 2
        #expect(again.status == 0 && again.stdout.contains("\(fullBefore) full tiles and bundles kept"), "\(again.stdout)")
        let (next, _) = try read(d.sub("tiles"), key: key)
        #expect(next.size == cp.size + 1)
        // The published checkpoint is consistent with the earlier one, by a proof the ledger gives.
        #expect(try CLI.run(["verify", "--dir", d.sub("city")]).status == 0)
        #expect(try CLI.run(["export", "tiles", "--dir", d.sub("nope"), "--out", d.sub("t2")]).status != 0)
    }
}
