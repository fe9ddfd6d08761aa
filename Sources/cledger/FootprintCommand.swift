import ArgumentParser
import CarbonLedger
import CLISupport
import LedgerCore

struct FootprintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "footprint",
        abstract: "Show an event footprint: how much of it the retirements made for it have neutralised, and which they are.",
        discussion: "List the footprints with `cledger list footprints`; each retirement shown has its certificate (`cledger certificate --dir DIR ID`).")

    @OptionGroup var ledgerDirectory: LedgerDirectoryOption

    @Argument(help: "The footprint's id.")
    var id: String

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        let fp = try ledgerDirectory.openReadOnly().footprint(id)
        if json {
            print(CanonicalJSON.string(fp))
            return
        }
        func s(_ k: String) -> String { fp[k]?.stringValue ?? "-" }
        print("footprint:  \(id): \(s("title")) (\(s("period_from"))-\(s("period_to")), organiser \(s("account")))")
        print("neutralised: \(s("progress")) by \(counted(fp["retirements"]?.intValue ?? 0, "retirement"))")
        for r in fp["retirements_toward"]?.arrayValue ?? [] {
            print("  \(r["retirement"]?.stringValue ?? "?")  \(counted(r["units"]?.intValue ?? 0, "unit")) of batch \(r["batch"]?.stringValue ?? "?") by \(r["account"]?.stringValue ?? "?") for \(r["beneficiary"]?.stringValue ?? "?"), seq \(r["seq"]?.intValue ?? 0)")
        }
    }
}
