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

    @Option(help: "Most history lines to show.")
    var history: Int = 50

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        let view = try ledgerDirectory.openReadOnly().accountView(id, historyLimit: history)
        if json {
            print(CanonicalJSON.string(view))
            return
        }
        func mg(_ k: String) -> String {
            let v = view[k]?.intValue ?? 0
            return "\(v) mg (\(Ledger.kilograms(v)) kg)"
        }
        print("account:    \(id) (\(view["kind"]?.stringValue ?? "?"), region \(view["region"]?.stringValue ?? "?")\(view["employer"]?.stringValue.map { ", employer \($0)" } ?? ""))")
        print("credited:   \(mg("credited_mg"))")
        print("reversed:   \(mg("reversed_mg"))")
        print("donated:    \(mg("donated_mg"))")
        print("available:  \(mg("available_mg"))")
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
        print("history:")
        for h in view["history"]?.arrayValue ?? [] {
            var o = h.objectValue ?? JSONObject()
            let seq = o["seq"]?.intValue ?? 0
            let event = o["event"]?.stringValue ?? "?"
            o["seq"] = nil; o["event"] = nil
            print("  seq \(seq)  \(event)  \(CanonicalJSON.string(.object(o)))")
        }
    }
}
