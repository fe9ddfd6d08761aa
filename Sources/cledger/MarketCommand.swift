import ArgumentParser
import CarbonLedger
import CLISupport
import LedgerCore

struct MarketCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "market",
        abstract: "Show the transfers of units by month: how many, how many units, and those sold at a stated price, with the average price per tonne.",
        discussion: "A transfer states its price (carbonledger/v3) as {\"amount\":N,\"currency\":\"CNY\"}, N the total paid in the currency's minor unit (fen); one unit is 1 kg CO2e.")

    @OptionGroup var ledgerDirectory: LedgerDirectoryOption

    @Flag(help: "Print one JSON array instead of text.")
    var json = false

    func run() throws {
        let rows = try ledgerDirectory.openReadOnly().market()
        if json {
            print(CanonicalJSON.string(.array(rows)))
            return
        }
        if rows.isEmpty { print("no transfers yet") }
        for r in rows {
            let month = r["month"]?.stringValue ?? "?", transfers = r["transfers"]?.intValue ?? 0, units = r["units"]?.intValue ?? 0
            if let currency = r["currency"]?.stringValue {
                let perT = r["minor_per_t"]?.intValue ?? 0
                // Yuan have 100 fen; other currencies are shown in their minor unit.
                let price = currency == "CNY" ? "\(Ledger.yuan(perT)) CNY/t" : "\(perT) minor units of \(currency)/t"
                print("\(month)  \(currency)  \(counted(transfers, "transfer"))  \(counted(units, "unit"))  paid \(r["amount"]?.intValue ?? 0) minor units  average \(price)")
            } else {
                print("\(month)  all  \(counted(transfers, "transfer"))  \(counted(units, "unit")) (\(r["priced_units"]?.intValue ?? 0) priced)")
            }
        }
    }
}
