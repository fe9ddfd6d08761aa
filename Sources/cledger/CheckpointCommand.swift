import ArgumentParser
import CarbonLedger

struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Print the latest signed checkpoint (a C2SP tlog-checkpoint signed note).")

    @Option(help: "Ledger directory.")
    var dir: String

    func run() throws {
        print(try Ledger(directory: dir, options: readOnlyOptions()).checkpoint(), terminator: "")
    }
}
