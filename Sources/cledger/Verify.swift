import ArgumentParser
import CarbonLedger
import CLISupport
import Foundation
import LedgerStore

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay and check the whole log; exit non-zero on any fault.",
        discussion: """
            Re-canonicalises and re-hashes every entry, checks every prev link, every submission's root and \
            signature, every rule (the same reducer the sequencer runs, replaying the state into a scratch \
            store), every stored Merkle node and checkpoint, the latest checkpoint's signature and root, and \
            that the stored projections, and the rules checkpoint (rules/) when the replay reaches its size, \
            equal the replayed state byte for byte. Reports the first bad seq and why. \
            Hashing uses all cores; progress is shown when standard error is a terminal. Exit status: 0 \
            verified, 1 a fault found (named with its seq), 2 the --audit-state directory cannot be used \
            (nothing was verified or changed; the message says why), 3 the data file is so damaged that reading it \
            crashed LMDB (the seq it had reached is named).

            With --audit-state, the replayed state is kept in a directory of yours, and the next run with it \
            verifies only what the log added since: it checks that the log still holds the history verified \
            before (the same last entry, which the hash chain binds to every earlier one, and no fewer \
            entries), then replays the new entries over the kept state with every check above, and compares \
            the projections written since the last comparison (--all-projections: every one). The kept \
            state is committed durably chunk by chunk with the position it reached, so an interrupted or \
            failed run keeps what it verified and the next run goes on from there. Only a full run (a new \
            directory) re-reads the entries verified earlier (SPEC.md section 9.1).
            """)

    @OptionGroup var ledgerDirectory: LedgerDirectoryOption

    @Option(help: "Hashing threads (default: all cores).")
    var threads: Int?

    @Option(name: .customLong("trusted"), help: "A checkpoint you trust from earlier (a file holding the signed note, e.g. saved from `cledger checkpoint`); repeatable. The log must extend it: a rewritten history or a restored older copy fails.")
    var trustedFiles: [String] = []

    @Option(name: .customLong("audit-state"), help: ArgumentHelp(
        "Keep the replayed state in this directory and, when an earlier run left one there, verify only the entries added since (see above). New or empty: the whole log is replayed into it.",
        valueName: "dir"))
    var auditState: String?

    @Option(help: ArgumentHelp("The registry's verifier key you trust (name+keyid+base64, or a file holding it). The log must be signed under it: it must be the genesis entry's registry key or one a rotation in the log handed over to, every rotation's checkpoint signed by the outgoing and the incoming key. Without it, verify checks the log against the keys the log itself names.", valueName: "key"))
    var key: String?

    @Flag(name: .customLong("all-projections"), help: "With --audit-state: compare every projection with the replay, not only those written since the audit state last compared them.")
    var allProjections = false

    func run() throws {
        CorruptionGuard.install()
        let faultHook = try FaultInjection.auditCommitHook()
        let ledger = try ledgerDirectory.openReadOnly(allowingAbsentState: true)
        var verifier = Verifier(store: ledger.store)
        if let t = threads {
            guard t >= 1 else { throw ValidationError("--threads must be at least 1") }
            verifier.workers = t
        }
        verifier.trustedCheckpoints = try trustedFiles.map { String(decoding: try readInput($0), as: UTF8.self) }
        verifier.auditStateDirectory = auditState
        guard !allProjections || auditState != nil else { throw ValidationError("--all-projections goes with --audit-state (without it every projection is compared)") }
        verifier.compareAllProjections = allProjections
        verifier.auditCommitHook = faultHook
        let tty = isatty(2) == 1
        if tty {
            verifier.progress = { done, total in
                FileHandle.standardError.write(Data("\rverified \(done)/\(total) entries".utf8))
            }
        }
        let start = Date()
        do {
            let report = try verifier.verify()
            if tty { FileHandle.standardError.write(Data("\n".utf8)) }
            if let k = key {
                let trusted = try verifierKey(k)
                guard report.registryKeys.contains(trusted) else {
                    throw CLIError("FAIL: the log is not signed under the key you trust (\(trusted)); its registry keys are \(report.registryKeys.map(\.description).joined(separator: ", "))")
                }
            }
            let secs = Date().timeIntervalSince(start)
            let replayed = report.resumedFrom > 0 ? " (\(report.entries - report.resumedFrom) replayed from seq \(report.resumedFrom), over the audit state)" : ""
            print("OK: \(counted(report.entries, "entry", "entries"))\(replayed), \(counted(report.submissions, "submission")), \(counted(report.checkpointsChecked, "checkpoint")), \(report.comparedWrittenOnly ? "the projections written since the last comparison (\(counted(report.stateKeysCompared, "write")))" : counted(report.stateKeysCompared, "projection")) equal to a replay; verified in \(String(format: "%.2f", secs)) s")
            print("checkpoint: \(report.checkpoint.origin) size \(report.checkpoint.size) root \(report.checkpoint.root.base64)")
            if let a = auditState { print("audit state: \(a) holds the replay of these \(report.entries) entries; the next `verify --audit-state \(a)` starts there") }
            if let c = report.rulesCheckpointCompared {
                print("rules checkpoint: \(counted(c.records, "record")) of the state after \(counted(c.size, "entry", "entries")) equal to the replay")
            } else if let why = report.rulesCheckpointNote {
                print("rules checkpoint: \(why)")
            }
            if ledger.store.stateAbsent {
                print("note: the directory holds no state (no \(LogStore.stateDirectory)/ subdirectory), so no projections were compared; the log, its tree, checkpoints, signatures and every rule were verified. The next writer to open the ledger rebuilds the state from the log")
            } else if !report.projectionsCompared {
                print("note: the projections were not compared: they reflect fewer entries than the audit state already had verified (a crash or a failed state write came between a commit's log and its state); the next writer to open the ledger catches them up, and the next verify compares them")
            } else if report.stateSize < report.entries {
                print("note: the projections reflect the first \(report.stateSize) entries and were compared there: a crash or a failed state write came between a commit's log and its state; the next writer to open the ledger replays the other \(report.entries - report.stateSize)")
            }
        } catch let f as VerificationFailure {
            if tty { FileHandle.standardError.write(Data("\n".utf8)) }
            throw CLIError("FAIL at \(f)")
        } catch let e as AuditStateError {
            FileHandle.standardError.write(Data("Error: \(e)\n".utf8))
            throw ExitCode(2)
        }
    }
}
