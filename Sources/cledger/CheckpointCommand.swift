import ArgumentParser
import CarbonLedger
import CLISupport
import LedgerCore

struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Print the latest signed checkpoint, or verify one offline.",
        subcommands: [Show.self, VerifyCheckpoint.self],
        defaultSubcommand: Show.self)

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Print the latest signed checkpoint (a C2SP tlog-checkpoint signed note); the default.")

        @OptionGroup var ledgerDirectory: LedgerDirectoryOption

        func run() throws {
            print(try ledgerDirectory.openReadOnly().checkpoint(), terminator: "")
        }
    }

    struct VerifyCheckpoint: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Verify a checkpoint offline (no ledger directory needed): its signature by --key and its form (SPEC.md section 6). Exits 0 only if it is valid.")

        @Argument(help: "A file holding the signed checkpoint note, e.g. saved from `cledger checkpoint` ('-' for standard input).")
        var file: String

        @Option(help: "The registry's verifier key (name+keyid+base64), or a file containing it.")
        var key: String

        @Option(help: "The origin the checkpoint must name (default: any).")
        var origin: String?

        func run() throws {
            let k = try verifierKey(key)
            let note = String(decoding: try readInput(file), as: UTF8.self)
            do {
                let cp = try Checkpoint.open(note, key: k, origin: origin)
                print("checkpoint valid: \(cp.origin) tree size \(cp.size) root \(cp.root.base64), signed by \(k.name)")
            } catch {
                throw CLIError("INVALID: \(error)")
            }
        }
    }
}
