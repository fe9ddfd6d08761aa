import ArgumentParser
import CarbonLedger
import CLISupport
import Foundation
import LedgerCore
import LedgerStore

/// The rule state of a ledger as canonical JSON in one LMDB database, the layout a state
/// environment had when it kept every record: what `Benchmarks/floor/state_floor.c` reads its
/// per-report keys and values from (it parses JSON, not the rules checkpoint's packed records).
struct RulesJSON: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules-json",
        abstract: "Write a ledger's rule state and read models as canonical JSON into a new LMDB environment (for the state floor).",
        discussion: """
            Reads the rules checkpoint (every rule record, as of its size; its packed records as \
            their canonical JSON, SPEC.md section 10) and the state environment's read models, and \
            writes both into the database `state` of a new LMDB environment at --out, which \
            `Benchmarks/floor/state_floor.c` takes as its source state. Changes nothing in the ledger.
            """)

    @OptionGroup var ledgerDirectory: LedgerDirectoryOption

    @Option(help: "Directory of the LMDB environment to create (must not exist).")
    var out: String

    func run() throws {
        guard !FileManager.default.fileExists(atPath: out) else { throw CLIError("--out \(out) exists: give a directory that does not") }
        let ledger = try ledgerDirectory.openReadOnly()
        guard let checkpoints = try ledger.store.ruleCheckpointsIfPresent() else {
            throw CLIError("\(ledgerDirectory.dir) has no rules checkpoint (\(RuleCheckpoints.directory)/): open it with a writer first")
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let env = try LMDBEnvironment(path: out, options: LMDBOptions())
        let state = try env.openDatabase("state")
        var rules = 0, models = 0
        let position = try env.write { txn in
            let position = try checkpoints.forEachRecord { k, v in
                try txn.put(state, key: k, value: v)
                rules += 1
            }
            try ledger.store.read { r in
                try r.stateTxn.scan(r.store.state, from: nil) { k, v in
                    if Projection.owns(keyBytes: k) {
                        try txn.put(state, key: k, value: v)
                        models += 1
                    }
                    return true
                }
            }
            return position
        }
        print("\(rules) rule records (the checkpoint after \(position?.size ?? 0) entries) and \(models) read-model records written to \(out)")
    }
}
