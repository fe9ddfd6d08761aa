import ArgumentParser
import CarbonLedger
import CLISupport
import LedgerCore

struct Retirements: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The public retirement registry: every retirement with beneficiary, reason, amount, serials, date, project and vintage.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case json, csv }

    @OptionGroup var ledgerDirectory: LedgerDirectoryOption

    @Option(help: "Output format: json (an array of objects, each with its id) or csv.")
    var format: Format = .json

    @Option(name: .customLong("where"), help: ArgumentHelp("Keep the retirements whose NAME is VALUE (beneficiary: any part of the name, case aside); repeatable. Names: \(Ledger.retirementFilters.joined(separator: ", ")).", valueName: "name=value"))
    var filters: [String] = []

    func parsedFilters() throws -> [String: String] {
        try whereFilters(filters, allowed: Ledger.retirementFilters, what: "retirements", example: "footprint=sz-marathon-2026")
    }

    func validate() throws { _ = try parsedFilters() }

    func run() throws {
        let rows = try ledgerDirectory.openReadOnly().retirements(filters: try parsedFilters())
        switch format {
        case .json:
            print(CanonicalJSON.string(.array(rows)))
        case .csv:
            let cols = ["id", "date", "beneficiary", "purpose", "reason", "units", "amount_t", "serials", "project", "vintage", "batch", "jurisdiction", "retired_by", "seq",
                        "beneficiary_account", "compliance_scheme", "compliance_year", "allowance_t", "gap_t", "offset_kg", "footprint"]
            // The compliance block's members, flattened: a spreadsheet has no nested objects.
            let compliance = ["compliance_scheme": "scheme", "compliance_year": "year", "allowance_t": "allowance_t", "gap_t": "gap_t", "offset_kg": "offset_kg"]
            print(cols.joined(separator: ","))
            for r in rows {
                print(cols.map { c -> String in
                    let v = compliance[c].map { r["compliance"]?[$0] } ?? r[c]
                    let text = v?.stringValue ?? v?.intValue.map(String.init) ?? (v?.arrayValue?.compactMap(\.stringValue).joined(separator: " ") ?? "")
                    return text.contains(",") || text.contains("\"") || text.contains("\n") ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
                }.joined(separator: ","))
            }
        }
    }
}
