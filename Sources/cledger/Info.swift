import ArgumentParser
import CarbonLedger
import CLISupport
import LedgerCore

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the ledger's origin, size, head hash and registry verifier key.")

    @OptionGroup var ledgerDirectory: LedgerDirectoryOption

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        let info = try ledgerDirectory.openReadOnly().info()
        if json {
            print(CanonicalJSON.string(.object(info.json)))
        } else {
            print("origin: \(info.origin)")
            print("size: \(info.size)")
            print("head: \(info.head.hex)")
            print("registry key: \(info.registryKey)")
            print("rules: \(info.rules.rawValue)")
            if let w = info.windows { print("windows: report \(w.reportDays) days, reverse \(w.reversalDays) days") }
        }
    }
}
