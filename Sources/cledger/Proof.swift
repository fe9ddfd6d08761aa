import ArgumentParser
import CarbonLedger
import CLISupport
import Foundation
import LedgerCore

struct Proof: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Produce and verify Merkle proofs.",
        subcommands: [InclusionCommand.self, ConsistencyCommand.self, VerifyProof.self])

    struct InclusionCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inclusion",
            abstract: "Print a proof (JSON) that entry --seq is in the tree of a signed checkpoint; it carries the entry itself.")

        @OptionGroup var ledgerDirectory: LedgerDirectoryOption

        @Option(help: "Seq of the entry to prove.")
        var seq: UInt64

        @Option(help: "Tree size of the checkpoint to prove against (a size at which a checkpoint was signed). Default: the latest.")
        var size: UInt64?

        func run() throws {
            let p = try ledgerDirectory.openReadOnly().inclusionProof(seq: seq, size: size)
            print(CanonicalJSON.string(p.json))
        }
    }

    struct ConsistencyCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "consistency",
            abstract: "Print a proof (JSON) that the checkpoint at tree size --from is a prefix of the one at --to.")

        @OptionGroup var ledgerDirectory: LedgerDirectoryOption

        @Option(help: "Older tree size (a size at which a checkpoint was signed).")
        var from: UInt64

        @Option(help: "Newer tree size (a size at which a checkpoint was signed). Default: the latest.")
        var to: UInt64?

        func run() throws {
            let p = try ledgerDirectory.openReadOnly().consistencyProof(from: from, to: to)
            print(CanonicalJSON.string(p.json))
        }
    }

    struct VerifyProof: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Verify a proof offline (no ledger directory needed). Exits 0 only if it is valid.")

        @Argument(help: "Proof JSON file from `cledger proof inclusion` or `cledger proof consistency` ('-' for standard input).")
        var file: String

        @Option(help: "The registry's verifier key (name+keyid+base64), or a file containing it. Repeat it to trust the keys before and after a registry key rotation.")
        var key: [String]

        func validate() throws {
            if key.isEmpty { throw ValidationError("give the registry's verifier key with --key") }
        }

        func run() throws {
            let keys = try key.map(verifierKey)
            do {
                let doc = try ProofDocument.decode(try readInput(file))
                print(try doc.verify(keys: keys))
            } catch let e as ProofError {
                throw CLIError("INVALID: \(e)")
            }
        }
    }
}
