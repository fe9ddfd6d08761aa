import ArgumentParser
import CarbonLedger
import LedgerStore

/// The `--dir` option of every command that opens an existing ledger.
struct LedgerDirectoryOption: ParsableArguments {
    @Option(help: "Ledger directory.")
    var dir: String

    /// Opens the ledger without write access, so a reading command cannot change it.
    func openReadOnly() throws -> Ledger {
        var options = LMDBOptions()
        options.readOnly = true
        return try open(options: options)
    }

    func open(options: LMDBOptions) throws -> Ledger {
        try Ledger(directory: dir, options: options)
    }
}
