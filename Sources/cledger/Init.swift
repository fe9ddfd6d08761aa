import ArgumentParser
import CarbonLedger
import LedgerStore
import LedgerCore

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a ledger whose registry (checkpoint-signing) key is --key.",
        discussion: "Creates DIR (or uses it if empty), copies the private key to DIR/registry.key (mode 0600) and appends the genesis entry, which names the origin and the registry's verifier key.")

    @Option(help: "Ledger directory to create; must be new or empty.")
    var dir: String

    @Option(help: "The log's origin: the first line of every checkpoint, e.g. carbonledger.example/shenzhen (printable ASCII, no spaces).")
    var origin: String

    @Option(help: "Private key file from `cledger keygen`; becomes the registry key.")
    var key: String

    @Option(name: .customLong("admin"), help: "An admin's verifier key (name+keyid+base64); repeat for several (at most 16). Admins register keys, methodologies and accounts. Default: the registry key.")
    var admins: [String] = []

    @Option(help: ArgumentHelp("The rule set the log is bound to for its whole life (SPEC.md section 8.23). v1 only to reproduce a log written under it.",
                               valueName: "rules"))
    var rules: String = RuleSet.latest.rawValue

    @Option(help: ArgumentHelp("How many CST days after a behaviour's day it may still be reported (carbonledger/v3 on; SPEC.md 8.7).", valueName: "days"))
    var reportDays: Int64 = Windows.standard.reportDays

    @Option(help: ArgumentHelp("How many CST days after a behaviour's day it may still be reversed; at least --report-days (carbonledger/v3 on; SPEC.md 8.8).", valueName: "days"))
    var reversalDays: Int64 = Windows.standard.reversalDays

    @Flag(help: "Skip fsync on commit (faster, loses recent commits on power failure). Off by default.")
    var noSync = false

    func run() throws {
        guard let ruleSet = RuleSet(rawValue: rules) else {
            throw ValidationError("--rules \(rules): not a rule set (\(RuleSet.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        // Before v3 there are no windows, unless the options ask for some (and are refused).
        let given = Windows(reportDays: reportDays, reversalDays: reversalDays)
        let windows = ruleSet >= .v3 || given != .standard ? given : nil
        if let problem = Ledger.problem(with: windows, rules: ruleSet) {
            throw ValidationError("--report-days \(reportDays) --reversal-days \(reversalDays): \(problem)")
        }
        let signingKey = try LedgerDirectory.readSigningKey(key)
        var options = LMDBOptions()
        options.noSync = noSync
        var adminKeys: [NoteVerifierKey] = []
        for a in admins {
            do { adminKeys.append(try NoteVerifierKey(a)) } catch { throw ValidationError("--admin \(a): \(error)") }
        }
        let ledger = try Ledger.create(directory: dir, origin: origin, key: signingKey, admins: adminKeys.isEmpty ? nil : adminKeys, rules: ruleSet, windows: windows, options: options)
        let info = try ledger.info()
        print("created ledger \(info.origin) in \(dir)")
        print("registry key: \(info.registryKey)")
        print("rules: \(ruleSet.rawValue)")
        if let w = info.windows { print("windows: report \(w.reportDays) days, reverse \(w.reversalDays) days") }
        print("size: \(info.size)")
    }
}
