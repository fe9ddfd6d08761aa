import ArgumentParser
import CarbonLedger
import CLISupport
import LedgerCore

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the ledger's accounts, projects, issuance requests, methodologies, keys or batches, a page at a time.",
        discussion: """
            In id order, at most --limit per page; when more follow, the last line names the --after that \
            gives the next page. --where NAME=VALUE keeps the records whose NAME is VALUE (region: that \
            region or any under it; role: keys with that role); repeat it to combine. Filters: \
            \(Listing.allCases.map { "\($0.rawValue): \($0.filters.joined(separator: ", "))" }.joined(separator: "; ")).
            """)

    @OptionGroup var ledgerDirectory: LedgerDirectoryOption

    @Argument(help: ArgumentHelp("What to list: \(Listing.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "what"))
    var what: Listing

    @Option(name: .customLong("where"), help: ArgumentHelp("A filter NAME=VALUE; repeatable.", valueName: "name=value"))
    var filters: [String] = []

    @Option(help: "The page after this id (the last line of a page names it).")
    var after: String?

    @Option(help: "Most records per page (1 to 10000).")
    var limit: Int = 100

    @Flag(help: "Print one JSON object ({\"items\":[...],\"next_after\":...}) instead of text.")
    var json = false

    func validate() throws {
        guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be 1 to 10000, not \(limit)") }
        _ = try parsedFilters()
    }

    func parsedFilters() throws -> [String: String] {
        try whereFilters(filters, allowed: what.filters, what: what.rawValue, example: "kind=person")
    }

    func run() throws {
        let page = try ledgerDirectory.openReadOnly().list(what, filters: try parsedFilters(), after: after, limit: limit)
        if json {
            var o: JSONObject = ["items": .array(page.items)]
            if let n = page.next { o["next_after"] = .string(n) }
            print(CanonicalJSON.string(.object(o)))
            return
        }
        for item in page.items { print(line(item)) }
        if page.items.isEmpty { print("no \(what.rawValue)\(filters.isEmpty ? "" : " with \(filters.joined(separator: ", "))")") }
        if let n = page.next { print("more: --after \(n)") }
    }

    /// One record, its id first, then what tells it apart.
    func line(_ r: JSONValue) -> String {
        func s(_ k: String) -> String { r[k]?.stringValue ?? "-" }
        func n(_ k: String) -> Int64 { r[k]?.intValue ?? 0 }
        let id = s("id")
        switch what {
        case .accounts:
            let employer = r["employer"]?.stringValue.map { "  employer \($0)" } ?? ""
            return "\(id)  \(s("kind"))  region \(s("region"))\(employer)  available \(Ledger.kilograms(Reducer.available(r))) kg"
        case .projects:
            let methodologies = r["methodologies"]?.arrayValue?.compactMap(\.stringValue).joined(separator: ",") ?? "-"
            return "\(id)  owner \(s("owner"))  region \(s("region"))  methodologies \(methodologies)"
        case .requests:
            return "\(id)  project \(s("project"))  \(s("status"))  \(counted(n("count"), "behaviour"))  \(Ledger.kilograms(n("total_mg"))) kg\(r["batch"]?.stringValue.map { "  batch \($0)" } ?? "")"
        case .methodologies:
            return "\(id)  \(s("scenario"))  region \(s("region"))  \(s("kind"))  factor \(n("factor_mg")) mg/\(s("unit"))  from \(s("valid_from"))"
        case .keys:
            let roles = r["roles"]?.arrayValue?.compactMap(\.stringValue).joined(separator: ",") ?? "-"
            let revoked = r["revoked_seq"]?.intValue.map { "  revoked at seq \($0)" } ?? ""
            return "\(id)  actor \(s("actor"))  roles \(roles)\(revoked)"
        case .batches:
            return "\(id)  project \(s("project"))  \(counted(n("units"), "unit"))  held \(n("held"))  retired \(n("retired"))  cancelled \(n("cancelled"))"
        case .footprints:
            return "\(id)  \(s("title"))  \(s("period_from"))-\(s("period_to"))  \(Ledger.footprintProgress(retiredKg: n("retired_kg"), amountKg: n("amount_kg")))"
        }
    }
}

extension Listing: ExpressibleByArgument {}
