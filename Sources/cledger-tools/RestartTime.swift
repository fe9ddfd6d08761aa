import ArgumentParser
import CarbonLedger
import CLISupport
import Foundation
import LedgerStore

/// What a restart costs: the steps a server takes before it serves, timed.
struct RestartTime: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restart-time",
        abstract: "Open a ledger as a server does before it serves, and time each step.",
        discussion: """
            Opens the ledger for writing, then loads the writer's rule state into memory from the \
            rules checkpoint and the log after it, writing to the state environment what a kill left \
            it without (`cledger serve` does both before it listens). Prints a line per step and the \
            time to serving, then writes the rules checkpoint up to the log as a server's clean stop \
            does. Appends nothing.
            """)

    @OptionGroup var ledgerDirectory: LedgerDirectoryOption

    func run() throws {
        let start = Date()
        let ledger = try ledgerDirectory.open(options: LMDBOptions())
        let opened = Date()
        print("opened in \(Self.seconds(opened.timeIntervalSince(start))) s\(ledger.openingEmptiedState ? " (state emptied, to be rebuilt)" : "")")
        let sequencer = try ledger.sequencer()
        let loaded = try sequencer.loadRulesState()
        let done = Date()
        let rss = anonymousResidentBytes().map { ", anonymous RSS \($0 / 1_048_576) MiB" } ?? ""
        print("rule state: \(loaded.records) records and an index of \(loaded.indexed.intervals) intervals, \(loaded.indexed.caps) daily caps and \(loaded.indexed.acts) acts for \(loaded.size) entries loaded in \(Self.seconds(loaded.seconds)) s\(rss), from \(loaded.source), key filter from \(loaded.filter.map(String.init(describing:)) ?? "the replay's writes"); \(loaded.state.replayed) entries written to the state environment")
        print("ready to serve after \(Self.seconds(done.timeIntervalSince(start))) s")
        sequencer.writeRulesCheckpoint()
    }

    static func seconds(_ t: TimeInterval) -> String { String(format: "%.3f", t) }
}
