import ArgumentParser
import CarbonLedger
import CLISupport
import LedgerCore

struct PledgesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pledges",
        abstract: "Show each sponsor's pledges: the donations made in its name, the reductions donated and the yuan pledged.")

    @OptionGroup var ledgerDirectory: LedgerDirectoryOption

    @Flag(help: "Print one JSON array instead of text.")
    var json = false

    func run() throws {
        let rows = try ledgerDirectory.openReadOnly().pledges()
        if json {
            print(CanonicalJSON.string(.array(rows)))
            return
        }
        if rows.isEmpty { print("no sponsored donations yet") }
        for r in rows {
            let fen = r["pledge_fen"]?.intValue ?? 0
            print("\(r["sponsor"]?.stringValue ?? "?"): \(counted(r["donations"]?.intValue ?? 0, "donation")), \(Ledger.kilograms(r["donated_mg"]?.intValue ?? 0)) kg donated, pledged \(Ledger.yuan(fen)) yuan")
        }
    }
}
