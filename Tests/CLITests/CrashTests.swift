import Foundation
import Testing
import LedgerCore
import LedgerStore
@testable import CarbonLedger
import TestSupport

/// A writer under steady load is killed with SIGKILL at random moments; after each kill the
/// log verifies, every acknowledged submission is present exactly where it was acknowledged,
/// no submission is half-present, and each checkpoint extends the previous one.
@Suite struct CrashTests {
    struct Ack: Hashable {
        var first: UInt64, last: UInt64, root: Digest
    }

    /// Kills per run: CARBONLEDGER_CRASH_KILLS, default 50 (the CI smoke run; `Tests/Stress/crash.sh
    /// --kills N` runs the long one); the seed: CARBONLEDGER_CRASH_SEED.
    static let kills = Int(ProcessInfo.processInfo.environment["CARBONLEDGER_CRASH_KILLS"] ?? "") ?? 50
    static let seed = UInt64(ProcessInfo.processInfo.environment["CARBONLEDGER_CRASH_SEED"] ?? "") ?? 20261121

    /// Kills per ledger: a long run starts a fresh ledger every 50 kills, so each `verify`
    /// stays the same size and N kills take time linear in N.
    static let killsPerLedger = 50

    @Test func sigkillLosesNoAcknowledgedSubmission() throws {
        let d = TempDir()
        try CLI.run(["keygen", "--name", "reg", "--out", d.sub("reg.key")])
        let vkey = try LedgerDirectory.readSigningKey(d.sub("reg.key")).verifierKey
        var rng = SplitMix64(seed: Self.seed)
        var acked: [Ack] = []
        var checkpoints: [Checkpoint] = []
        var killedMidStream = 0, verifyFailures = 0, stateBehind = 0, lost = Set<Digest>(), inconsistent = 0, totalAcked = 0, totalEntries: UInt64 = 0
        var dir = ""
        for round in 0..<Self.kills {
            if round % Self.killsPerLedger == 0 {
                totalAcked += acked.count
                totalEntries += checkpoints.last?.size ?? 0
                dir = d.sub("L\(round / Self.killsPerLedger)")
                #expect(try CLI.run(["init", "--dir", dir, "--origin", "crash.test/log", "--key", d.sub("reg.key")]).status == 0)
                acked = []
                checkpoints = []
            }
            let lines = try runAndKill(dir: dir, afterMilliseconds: Int.random(in: 0...300, using: &rng),
                                       clients: 1 + round % 3)
            let newAcks = lines.compactMap(Self.parseAck)
            if !newAcks.isEmpty { killedMidStream += 1 }
            acked += newAcks

            // Verified as the kill left it (read-only: a writer's open would first replay what the
            // state missed, SPEC.md section 10), then opened for writing, which catches the state
            // up; the next round's verify checks that.
            var readOnly = LMDBOptions()
            readOnly.readOnly = true
            let report: VerificationReport
            do { report = try Verifier(store: LogStore(path: dir, options: readOnly)).verify() } catch {
                Issue.record("round \(round): verify failed after SIGKILL: \(error)")
                verifyFailures += 1
                continue
            }
            if report.stateSize < report.entries { stateBehind += 1 }
            let ledger = try Ledger(directory: dir)
            #expect(try ledger.store.read { try $0.stateSize() } == report.entries)
            let size = report.entries
            try ledger.store.read { r in
                for a in acked {
                    let found = try r.firstSeq(ofSubmission: a.root)
                    guard found == a.first, a.last < size, let bytes = try r.entryBytes(a.last) else {
                        Issue.record("round \(round): acknowledged submission \(a.root.hex) (seq \(a.first)-\(a.last)) lost; found at \(found.map(String.init) ?? "nowhere")")
                        lost.insert(a.root)
                        continue
                    }
                    let e = try Entry.decode(bytes)
                    #expect(e.sub.root == a.root && e.sub.index == e.sub.count - 1)
                }
            }
            // The new checkpoint must extend every earlier one (RFC 9162 consistency proofs
            // signed by the registry key), not only the last.
            let cp = report.checkpoint
            for prev in checkpoints where prev.size <= cp.size {
                if prev.size == cp.size {
                    if prev != cp { inconsistent += 1; Issue.record("round \(round): two checkpoints of size \(cp.size) differ") }
                    continue
                }
                let proof = try ledger.consistencyProof(from: prev.size, to: cp.size)
                guard let (a, b) = try? proof.verify(key: vkey), a == prev, b == cp else {
                    inconsistent += 1
                    Issue.record("round \(round): checkpoint \(cp.size) does not extend checkpoint \(prev.size)")
                    continue
                }
            }
            if let last = checkpoints.last, cp.size < last.size {
                inconsistent += 1
                Issue.record("round \(round): the log shrank from \(last.size) to \(cp.size)")
            }
            if checkpoints.last != cp { checkpoints.append(cp) }
        }
        #expect(killedMidStream == Self.kills, "only \(killedMidStream) of \(Self.kills) kills landed while the writer was acknowledging")
        // Tests/Stress/crash.sh reads this line.
        totalAcked += acked.count
        totalEntries += checkpoints.last?.size ?? 0
        print("crash test: kills=\(Self.kills) acknowledged_lost=\(lost.count) verify_failures=\(verifyFailures) inconsistent_checkpoints=\(inconsistent) state_behind=\(stateBehind) acknowledged=\(totalAcked) entries=\(totalEntries) ledgers=\((Self.kills + Self.killsPerLedger - 1) / Self.killsPerLedger) seed=\(Self.seed)")
    }

