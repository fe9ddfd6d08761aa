import ArgumentParser
import Foundation

@main
struct CLedger: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cledger",
        abstract: "CarbonLedger: a verifiable, event-sourced ledger of carbon-inclusion reductions.",
        discussion: """
            A ledger directory holds an LMDB log of signed submissions, hash-chained and committed to \
            by an RFC 6962 Merkle tree whose signed checkpoints (C2SP signed notes) let anyone verify \
            entries and proofs offline. See SPEC.md for every byte format.
            """,
        subcommands: [Keygen.self, Init.self, Sign.self, Submit.self, Info.self, CheckpointCommand.self, Proof.self, Verify.self,
                      AccountCommand.self, HoldingsCommand.self, ListCommand.self, Replay.self, Stats.self, LeaderboardCommand.self, MarketCommand.self, FootprintCommand.self, PledgesCommand.self, Retirements.self, CertificateCommand.self, LineageCommand.self, Serve.self, MirrorCommand.self, RotateKey.self, Upgrade.self, Export.self, Demo.self])

    /// ArgumentParser's own entry point, with repeated options refused first (RepeatedOptions).
    static func main() async {
        if let problem = RepeatedOptions.problem(in: Array(CommandLine.arguments.dropFirst())) {
            exit(withError: ValidationError(problem))
        }
        var command: ParsableCommand
        do { command = try parseAsRoot() } catch { exit(withError: error) }
        do {
            if var async = command as? AsyncParsableCommand { try await async.run() } else { try command.run() }
        } catch let e as ValidationError {
            // Thrown by a subcommand's run(): ArgumentParser would point to the root's help.
            let path = (Self.path(to: type(of: command)) ?? []).joined(separator: " ")
            FileHandle.standardError.write(Data("Error: \(e.message)\n  See 'cledger \(path) --help' for more information.\n".utf8))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        } catch {
            exit(withError: error)
        }
    }

    /// The subcommand names that lead from the root to `target` (`["checkpoint", "verify"]`).
    static func path(to target: ParsableCommand.Type, from root: ParsableCommand.Type = CLedger.self) -> [String]? {
        for sub in root.configuration.subcommands {
            if sub == target { return [sub._commandName] }
            if let rest = path(to: target, from: sub) { return [sub._commandName] + rest }
        }
        return nil
    }
}
