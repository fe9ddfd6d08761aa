import Foundation
import Testing
import LedgerCore
import LedgerStore
@testable import CarbonLedger
import TestSupport

/// Disk faults, with the real binary on real files: a full filesystem, a file size limit, a
/// read-only filesystem, a truncated and a corrupted data file. A refused write must say why and
/// change nothing; nothing acknowledged may be lost; `verify` must name where a damaged file
/// goes wrong, never crash silently, and never pass a file whose content changed.
@Suite(.serialized) struct DiskFaultTests {
    static let isRoot = getuid() == 0

    /// Runs a shell script (for `ulimit` and `mount`); returns its status and output.
    @discardableResult
    static func sh(_ script: String) throws -> CLI.Output {
        try CLI.run(["-c", script], executable: "/bin/bash")
    }

    static func newLedger(_ dir: String, keyDir: TempDir) throws {
        try CLI.run(["keygen", "--name", "reg", "--out", keyDir.sub("reg.key")])
        let r = try CLI.run(["init", "--dir", dir, "--origin", "disk.test/log", "--key", keyDir.sub("reg.key"), "--report-days", "366", "--reversal-days", "366"])
        #expect(r.status == 0, "\(r.stderr)")
    }

    static func readOnly(_ dir: String) throws -> Ledger {
        var o = LMDBOptions()
        o.readOnly = true
        return try Ledger(directory: dir, options: o)
    }

    /// The submissions `stress-append` acknowledged (its `ack FIRST LAST ROOT` lines).
    static func acks(_ stdout: String) -> [CrashTests.Ack] {
        stdout.split(separator: "\n").compactMap { CrashTests.parseAck(String($0)) }
    }