    /// Starts `cledger stress-append`, waits for its first acknowledgement, lets it run `ms` more
    /// milliseconds and kills it with SIGKILL; returns the complete lines it printed.
    func runAndKill(dir: String, afterMilliseconds ms: Int, clients: Int) throws -> [String] {
        let (p, collected) = try CLI.startStressAppend(dir: dir, clients: clients)
        let out = p.standardOutput as! Pipe
        // Kill at a random moment after the writer is acknowledging, however slow the machine.
        let deadline = Date().addingTimeInterval(30)
        while !collected.data.contains(UInt8(ascii: "\n")) && Date() < deadline && p.isRunning { usleep(2000) }
        usleep(UInt32(ms) * 1000)
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        out.fileHandleForReading.readabilityHandler = nil
        collected.append(out.fileHandleForReading.readDataToEndOfFile())
        #expect(p.terminationReason == .uncaughtSignal)
        // Only complete lines were acknowledged; a torn last line was not.
        let text = String(decoding: collected.data, as: UTF8.self)
        var lines = text.components(separatedBy: "\n")
        lines.removeLast()
        return lines
    }

    /// `verify --audit-state` killed with SIGKILL part way: what it had committed is kept (the
    /// position never goes back), the next run goes on from there, and the state it ends with
    /// is the one a full replay builds.
    @Test func aVerifyKilledPartWayGoesOnFromItsAuditState() throws {
        let d = TempDir()
        let dir = d.sub("L")
        try CLI.run(["keygen", "--name", "reg", "--out", d.sub("reg.key")])
        #expect(try CLI.run(["init", "--dir", dir, "--origin", "crash.test/audit", "--key", d.sub("reg.key")]).status == 0)
        let append = try CLI.run(["stress-append", "--dir", dir, "--workload", "behaviour", "--residents", "2000", "--batches", "30", "--report"])
        #expect(append.status == 0, "\(append.stderr)")
        let size = try readOnlyStore(dir).read { try $0.metaU64(.size) ?? 0 }
        // Kills are timed within what a whole verify takes on this machine.
        let started = Date()
        #expect(try CLI.run(["verify", "--dir", dir]).status == 0)
        let whole = Date().timeIntervalSince(started)
        let audit = d.sub("audit")
        func position() throws -> UInt64 {
            guard FileManager.default.fileExists(atPath: audit + "/" + LogStore.stateDirectory + "/data.mdb") else { return 0 }
            return try auditPosition(audit)?.size ?? 0
        }
        var rng = SplitMix64(seed: Self.seed)
        var positions: [UInt64] = []
        for _ in 0..<4 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: CLI.binary)
            p.arguments = ["verify", "--dir", dir, "--audit-state", audit]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            let fraction: Double = 0.3 + 0.5 * Double(rng.next() % 1000) / 1000
            usleep(UInt32(whole * fraction * 1_000_000))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let kept = try position()
            #expect(kept >= (positions.last ?? 0), "the audit state went back from \(positions.last ?? 0) to \(kept)")
            positions.append(kept)
        }
        #expect(positions.contains { $0 > 0 && $0 < size }, "no kill came part way through a verify: positions \(positions) of \(size)")
        let last = try CLI.run(["verify", "--dir", dir, "--audit-state", audit])
        #expect(last.status == 0, "\(last.stderr)")
        let kept = positions.last ?? 0
        let expected = kept == 0 ? "OK: \(size) entries, " : kept == size ? "OK: \(size) entries (0 replayed" : "OK: \(size) entries (\(size - kept) replayed from seq \(kept),"
        #expect(last.stdout.hasPrefix(expected), "\(last.stdout)")
        // Byte for byte the state of one uninterrupted replay.
        let full = d.sub("full")
        #expect(try CLI.run(["replay", "--dir", dir, "--as-of", String(size - 1), "--out", full]).status == 0)
        let auditDump = try stateBytes(readOnlyStore(audit)), replayed = try stateBytes(readOnlyStore(full))
        #expect(auditDump.count > 1000 && auditDump == replayed)
        print("audit state kills: positions \(positions) of \(size) entries, a whole verify \(String(format: "%.1f", whole)) s")
    }

    static func parseAck(_ line: String) -> Ack? {
        let p = line.split(separator: " ")
        guard p.count == 4, p[0] == "ack", let f = UInt64(p[1]), let l = UInt64(p[2]), let r = Digest(hex: String(p[3])) else { return nil }
        return Ack(first: f, last: l, root: r)
    }
}

final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var buffer = Data()
    func append(_ d: Data) { lock.lock(); buffer.append(d); lock.unlock() }
    var data: Data { lock.lock(); defer { lock.unlock() }; return buffer }
}
