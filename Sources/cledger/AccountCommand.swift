import ArgumentParser
import CarbonLedger
import CLISupport
import LedgerCore

struct AccountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account",
        abstract: "Show an account: reductions credited, reversed, donated and available (mg and kg), points per platform, its employees' totals for an enterprise, and the entries that changed it.")

    @OptionGroup var ledgerDirectory: LedgerDirectoryOption

    @Argument(help: "Account id.")
    var id: String

    @Option(help: "Most history lines to show: the newest.")
    var history: Int = 50

    @Option(help: ArgumentHelp("Show the history lines before this seq (to page back: the view names the seq to give).", valueName: "seq"))
    var historyBefore: UInt64?

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        guard (0...100_000).contains(history) else { throw ValidationError("--history must be 0 to 100000, not \(history)") }
        if let b = historyBefore, !(1...UInt64(JSONValue.maxSafeInteger)).contains(b) {
            throw ValidationError("--history-before must be a seq from 1 to 2^53-1, not \(b)")
        }
    }

    func run() throws {
        let view = try ledgerDirectory.openReadOnly().accountView(id, historyLimit: history, historyBefore: historyBefore)
        if json {
            print(CanonicalJSON.string(view))
            return
        }
        func mg(_ k: String) -> String {
            let v = view[k]?.intValue ?? 0
            return "\(v) mg (\(Ledger.kilograms(v)) kg)"
        }
        print("account:    \(id) (\(view["kind"]?.stringValue ?? "?"), region \(view["region"]?.stringValue ?? "?")\(view["employer"]?.stringValue.map { ", employer \($0)" } ?? ""))")
        // The lines add up: available = credited - reversed - donated - locked - issued.
        print("credited:   \(mg("credited_mg"))")
        print("reversed: - \(mg("reversed_mg"))")
        print("donated:  - \(mg("donated_mg"))")
        print("locked:   - \(mg("locked_mg")) (in issuance requests)")
        print("issued:   - \(mg("issued_mg")) (became units)")
        print("available:  \(mg("available_mg"))")
        for m in view["units_held"]?.objectValue?.members ?? [] {
            print("units held: \(m.value.intValue ?? 0) of batch \(m.key) (1 unit = 1 kg CO2e)")
        }
        if (view["received_mg"]?.intValue ?? 0) > 0 { print("received:   \(mg("received_mg"))") }
        print("qualitative (points only, not issuable): \(mg("qualitative_mg"))")
        if view["employees_net_mg"] != nil { print("employees:  \(mg("employees_net_mg")) net") }
        for m in view["points"]?.objectValue?.members ?? [] {
            print("points @\(m.key): balance \(m.value["balance"]?.intValue ?? 0) (earned \(m.value["earned"]?.intValue ?? 0), reversed \(m.value["reversed"]?.intValue ?? 0), redeemed \(m.value["redeemed"]?.intValue ?? 0))")
        }
        // Who moves the account's units (v2): its holder keys, and its key recoveries.
        for k in view["holder_keys"]?.arrayValue ?? [] {
            let state = k["revoked_seq"]?.intValue.map { "revoked at seq \($0)" } ?? "active"
            let via = k["recovery"]?.stringValue.map { ", by recovery \($0)" } ?? ""
            print("holder key: \(k["key"]?.stringValue ?? "?") (registered at seq \(k["registered_seq"]?.intValue ?? 0)\(via), \(state))")
        }
        for r in view["recoveries"]?.arrayValue ?? [] {
            print("recovery \(r["proposal"]?.stringValue ?? "?"): \(r["status"]?.stringValue ?? "?"), proposed by \(r["proposed_by"]?.stringValue ?? "?")"
                  + (r["decided_by"]?.stringValue.map { ", decided by \($0)" } ?? "") + ": \(r["reason"]?.stringValue ?? "")")
        }
        let lines = view["history"]?.arrayValue ?? []
        if view["history_more"] == true, let before = view["history_before"]?.intValue {
            print("history (the newest \(counted(lines.count, "line")); older: --history-before \(before)):")
        } else {
            print("history:")
        }
        for h in lines {
            var o = h.objectValue ?? JSONObject()
            let seq = o["seq"]?.intValue ?? 0
            let event = o["event"]?.stringValue ?? "?"
            o["seq"] = nil; o["event"] = nil
            print("  seq \(seq)  \(event)  \(CanonicalJSON.string(.object(o)))")
        }
    }
}
