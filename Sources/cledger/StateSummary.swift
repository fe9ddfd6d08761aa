import ArgumentParser
import CarbonLedger
import CLISupport
import Foundation
import LedgerCore
import LedgerStore

/// What a state store holds, in a few numbers.
struct StateSummary {
    var accounts = 0
    var keys = 0
    var totals: JSONValue = [:]

    init(_ store: LogStore) throws {
        try store.read { r in
            try r.stateTxn.scan(r.store.state, from: nil) { k, v in
                keys += 1
                if k.starts(with: Array("acct/".utf8)) { accounts += 1 }
                if Array(k) == Array("totals".utf8) { totals = try JSONParser.parseCanonical(Array(v)) }
                return true
            }
        }
    }

    var json: JSONValue { ["accounts": .int(Int64(accounts)), "state_keys": .int(Int64(keys)), "totals": totals] }

    var text: String {
        var lines = ["accounts: \(accounts), state keys: \(keys)"]
        for m in totals.objectValue?.members ?? [] {
            let v = m.value.intValue ?? 0
            lines.append("  \(m.key): \(v)\(m.key.hasSuffix("_mg") ? " (\(Ledger.kilograms(v)) kg)" : "")")
        }
        return lines.joined(separator: "\n")
    }
}
