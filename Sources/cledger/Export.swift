import ArgumentParser
import CarbonLedger
import CLISupport

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Publish the log in a standard form others read without cledger.",
        subcommands: [Tiles.self])

    struct Tiles: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the log as a static C2SP tlog-tiles directory (SPEC.md section 13).",
            discussion: """
                Writes OUT/checkpoint (the latest signed checkpoint), OUT/tile/L/N (the tree's hashes, 256 per \
                tile) and OUT/tile/entries/N (the entries' canonical bytes, 256 per bundle, each after its \
                length as a big-endian uint16), with .p/W for the partial ones at the right edge. Any web \
                server, object store or CDN can serve the directory as it is; a tlog client verifies it with the \
                registry key alone. Run again to publish what the log added: full tiles and bundles never \
                change and are kept; the partial ones and the checkpoint are rewritten, the checkpoint last.
                """)

        @OptionGroup var ledgerDirectory: LedgerDirectoryOption

        @Option(help: ArgumentHelp("Directory to write (created if missing).", valueName: "dir"))
        var out: String

        func run() throws {
            let report = try ledgerDirectory.openReadOnly().exportTiles(to: out)
            print("tiles: tree size \(report.size) in \(out): \(report.written) files written, \(report.kept) full tiles and bundles kept from an earlier export")
        }
    }
}
