import ArgumentParser
import CarbonLedger
import CLISupport
import LedgerCore

struct LineageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lineage",
        abstract: "The behaviour entries behind issued units: shown and checked on the ledger, or bundled and verified offline.",
        subcommands: [Show.self, VerifyBundle.self],
        defaultSubcommand: Show.self)

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show the behaviour entries behind an issuance request or batch, recomputing their RFC 6962 root from the stored entries; exit non-zero if it differs from the committed lineage root (the default).")

        @OptionGroup var ledgerDirectory: LedgerDirectoryOption

        @Argument(help: "Issuance request id or batch id.")
        var id: String

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        @Flag(help: "Print the batch's lineage bundle (SPEC.md 7.4: its issuance entry with an inclusion proof, and the behaviour entries), for `cledger lineage verify`.")
        var bundle = false

        func validate() throws {
            if bundle && json { throw ValidationError("--bundle prints JSON already; give one of --bundle and --json") }
        }

        func run() throws {
            let ledger = try ledgerDirectory.openReadOnly()
            if bundle {
                print(CanonicalJSON.string(try ledger.lineageBundle(batch: id).json))
                return
            }
            let l = try ledger.lineage(request: id)
            if json {
                let v: JSONValue = ["request": .string(l.request), "seqs": .array(l.seqs.map { .int(Int64($0)) }), "total_mg": .int(l.totalMg),
                                    "committed_root": .string(l.committedRoot), "recomputed_root": .string(l.recomputedRoot), "matches": .bool(l.matches)]
                print(CanonicalJSON.string(v))
            } else {
                print("request \(l.request): \(l.seqs.count) behaviour entries, \(Ledger.kilograms(l.totalMg)) kg locked")
                print("entries: \(l.seqs.prefix(20).map(String.init).joined(separator: ", "))\(l.seqs.count > 20 ? ", ..." : "")")
                print("committed lineage root:  \(l.committedRoot)")
                print("recomputed from entries: \(l.recomputedRoot)")
            }
            guard l.matches else { throw CLIError("lineage root mismatch: the request does not commit to these entries") }
            if !json { print("lineage verified") }
        }
    }

    struct VerifyBundle: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Verify a lineage bundle offline (no ledger directory needed): the issuance is in a checkpoint signed by --key and commits to exactly the bundled behaviour entries. Exits 0 only if it is valid.")

        @Argument(help: "Lineage bundle from `cledger lineage --bundle` ('-' for standard input).")
        var file: String

        @Option(help: "The registry's verifier key (name+keyid+base64), or a file containing it.")
        var key: String

        func run() throws {
            let k = try verifierKey(key)
            do {
                let s = try LineageBundle.verify(try readInput(file), key: k)
                print("lineage valid: batch \(s.batch) (\(s.units) units) comes from \(s.behaviours) behaviour entries (seq \(s.seqs.first ?? 0)-\(s.seqs.last ?? 0)), root \(s.lineageRoot)")
            } catch let e as ProofError {
                throw CLIError("INVALID: \(e)")
            }
        }
    }
}
