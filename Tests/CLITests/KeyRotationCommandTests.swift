import Foundation
import Testing
import LedgerCore
import CarbonLedger
import LedgerStore
import TestSupport

/// `cledger rotate-key` as an operator runs it: the key files, proofs across the rotation with
/// the trusted keys, recovery from a crash between the commit and the key file swap, and a
/// mirror pinned to the old key following the rotation.
@Suite(.serialized) struct KeyRotationCommandTests {
    func info(_ dir: String) throws -> JSONValue {
        try JSONParser.parse(Array(try CLI.run(["info", "--dir", dir, "--json"]).stdout.utf8))
    }

    @Test func rotateKeyEndToEnd() throws {
        let d = TempDir()
        let dir = d.sub("L")
        try CLI.run(["keygen", "--name", "registry-2026", "--out", d.sub("k1.key")])
        try CLI.run(["keygen", "--name", "registry-2027", "--out", d.sub("k2.key")])
        let k1 = try LedgerDirectory.readSigningKey(d.sub("k1.key")).verifierKey, k2 = try LedgerDirectory.readSigningKey(d.sub("k2.key")).verifierKey
        #expect(try CLI.run(["init", "--dir", dir, "--origin", "rotate.test/log", "--key", d.sub("k1.key")]).status == 0)
        #expect(try CLI.tool(["stress-append", "--dir", dir, "--batches", "3", "--events-per-batch", "5"]).status == 0)

        // Served, and mirrored by a replica that pins the first key.
        let server = try ServerProcess(dir: dir)
        let m1 = try CLI.run(["mirror", "--from", server.base + "/", "--dir", d.sub("replica"), "--key", k1.description])
        #expect(m1.status == 0, "\(m1.stderr)")
        #expect(server.stop() == 0)

        let same = try CLI.run(["rotate-key", "--dir", dir, "--new-key", d.sub("k1.key"), "--reason", "no change"])
        #expect(same.status == 1 && same.stderr.contains("already the registry key"), "\(same.stderr)")
        let r = try CLI.run(["rotate-key", "--dir", dir, "--new-key", d.sub("k2.key"), "--reason", "annual rotation"])
        #expect(r.status == 0 && r.stdout.contains("registry key rotated at seq 16"), "\(r.stdout)\(r.stderr)")
        #expect(try LedgerDirectory.readSigningKey(LedgerDirectory.keyPath(dir)).verifierKey == k2)
        let retired = dir + "/registry-retired-registry-2026-\(String(format: "%08x", k1.keyHash)).key"
        #expect(try LedgerDirectory.readSigningKey(retired).verifierKey == k1)
        #expect(!FileManager.default.fileExists(atPath: LedgerDirectory.nextKeyPath(dir)))
        #expect(try info(dir)["registry_key"]?.stringValue == k2.description)
        #expect(try CLI.tool(["stress-append", "--dir", dir, "--batches", "2", "--events-per-batch", "5"]).status == 0)

        // Proofs across the rotation: trusted with both keys, not with the old one alone.
        try CLI.run(["proof", "consistency", "--dir", dir, "--from", "1"]).stdout.write(toFile: d.sub("cons.json"), atomically: true, encoding: .utf8)
        let oldOnly = try CLI.run(["proof", "verify", d.sub("cons.json"), "--key", k1.description])
        #expect(oldOnly.status == 1 && oldOnly.stderr.contains("INVALID"), "\(oldOnly.stderr)")
        let both = try CLI.run(["proof", "verify", d.sub("cons.json"), "--key", k1.description, "--key", k2.description])
        #expect(both.status == 0 && both.stdout.contains("consistency proof valid"), "\(both.stderr)")
        try CLI.run(["proof", "inclusion", "--dir", dir, "--seq", "3"]).stdout.write(toFile: d.sub("inc.json"), atomically: true, encoding: .utf8)
        #expect(try CLI.run(["proof", "verify", d.sub("inc.json"), "--key", k2.description]).status == 0)
        #expect(try CLI.run(["verify", "--dir", dir]).status == 0)

        // The mirror, still pinned to the old key, follows the rotation through the log.
        let server2 = try ServerProcess(dir: dir)
        let m2 = try CLI.run(["mirror", "--from", server2.base + "/", "--dir", d.sub("replica"), "--key", k1.description])
        #expect(m2.status == 0, "\(m2.stderr)")
        #expect(try info(d.sub("replica"))["registry_key"]?.stringValue == k2.description)
        #expect(try info(d.sub("replica"))["checkpoint"] == (try info(dir))["checkpoint"])
        #expect(try CLI.run(["verify", "--dir", d.sub("replica")]).status == 0)
        #expect(server2.stop() == 0)
    }

    @Test func crashBetweenTheCommitAndTheKeySwapIsRepaired() throws {
        let d = TempDir()
        let dir = d.sub("L")
        try CLI.run(["keygen", "--name", "registry-a", "--out", d.sub("a.key")])
        try CLI.run(["keygen", "--name", "registry-b", "--out", d.sub("b.key")])
        #expect(try CLI.run(["init", "--dir", dir, "--origin", "rotate.test/crash", "--key", d.sub("a.key")]).status == 0)
        #expect(try CLI.run(["rotate-key", "--dir", dir, "--new-key", d.sub("b.key"), "--reason", "rotation"]).status == 0)
        // Put the files back as they were when the commit had happened but the swap had not.
        let fm = FileManager.default
        try fm.moveItem(atPath: LedgerDirectory.keyPath(dir), toPath: LedgerDirectory.nextKeyPath(dir))
        let retired = try fm.contentsOfDirectory(atPath: dir).first { $0.hasPrefix("registry-retired-") }!
        try fm.moveItem(atPath: dir + "/" + retired, toPath: LedgerDirectory.keyPath(dir))
        let w = try CLI.tool(["stress-append", "--dir", dir, "--batches", "1"])
        #expect(w.status == 0, "\(w.stderr)")
        #expect(try LedgerDirectory.readSigningKey(LedgerDirectory.keyPath(dir)).verifierKey == (try LedgerDirectory.readSigningKey(d.sub("b.key"))).verifierKey)
        #expect(!fm.fileExists(atPath: LedgerDirectory.nextKeyPath(dir)))
        #expect(try CLI.run(["verify", "--dir", dir]).status == 0)
    }
}
