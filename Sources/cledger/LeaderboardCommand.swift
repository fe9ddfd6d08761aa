import ArgumentParser
import CarbonLedger
import CLISupport
import LedgerCore

struct LeaderboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leaderboard",
        abstract: "Rank accounts by the reductions credited for behaviours of a period, net of reversals.",
        discussion: """
            The period is --month YYYYMM, or --from and --to as CST days YYYYMMDD (the behaviours' start days). \
            --region (that region or any under it), --scenario and --platform narrow what counts. Accounts with \
            equal credit share a rank. --account shows that account's rank too, wherever it is. Accounts are \
            shown by their ids, the programme's pseudonyms.
            """)

    @OptionGroup var ledgerDirectory: LedgerDirectoryOption

    @Option(help: ArgumentHelp("The month, YYYYMM.", valueName: "yyyymm"))
    var month: String?

    @Option(help: ArgumentHelp("The first CST day, YYYYMMDD (with --to).", valueName: "yyyymmdd"))
    var from: String?

    @Option(help: ArgumentHelp("The last CST day, YYYYMMDD (with --from).", valueName: "yyyymmdd"))
    var to: String?

    @Option(help: "Count only behaviours of this region or a region under it (e.g. 440300).")
    var region: String?

    @Option(help: "Count only behaviours of this scenario (e.g. metro).")
    var scenario: String?

    @Option(help: "Count only behaviours this platform reported (its actor, e.g. szmetro).")
    var platform: String?

    @Option(help: "How many of the first ranks to show (1 to 1000).")
    var top: Int = 10

    @Option(help: "Also show this account's rank.")
    var account: String?

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        guard (1...1000).contains(top) else { throw ValidationError("--top must be 1 to 1000, not \(top)") }
        _ = try period()
    }

    func period() throws -> (from: String, to: String) {
        do throws(LeaderboardError) { return try Leaderboard.Query.period(month: month, from: from, to: to) } catch {
            throw ValidationError(error.message(naming: "--"))
        }
    }

    func run() throws {
        let (f, t) = try period()
        var q = Leaderboard.Query(from: f, to: t)
        q.region = region; q.scenario = scenario; q.platform = platform; q.top = top; q.account = account
        let board = try ledgerDirectory.openReadOnly().leaderboard(q)
        if json {
            print(CanonicalJSON.string(board.json))
            return
        }
        let narrowed = [region.map { "region \($0)" }, scenario, platform.map { "by \($0)" }].compactMap { $0 }
        print("leaderboard \(f)-\(t)\(narrowed.isEmpty ? "" : " (\(narrowed.joined(separator: ", ")))"): \(counted(board.ranked, "account")) with credit")
        for r in board.rows {
            let rank = String(r.rank ?? 0)
            print("\(String(repeating: " ", count: max(0, 4 - rank.count)))\(rank)  \(r.account)  \(Ledger.kilograms(r.creditedMg)) kg  (\(counted(r.behaviours, "behaviour")))")
        }
        if let a = board.account {
            if let rank = a.rank {
                print("\(a.account): rank \(rank) of \(board.ranked), \(Ledger.kilograms(a.creditedMg)) kg")
            } else {
                print("\(a.account): no credit in the period")
            }
        }
    }
}
