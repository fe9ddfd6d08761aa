import ArgumentParser
import CarbonLedger
import CLISupport
import LedgerCore

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Totals of behaviours, reductions, points, duplicates and rejected double counts, grouped for regulators.",
        discussion: "Days and months are China Standard Time (UTC+8) dates of the behaviours' start. Reductions are in mg; qualitative reductions earn points only.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, csv, json }

    @OptionGroup var ledgerDirectory: LedgerDirectoryOption

    @Option(help: "Comma-separated grouping: any of region, scenario, and day or month (e.g. region,scenario,month).")
    var by: String = "scenario"

    @Option(help: "Output format: table, csv or json.")
    var format: Format = .table

    func run() throws {
        let dims = by.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let rows: [Ledger.StatsRow]
        do { rows = try ledgerDirectory.openReadOnly().stats(by: dims) } catch let e as QueryError {
            throw ValidationError("--by: \(e)")
        }
        let fields = Ledger.statsFields
        switch format {
        case .json:
            let arr: [JSONValue] = rows.map { r in
                var o = JSONObject()
                for d in dims { o[d] = .string(r.group[d] ?? "") }
                for f in fields { o[f] = .int(r.totals[f] ?? 0) }
                return .object(o)
            }
            print(CanonicalJSON.string(.array(arr)))
        case .csv:
            print((dims + fields).joined(separator: ","))
            for r in rows { print((dims.map { (r.group[$0] ?? "") } + fields.map { String(r.totals[$0] ?? 0) }).joined(separator: ",")) }
        case .table:
            let header = dims + fields
            let body = rows.map { r in dims.map { (r.group[$0] ?? "") } + fields.map { String(r.totals[$0] ?? 0) } }
            let widths = header.indices.map { i in max(header[i].count, body.map { $0[i].count }.max() ?? 0) }
            func line(_ cells: [String]) -> String {
                cells.enumerated().map { i, c in i < dims.count ? c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[i] - c.count) + c }.joined(separator: "  ")
            }
            print(line(header))
            for b in body { print(line(b)) }
            if rows.isEmpty { print("(no behaviours yet)") }
        }
    }
}
