import ArgumentParser
import Foundation
import CarbonLedger
import LedgerStore

/// The `--dir` option of every command that opens an existing ledger.
public struct LedgerDirectoryOption: ParsableArguments, Sendable {
    @Option(help: "Ledger directory.")
    public var dir: String

    public init() {}

    /// Opens the ledger without write access, so a reading command cannot change it.
    /// `allowingAbsentState`: a copy of the log alone opens too (for `verify`), with no projections.
    public func openReadOnly(allowingAbsentState: Bool = false) throws -> Ledger {
        var options = LMDBOptions()
        options.readOnly = true
        let ledger = try open(options: options, allowingAbsentState: allowingAbsentState)
        if ledger.store.env.lockless {
            FileHandle.standardError.write(Data("note: \(dir)/lock.mdb is not writable by you, so the ledger was opened without LMDB's lock; what is read is consistent only while no writer runs\n".utf8))
        }
        return ledger
    }

    public func open(options: LMDBOptions, allowingAbsentState: Bool = false) throws -> Ledger {
        try Ledger(directory: dir, options: options, allowingAbsentState: allowingAbsentState)
    }
}
