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
        let python = try CLI.run([Self.verifyTiles, d.sub("tiles"), key.description], executable: "/usr/bin/python3")
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

    /// `cledger serve` answers the export's paths with the export's bytes, so a tlog client
    /// whose base URL is the server reads the same tree; the checkpoint moves with the log.
    @Test func theServerAnswersTheSamePathsWithTheSameBytes() throws {
        let d = TempDir()
        #expect(try CLI.run(["demo", "--dir", d.sub("city"), "--residents", "120", "--days", "3"]).status == 0)
        let key = try NoteVerifierKey(try JSONParser.parse(Array(try CLI.run(["info", "--dir", d.sub("city"), "--json"]).stdout.utf8))["registry_key"]!.stringValue!)
        #expect(try CLI.run(["export", "tiles", "--dir", d.sub("city"), "--out", d.sub("tiles")]).status == 0)
        let (cp, _) = try read(d.sub("tiles"), key: key)
        let server = try ServerProcess(dir: d.sub("city"))
        defer { server.stop() }
        let checkpoint = try HTTP.get(server.base + "/checkpoint")
        let exported = try String(contentsOfFile: d.sub("tiles") + "/checkpoint", encoding: .utf8)
        #expect(checkpoint.status == 200 && checkpoint.text == exported)
        #expect(checkpoint.headers["cache-control"] == "no-cache")
        var served = 0
        func same(_ t: TileLayout.Tile) throws {
            let r = try HTTP.get(server.base + "/" + t.path)
            let file = FileManager.default.contents(atPath: d.sub("tiles") + "/" + t.path).map { [UInt8]($0) }
            #expect(r.status == 200 && r.body == file, "\(t.path): \(r.status)")
            #expect(r.headers["content-type"] == "application/octet-stream" && r.headers["cache-control"]?.contains("immutable") == true)
            served += 1
        }
        try TileLayout.forEachHashTile(size: cp.size, same)
        try TileLayout.forEachBundle(size: cp.size, same)
        #expect(served > 4)
        // A narrower partial tile is the first W hashes; one wider than the tree, or a path in
        // another spelling, is 404 with a JSON error.
        let edge = "tile/0/\(TileLayout.indexPath(cp.size / 256)).p/"
        let one = try HTTP.get(server.base + "/" + edge + "1")
        let full = try #require(FileManager.default.contents(atPath: d.sub("tiles") + "/" + edge + "\(cp.size % 256)"))
        #expect(one.status == 200 && one.body == Array(full.prefix(32)))
        for missing in [edge + "\(cp.size % 256 + 1)", "tile/0/\(TileLayout.indexPath(cp.size / 256 + 1))", "tile/0/0", "tile/9/000", "tile/entries", "tile/0/000.p/256"] {
            let r = try HTTP.get(server.base + "/" + missing)
            #expect(r.status == 404 && r.json["error"]?["rule"]?.stringValue == "not_found", "\(missing): \(r.status) \(r.text)")
        }
        #expect(try HTTP.get(server.base + "/tile/0/000?x=1").status == 400)
        // The project's reader written from the C2SP text reads the server as it reads a directory.
        let python = try CLI.run([Self.verifyTiles, server.base, key.description], executable: "/usr/bin/python3")
        #expect(python.status == 0 && python.stdout.contains("tree size \(cp.size)"), "\(python.stderr)")
        // A note later, the served checkpoint and right edge have moved on; the full tiles are the same.
        let signer = try LedgerDirectory.readSigningKey(LedgerDirectory.keyPath(d.sub("city")))
        let note = try Submission.Unsigned(events: [["type": "note", "text": "served as tiles"]]).signed(by: signer, origin: cp.origin)
        #expect(try HTTP.post(server.base + "/v1/submissions", CanonicalJSON.encode(note.json)).status == 200)
        let next = try Checkpoint.open(try HTTP.get(server.base + "/checkpoint").text, key: key)
        #expect(next.size == cp.size + 1)
        let grown = try CLI.run([Self.verifyTiles, server.base, key.description], executable: "/usr/bin/python3")
        #expect(grown.status == 0 && grown.stdout.contains("tree size \(cp.size + 1)"), "\(grown.stderr)")
    }

    static let verifyTiles = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Schemas/verify_tiles.py").path
}
