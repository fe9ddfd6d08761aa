import ArgumentParser
import CarbonLedger
import CLISupport

struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Print the latest signed checkpoint (a C2SP tlog-checkpoint signed note).")

    @OptionGroup var ledgerDirectory: LedgerDirectoryOption

    func run() throws {
        print(try ledgerDirectory.openReadOnly().checkpoint(), terminator: "")
    }
}