    /// Writes until the filesystem (or the size limit) refuses, then checks that the refusal was
    /// clear, that every acknowledged submission is there, that the log verifies, that a further
    /// submission is refused without change, and that writing resumes once there is room.
    static func fillUntilRefused(dir: String, launcher: String, expecting reasons: [String], makeRoom: () throws -> Void) throws {
        // Two clients: the commit that fails has the next batch prepared over it, which must
        // not be written either.
        let run = try sh("\(launcher) exec '\(CLI.tools)' stress-append --dir '\(dir)' --batches 5000 --events-per-batch 40 --clients 2")
        #expect(run.status == 1 && !run.signalled, "status \(run.status): \(run.stderr)")
        #expect(reasons.contains { run.stderr.contains($0) }, "unclear refusal: \(run.stderr)")
        #expect(run.stderr.contains("Nothing of this commit was written"), "\(run.stderr)")
        let acked = acks(run.stdout)
        #expect(acked.count > 5, "the disk filled before anything was written")

        let verify = try CLI.run(["verify", "--dir", dir])
        #expect(verify.status == 0, "verify after the refusal: \(verify.stderr)")
        let sizeBefore = try Self.readOnly(dir).info().size
        let found: [UInt64?] = try Self.readOnly(dir).store.read { r in try acked.map { try r.firstSeq(ofSubmission: $0.root) } }
        for (a, f) in zip(acked, found) { #expect(f == a.first, "acknowledged submission at \(a.first) lost") }
        // Still full: another writer is refused the same way and changes nothing.
        let again = try sh("\(launcher) exec '\(CLI.tools)' stress-append --dir '\(dir)' --batches 50 --events-per-batch 40")
        #expect(again.status == 1 && !again.signalled && reasons.contains { again.stderr.contains($0) }, "\(again.stderr)")
        #expect(try Self.readOnly(dir).info().size == sizeBefore, "a refused write changed the ledger")

        try makeRoom()
        let resumed = try CLI.tool(["stress-append", "--dir", dir, "--batches", "3", "--events-per-batch", "40"])
        #expect(resumed.status == 0 && acks(resumed.stdout).count == 3, "\(resumed.stderr)")
        #expect(try CLI.run(["verify", "--dir", dir]).status == 0)
    }

    @Test func fullFilesystemRefusesTheCommitAndLosesNothing() throws {
        let keys = TempDir(), mnt = TempDir()
        if Self.isRoot {
            // A real full disk: a 3 MiB tmpfs.
            #expect(try Self.sh("mount -t tmpfs -o size=3m carbonledger-full '\(mnt.path)'").status == 0)
            defer { _ = try? Self.sh("umount '\(mnt.path)'") }
            try Self.newLedger(mnt.sub("L"), keyDir: keys)
            try Self.fillUntilRefused(dir: mnt.sub("L"), launcher: "", expecting: ["No space left on device", "Input/output error"]) {
                let grown = try Self.sh("mount -o remount,size=64m '\(mnt.path)'")
                #expect(grown.status == 0)
            }
        } else {
            // Without root no filesystem can be mounted; the size limit below is the same fault
            // as seen by the writer (a short write, then an error from the kernel).
            try Self.newLedger(mnt.sub("L"), keyDir: keys)
            try Self.fillUntilRefused(dir: mnt.sub("L"), launcher: "trap '' XFSZ; ulimit -f 3072;", expecting: ["File too large", "Input/output error"]) {}
        }
    }

    @Test func fileSizeLimitRefusesTheCommitAndLosesNothing() throws {
        let keys = TempDir(), d = TempDir()
        try Self.newLedger(d.sub("L"), keyDir: keys)
        // ulimit -f counts 1 KiB blocks; SIGXFSZ is ignored so the write fails with EFBIG.
        try Self.fillUntilRefused(dir: d.sub("L"), launcher: "trap '' XFSZ; ulimit -f 2048;", expecting: ["File too large", "Input/output error"]) {}
    }

    /// The state's filesystem fills before the log's: a commit's log is durable but its state
    /// is not written. Nothing committed is lost, the next batches are refused naming the
    /// state's directory, `verify` compares the state where it stands, and the next writer with
    /// room replays what the state missed.
    @Test func stateWriteRefusedAfterItsLogCommitIsCaughtUpLater() throws {
        let keys = TempDir(), d = TempDir()
        let dir = d.sub("L")
        try Self.newLedger(dir, keyDir: keys)
        // The state environment on a small filesystem of its own. (A file size limit, the same
        // for every file, no longer stops the state first: behaviour reports make about as much
        // state as log since the behaviours' records are the rules checkpoint's alone.)
        guard Self.isRoot else {
            Issue.record("filling the state's filesystem alone needs root (a tmpfs mounted on \(LogStore.stateDirectory)/)")
            return
        }
        let state = dir + "/" + LogStore.stateDirectory
        #expect(try Self.sh("mount -t tmpfs -o size=8m carbonledger-state '\(state)'").status == 0)
        defer { _ = try? Self.sh("umount '\(state)'") }
        let run = try Self.sh("exec '\(CLI.tools)' stress-append --dir '\(dir)' --workload behaviour --batches 40 --residents 2000 --clients 2 --report")
        #expect(run.status == 1 && !run.signalled, "status \(run.status): \(run.stderr)")
        // ENOSPC, or EIO when a write is cut short (LMDB reports short writes as EIO).
        #expect(["No space left on device", "Input/output error"].contains { run.stderr.contains("\(state): \($0)") }, "\(run.stderr)")
        let sizes = { () throws -> (log: UInt64, state: UInt64) in
            try Self.readOnly(dir).store.read { r in (try r.metaU64(.size) ?? 0, try r.stateSize()) }
        }
        let behind = try sizes()
        #expect(behind.state <= behind.log && behind.log > 10_000, "\(behind)")
        let verify = try CLI.run(["verify", "--dir", dir])
        #expect(verify.status == 0, "\(verify.stderr)")
        // The state's writes run after the log's, on the projector's thread: whether the last of
        // them found room (pages the full filesystem's file had freed) depends on the moment.
        // Where the state trails the log, verify compares it where it stands and says so.
        #expect(behind.state == behind.log || verify.stdout.contains("the projections reflect the first \(behind.state) entries"), "\(verify.stdout)")

        #expect(try Self.sh("mount -o remount,size=64m '\(state)'").status == 0)
        let resumed = try CLI.tool(["stress-append", "--dir", dir, "--batches", "3", "--events-per-batch", "40"])
        #expect(resumed.status == 0 && Self.acks(resumed.stdout).count == 3, "\(resumed.stderr)")
        let caughtUp = try sizes()
        #expect(caughtUp.state == caughtUp.log && caughtUp.log == behind.log + 120)
        let again = try CLI.run(["verify", "--dir", dir])
        #expect(again.status == 0 && !again.stdout.contains("the projections reflect"), "\(again.stdout)\(again.stderr)")
    }

    @Test func readOnlyFilesystemRefusesWritesButStillVerifies() throws {
        let keys = TempDir(), d = TempDir(), ro = TempDir()
        try Self.newLedger(d.sub("L"), keyDir: keys)
        #expect(try CLI.tool(["stress-append", "--dir", d.sub("L"), "--batches", "5", "--events-per-batch", "20"]).status == 0)
        let dir: String
        if Self.isRoot {
            // Root ignores file modes, so use a read-only bind mount (EROFS).
            #expect(try Self.sh("mount --bind '\(d.sub("L"))' '\(ro.path)' && mount -o remount,bind,ro '\(ro.path)'").status == 0)
            dir = ro.path
        } else {
            #expect(try Self.sh("chmod 500 '\(d.sub("L"))' && chmod 400 '\(d.sub("L"))'/*.mdb").status == 0)
            dir = d.sub("L")
        }
        defer { if Self.isRoot { _ = try? Self.sh("umount '\(ro.path)'") } else { _ = try? Self.sh("chmod -R u+w '\(d.sub("L"))'") } }
        let size = try CLI.run(["info", "--dir", dir])
        #expect(size.status == 0 && size.stdout.contains("size: 101"), "\(size.stdout)\(size.stderr)")
        let write = try CLI.tool(["stress-append", "--dir", dir, "--batches", "1"])
        #expect(write.status != 0 && !write.signalled, "a write on a read-only filesystem: \(write.status) \(write.stderr)")
        #expect(write.stderr.contains(Self.isRoot ? "Read-only file system" : "Permission denied"), "\(write.stderr)")
        let verify = try CLI.run(["verify", "--dir", dir])
        #expect(verify.status == 0, "read-only verify: \(verify.stderr)")
        // Without permission to write the lock file the reader says it went without it.
        #expect(Self.isRoot || verify.stderr.contains("opened without LMDB's lock"), "\(verify.stderr)")
        #expect(try CLI.run(["info", "--dir", dir]).stdout.contains("size: 101"))
    }

    /// A demo city (entries, tree nodes, checkpoints and projections) to damage.
    static func demo(_ d: TempDir) throws -> String {
        let r = try CLI.run(["demo", "--dir", d.sub("city"), "--residents", "30", "--days", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        return d.sub("city")
    }

    static func copy(_ from: String, _ to: String) throws {
        try? FileManager.default.removeItem(atPath: to)
        try FileManager.default.copyItem(atPath: from, toPath: to)
    }

    @Test func truncatedDataFileIsReportedNotCrashed() throws {
        let d = TempDir()
        let city = try Self.demo(d)
        let data = city + "/data.mdb"
        let original = try Self.logicalDump(city)
        let size = try FileManager.default.attributesOfItem(atPath: data)[.size] as! Int
        var passed = 0, refused = 0
        for cut in [0, 4096, 3 * 4096, size / 3, size / 2, size - 4096] {
            try Self.copy(city, d.sub("cut"))
            #expect(truncate(d.sub("cut") + "/data.mdb", off_t(cut)) == 0)
            let v = try CLI.run(["verify", "--dir", d.sub("cut")])
            #expect(!v.signalled, "truncated to \(cut) of \(size) bytes: verify crashed: \(v.stderr)")
            if v.status == 0 {
                // Only pages past the last one in use were cut.
                #expect(try Self.logicalDump(d.sub("cut")) == original, "truncated to \(cut): verify passed a changed ledger")
                passed += 1
            } else {
                #expect(v.stderr.hasPrefix("Error: "), "truncated to \(cut): \(v.stderr)")
                refused += 1
            }
        }
        #expect(refused >= 4, "only \(refused) truncations refused")
        // The typed error names the truncation itself.
        try Self.copy(city, d.sub("cut"))
        #expect(truncate(d.sub("cut") + "/data.mdb", off_t(size / 2)) == 0)
        let half = try CLI.run(["verify", "--dir", d.sub("cut")])
        #expect(half.status == 1 && half.stderr.contains("is truncated"), "\(half.stderr)")
        print("truncation: cuts=6 refused=\(refused) passed_unchanged=\(passed)")
    }

    /// Every database verify vouches for (all but the refused-submission log), key and value.
    static func logicalDump(_ dir: String) throws -> [[UInt8]] {
        var o = LMDBOptions()
        o.readOnly = true
        let store = try LogStore(path: dir, options: o)
        return try store.read { r in
            var out: [[UInt8]] = []
            for (txn, db) in [(r.txn, store.entries), (r.txn, store.nodes), (r.txn, store.submissions), (r.txn, store.checkpoints),
                              (r.txn, store.meta), (r.stateTxn, store.state)] {
                try txn.scan(db, from: nil) { k, v in out.append(Array(db.name.utf8) + [0] + Array(k) + [0] + Array(v)); return true }
            }
            return out
        }
    }

    @Test func corruptedDataFileSweep() throws {
        let d = TempDir()
        let city = try Self.demo(d)
        let original = try Self.logicalDump(city)
        // The log's data file and the state's, in turn.
        let files = ["data.mdb", LogStore.stateDirectory + "/data.mdb"]
        let sizes = try files.map { try FileManager.default.attributesOfItem(atPath: city + "/" + $0)[.size] as! Int }
        var rng = SplitMix64(seed: 20261121)
        var detected = 0, crashedReported = 0, harmless = 0
        let flips = Int(ProcessInfo.processInfo.environment["CARBONLEDGER_CORRUPTION_FLIPS"] ?? "") ?? 60
        for i in 0..<flips {
            try Self.copy(city, d.sub("bad"))
            let file = i % 2, size = sizes[file]
            // Two thirds anywhere, one third in page headers (where LMDB itself can fault).
            let offset = i % 3 == 2 ? Int.random(in: 0..<(size / 4096), using: &rng) * 4096 + Int.random(in: 0..<16, using: &rng)
                                    : Int.random(in: 0..<size, using: &rng)
            let bit = UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
            let h = try #require(FileHandle(forUpdatingAtPath: d.sub("bad") + "/" + files[file]))
            try h.seek(toOffset: UInt64(offset))
            let b = try #require(try h.read(upToCount: 1)).first!
            try h.seek(toOffset: UInt64(offset))
            try h.write(contentsOf: [b ^ bit])
            try h.close()
            let v = try CLI.run(["verify", "--dir", d.sub("bad")])
            #expect(!v.signalled, "flip at \(offset) of \(files[file]): verify crashed without a report")
            switch v.status {
            case 0:
                // Passed: then nothing verify vouches for may have changed (the flip hit free
                // space, page slack or a field LMDB does not use).
                let dumped = try Self.logicalDump(d.sub("bad"))
                // The records that differ, printable, to say what verify missed.
                let diff = Set(dumped).symmetricDifference(Set(original)).map { (original.contains($0) ? "was " : "now ") + $0.prefix(24).map { String($0, radix: 16) }.joined(separator: " ") + " " + String(decoding: $0.map { $0 < 32 || $0 > 126 ? UInt8(ascii: ".") : $0 }, as: UTF8.self).prefix(300) }
                #expect(dumped == original, "flip at \(offset) of \(files[file]) changed the ledger and verify did not notice: \(diff.sorted())")
                harmless += 1
            case 1:
                #expect(v.stderr.contains("FAIL at seq") || v.stderr.contains("Error:"), "flip at \(offset) of \(files[file]): \(v.stderr)")
                detected += 1
            case 3:
                #expect(v.stderr.contains(file == 0 ? "FAIL at seq" : "FAIL: the state's data file") && v.stderr.contains("damaged"),
                        "flip at \(offset) of \(files[file]): \(v.stderr)")
                crashedReported += 1
            default:
                Issue.record("flip at \(offset) of \(files[file]): unexpected verify status \(v.status): \(v.stderr)")
            }
        }
        #expect(detected + crashedReported >= flips / 6, "few flips detected: \(detected) of \(flips)")
        print("corruption sweep: flips=\(flips) detected=\(detected) lmdb_fault_reported=\(crashedReported) harmless_and_unchanged=\(harmless)")
    }
}

/// Whole-copy attacks that leave a log internally consistent: restoring an older copy
/// (rollback) and rewriting history from some point (fork). `verify` alone cannot tell; with a
/// checkpoint the auditor kept from earlier (`--trusted`), it names them.
@Suite struct RollbackTests {
    @Test func rollbackAndForkAreFoundAgainstATrustedCheckpoint() throws {
        let d = TempDir()
        let dir = d.sub("L")
        try DiskFaultTests.newLedger(dir, keyDir: d)
        #expect(try CLI.tool(["stress-append", "--dir", dir, "--batches", "3", "--events-per-batch", "4"]).status == 0)
        try FileManager.default.copyItem(atPath: dir, toPath: d.sub("old"))
        try CLI.run(["checkpoint", "--dir", dir]).stdout.write(toFile: d.sub("c1.txt"), atomically: true, encoding: .utf8)
        #expect(try CLI.tool(["stress-append", "--dir", dir, "--batches", "3", "--events-per-batch", "4"]).status == 0)
        try CLI.run(["checkpoint", "--dir", dir]).stdout.write(toFile: d.sub("c2.txt"), atomically: true, encoding: .utf8)
        #expect(try CLI.run(["verify", "--dir", dir, "--trusted", d.sub("c1.txt"), "--trusted", d.sub("c2.txt")]).status == 0)

        // Rollback: the older copy restored. It verifies on its own; not against what was seen.
        try FileManager.default.copyItem(atPath: d.sub("old"), toPath: d.sub("restored"))
        #expect(try CLI.run(["verify", "--dir", d.sub("restored")]).status == 0)
        #expect(try CLI.run(["verify", "--dir", d.sub("restored"), "--trusted", d.sub("c1.txt")]).status == 0)
        let rolled = try CLI.run(["verify", "--dir", d.sub("restored"), "--trusted", d.sub("c2.txt")])
        #expect(rolled.status == 1 && rolled.stderr.contains("ROLLED BACK: the log has 13 entries") && rolled.stderr.contains("tree size 25"), "\(rolled.stderr)")

        // Fork: the older copy extended with other entries to the same size.
        #expect(try CLI.tool(["stress-append", "--dir", d.sub("old"), "--batches", "3", "--events-per-batch", "4"]).status == 0)
        #expect(try CLI.run(["verify", "--dir", d.sub("old")]).status == 0)
        let forked = try CLI.run(["verify", "--dir", d.sub("old"), "--trusted", d.sub("c2.txt")])
        #expect(forked.status == 1 && forked.stderr.contains("FAIL at seq 24: FORK") && forked.stderr.contains("rewritten"), "\(forked.stderr)")
        // A checkpoint signed by someone else is not trusted evidence.
        let k = try NoteSigningKey.generate(name: "reg")
        let fake = Checkpoint(origin: "disk.test/log", size: 13, root: .zero).sign(with: k)
        try fake.write(toFile: d.sub("fake.txt"), atomically: true, encoding: .utf8)
        let f = try CLI.run(["verify", "--dir", dir, "--trusted", d.sub("fake.txt")])
        #expect(f.status == 1 && f.stderr.contains("not signed by this log's registry key"), "\(f.stderr)")
    }
}
