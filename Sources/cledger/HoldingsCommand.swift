import ArgumentParser
import CarbonLedger
import CLISupport
import LedgerCore

struct HoldingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "holdings",
        abstract: "Show the serial numbers an account holds, block by block, per batch (1 unit = 1 kg CO2e).",
        discussion: "Each block is printed as its serial range (CN-REGION-PROJECT-VINTAGE-BATCH-first-last, SPEC.md 8.16), ready for a retirement's or transfer's ranges.")

    @OptionGroup var ledgerDirectory: LedgerDirectoryOption

    @Argument(help: "Account id.")
    var id: String

    @Flag(help: "Print one JSON object ({\"account\":...,\"holdings\":{BATCH:[[first,last],...]}}) instead of text.")
    var json = false

    func run() throws {
        let ledger = try ledgerDirectory.openReadOnly()
        let view = try ledger.holdingsView(id)
        if json {
            print(CanonicalJSON.string(view))
            return
        }
        let batches = view["holdings"]?.objectValue?.members ?? []
        if batches.isEmpty { print("\(id) holds no units") }
        for m in batches {
            let blocks = m.value.arrayValue ?? []
            let units = blocks.reduce(Int64(0)) { $0 + (($1.arrayValue?.last?.intValue ?? 0) - ($1.arrayValue?.first?.intValue ?? 0) + 1) }
            let prefix = try ledger.state("batch/\(m.key)")?["serial_prefix"]?.stringValue ?? m.key
            print("batch \(m.key): \(counted(units, "unit")) in \(counted(blocks.count, "block"))")
            for b in blocks {
                let first = b.arrayValue?.first?.intValue ?? 0, last = b.arrayValue?.last?.intValue ?? 0
                print("  \(prefix)-\(first)-\(last)  [\(first), \(last)]")
            }
        }
    }
}
