import ArgumentParser
import CarbonLedger
import CLISupport
import Foundation
import LedgerStore

struct Upgrade: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bring a ledger directory up to this cledger's format, and its state up to its log.",
        discussion: """
            A directory of format 3 has the same log as this cledger's format 4; only the state's keys \
            differ. This command records the current format and rebuilds the state from the log (every \
            entry replayed through the rules; about 30,000 entries/s on 2 cores), as it does a state an \
            earlier cledger of format 4 wrote (it kept the records only the rules read, which are now the \
            rules checkpoint's alone). Any writer does the same \
            when it starts (`serve`, `submit`); reading commands refuse a format 3 directory until then. \
            Also replays whatever a crash left the state behind. Directories of formats 1 and 2 are \
            refused: `cledger mirror` builds a current copy of them. Safe to run again: it then does nothing.
            """)

    @OptionGroup var ledgerDirectory: LedgerDirectoryOption

    func run() throws {
        let started = Date()
        let ledger = try ledgerDirectory.open(options: LMDBOptions())
        let size = try ledger.info().size
        if let earlier = ledger.store.tookOverFormat { print("format: \(earlier) -> \(LogStore.format)") } else { print("format: \(LogStore.format) (unchanged)") }
        // No key needed: the state is the log's, whoever signs.
        let outcome = try Sequencer(replicaOf: ledger.store).loadRulesState().state
        let rebuilt = ledger.openingEmptiedState || outcome.rebuilt
        let what = rebuilt ? "rebuilt from the log" : outcome.replayed > 0 ? "caught up with the log" : "already current"
        print("state: \(what), \(outcome.replayed) entries replayed, \(size) entries in the log (\(String(format: "%.1f", Date().timeIntervalSince(started))) s)")
    }
}
