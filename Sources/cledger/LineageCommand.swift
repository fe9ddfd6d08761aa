import ArgumentParser
import CarbonLedger
import CLISupport
import LedgerCore

struct LineageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lineage",
        abstract: "Show the behaviour entries behind an issuance request or batch, recomputing their RFC 6962 root from the stored entries; exit non-zero if it differs from the committed lineage root.")

    @OptionGroup var ledgerDirectory: LedgerDirectoryOption

    @Argument(help: "Issuance request id or batch id.")
    var id: String

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        let l = try ledgerDirectory.openReadOnly().lineage(request: id)
        if json {
            let v: JSONValue = ["request": .string(l.request), "seqs": .array(l.seqs.map { .int(Int64($0)) }), "total_mg": .int(l.totalMg),
                                "committed_root": .string(l.committedRoot), "recomputed_root": .string(l.recomputedRoot), "matches": .bool(l.matches)]
            print(CanonicalJSON.string(v))
        } else {
            print("request \(l.request): \(l.seqs.count) behaviour entries, \(Ledger.kilograms(l.totalMg)) kg locked")
            print("entries: \(l.seqs.prefix(20).map(String.init).joined(separator: ", "))\(l.seqs.count > 20 ? ", ..." : "")")
            print("committed lineage root:  \(l.committedRoot)")
            print("recomputed from entries: \(l.recomputedRoot)")
        }
        guard l.matches else { throw CLIError("lineage root mismatch: the request does not commit to these entries") }
        if !json { print("lineage verified") }
    }
}
