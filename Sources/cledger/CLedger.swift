import ArgumentParser

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
        subcommands: [Keygen.self, Init.self, Submit.self, Info.self, CheckpointCommand.self, Proof.self, Verify.self,
                      AccountCommand.self, Replay.self, Stats.self, Retirements.self, CertificateCommand.self, LineageCommand.self, Serve.self, MirrorCommand.self, RotateKey.self, Upgrade.self, Export.self, Demo.self])

    /// ArgumentParser's own entry point, with repeated options refused first (RepeatedOptions).
    static func main() async {
        if let problem = RepeatedOptions.problem(in: Array(CommandLine.arguments.dropFirst())) {
            exit(withError: ValidationError(problem))
        }
        do {
            var command = try parseAsRoot()
            if var async = command as? AsyncParsableCommand { try await async.run() } else { try command.run() }
        } catch {
            exit(withError: error)
        }
    }
}
