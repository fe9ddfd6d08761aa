import Foundation
import Testing
import LedgerCore
import LedgerStore
@testable import CarbonLedger
import TestSupport

/// A writer under steady load is killed with SIGKILL after a random number of acknowledged
/// submissions, wherever it has got to by then; after each kill the log verifies, every
/// acknowledged submission is present exactly where it was acknowledged, no submission is
/// half-present, and each checkpoint extends the previous one.
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
            let lines = try runAndKill(dir: dir, afterAcks: Int.random(in: 1...200, using: &rng), clients: 1 + round % 3)
            let newAcks = lines.compactMap(Self.parseAck)
            if !newAcks.isEmpty { killedMidStream += 1 }
            acked += newAcks

            // Verified as the kill left it (read-only: a writer's start would first write what the
            // state missed, SPEC.md section 10), then a writer starts, which catches the state
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
            _ = try ledger.sequencer().loadRulesState()
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

    /// Starts `cledger-tools stress-append`, waits until it has acknowledged `acks` submissions (it
    /// goes on writing meanwhile, so the kill lands wherever the writer has got to: inside a
    /// commit, between a commit's log and its state, or between commits), kills it with SIGKILL
    /// and returns the complete lines it printed.
    func runAndKill(dir: String, afterAcks acks: Int, clients: Int) throws -> [String] {
        let (p, collected) = try CLI.startStressAppend(dir: dir, clients: clients)
        let reached = collected.wait(forLines: acks)
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        collected.waitForEnd()
        #expect(reached, "stress-append ended before its acknowledgement \(acks): \(collected.text.suffix(300))")
        #expect(p.terminationReason == .uncaughtSignal)
        // Only complete lines were acknowledged; a torn last line was not.
        return collected.lines
    }

    /// `verify --audit-state` killed with SIGKILL part way: what it had committed is kept (the
    /// position never goes back), an uncommitted chunk leaves nothing, the next run goes on from
    /// there, and the state it ends with is the one a full replay builds. Each kill comes at a
    /// fault point the process reached (`CARBONLEDGER_FAULT`, Sources/cledger/FaultInjection.swift),
    /// inside a chunk's write transaction or after its commit.
    @Test func aVerifyKilledPartWayGoesOnFromItsAuditState() throws {
        let d = TempDir()
        let dir = d.sub("L")
        try CLI.run(["keygen", "--name", "reg", "--out", d.sub("reg.key")])
        #expect(try CLI.run(["init", "--dir", dir, "--origin", "crash.test/audit", "--key", d.sub("reg.key"), "--report-days", "366", "--reversal-days", "366"]).status == 0)
        let append = try CLI.tool(["stress-append", "--dir", dir, "--workload", "behaviour", "--residents", "2000", "--batches", "30", "--report"])
        #expect(append.status == 0, "\(append.stderr)")
        let size = try readOnlyStore(dir).read { try $0.metaU64(.size) ?? 0 }
        let audit = d.sub("audit")
        func position() throws -> UInt64 {
            guard FileManager.default.fileExists(atPath: audit + "/" + LogStore.stateDirectory + "/data.mdb") else { return 0 }
            return try auditPosition(audit)?.size ?? 0
        }
        /// Runs the audited verify until it reaches `fault`, kills it there; returns the
        /// position the fault point reported and the one the audit state kept.
        func killAt(_ fault: String) throws -> (reported: UInt64, kept: UInt64) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: CLI.binary)
            p.arguments = ["verify", "--dir", dir, "--audit-state", audit]
            p.environment = ProcessInfo.processInfo.environment.merging(["CARBONLEDGER_FAULT": fault]) { $1 }
            let err = Pipe()
            p.standardOutput = FileHandle.nullDevice
            p.standardError = err
            let collected = Collected(reading: err)
            try p.run()
            let marker = "fault point \(fault) reached at position "
            let reached = collected.wait { String(decoding: $0, as: UTF8.self).contains(marker) && $0.last == UInt8(ascii: "\n") }
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            collected.waitForEnd()
            let text = collected.text
            guard reached, let r = text.range(of: marker), let reported = UInt64(text[r.upperBound...].prefix { $0.isNumber }) else {
                Issue.record("verify did not reach \(fault): \(text.suffix(500))")
                return (0, try position())
            }
            #expect(p.terminationReason == .uncaughtSignal)
            return (reported, try position())
        }
        // Killed right after its first chunk's commit: exactly that position is kept.
        let first = try killAt("audit-after-commit:1")
        #expect(first.kept == first.reported && first.kept > 0 && first.kept < size, "\(first) of \(size)")
        // Killed inside the next chunk's write transaction: nothing of that chunk is kept.
        let torn = try killAt("audit-before-commit:1")
        #expect(torn.kept == first.kept && torn.reported > first.kept, "\(torn) after \(first)")
        // The same chunk replayed again commits the position the torn run was about to.
        let second = try killAt("audit-after-commit:1")
        #expect(second.kept == torn.reported && second.kept < size, "\(second) after \(torn) of \(size)")
        let last = try CLI.run(["verify", "--dir", dir, "--audit-state", audit])
        #expect(last.status == 0, "\(last.stderr)")
        #expect(last.stdout.hasPrefix("OK: \(size) entries (\(size - second.kept) replayed from seq \(second.kept),"), "\(last.stdout)")
        // Byte for byte the state of one uninterrupted replay.
        let full = d.sub("full")
        #expect(try CLI.run(["replay", "--dir", dir, "--as-of", String(size - 1), "--out", full]).status == 0)
        let auditDump = try stateBytes(readOnlyStore(audit)), replayed = try stateBytes(readOnlyStore(full))
        #expect(auditDump.count > 1000 && auditDump == replayed)
        // A malformed fault specification is a usage error, not ignored.
        let bad = try CLI.run(["verify", "--dir", dir], environment: ["CARBONLEDGER_FAULT": "audit-after-commit:0"])
        #expect(bad.status == 64 && bad.stderr.contains("CARBONLEDGER_FAULT=audit-after-commit:0"), "\(bad.status) \(bad.stderr)")
        print("audit state kills: positions \(first.kept), \(torn.kept) (torn chunk to \(torn.reported)), \(second.kept) of \(size) entries")
    }

    static func parseAck(_ line: String) -> Ack? {
        let p = line.split(separator: " ")
        guard p.count == 4, p[0] == "ack", let f = UInt64(p[1]), let l = UInt64(p[2]), let r = Digest(hex: String(p[3])) else { return nil }
        return Ack(first: f, last: l, root: r)
    }
}
