import ArgumentParser
import CarbonLedger
import CLISupport
import Foundation
import LedgerCore

/// The human-readable page.
enum CertificatePage {
    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func html(summary s: JSONValue, key: String) -> String {
        func f(_ k: String) -> String {
            guard let v = s[k] else { return "" }
            return esc(v.stringValue ?? v.intValue.map(String.init) ?? CanonicalJSON.string(v))
        }
        let serials = (s["serials"]?.arrayValue ?? []).map { "<li><code>\(esc($0.stringValue ?? ""))</code></li>" }.joined()
        let compliance = s["compliance"].map { c in "<tr><th>Compliance</th><td>scheme \(esc(c["scheme"]?.stringValue ?? "")), year \(c["year"]?.intValue ?? 0), allowance \(c["allowance_t"]?.intValue ?? 0) t, gap \(c["gap_t"]?.intValue ?? 0) t</td></tr>" } ?? ""
        return """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Retirement certificate \(f("retirement"))</title>
        <style>
        body { font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; color: #1c2b1e; }
        h1 { color: #1f6f3d; margin-bottom: .2rem; } .amount { font-size: 2.2rem; font-weight: 700; color: #1f6f3d; }
        table { border-collapse: collapse; width: 100%; margin-top: 1rem; } th { text-align: left; width: 12rem; color: #555; font-weight: 500; }
        th, td { padding: .35rem .4rem; border-bottom: 1px solid #e3e9e4; vertical-align: top; } code { font-size: .85rem; word-break: break-all; }
        .verified { background: #e7f5ec; border: 1px solid #9bd1ad; padding: .6rem .8rem; border-radius: .4rem; margin-top: 1.2rem; font-size: .9rem; }
        </style></head><body>
        <h1>Carbon-inclusion retirement certificate</h1>
        <p>Retirement <strong>\(f("retirement"))</strong> on \(f("ledger"))</p>
        <p class="amount">\(f("amount_t")) t CO<sub>2</sub>e <span style="font-size:1rem;color:#555">(\(f("amount_kg")) kg, \(f("units")) units)</span></p>
        <table>
        <tr><th>Beneficiary</th><td>\(f("beneficiary"))\(s["beneficiary_account"] != nil ? " (account " + f("beneficiary_account") + ")" : "")</td></tr>
        <tr><th>Purpose</th><td>\(f("purpose"))</td></tr>
        <tr><th>Reason</th><td>\(f("reason"))</td></tr>
        <tr><th>Consumption period</th><td>\(f("period_from")) to \(f("period_to")), jurisdiction \(f("jurisdiction"))</td></tr>
        \(compliance)
        <tr><th>Serial numbers</th><td><ul style="margin:0;padding-left:1rem">\(serials)</ul></td></tr>
        <tr><th>Project, vintage</th><td>\(f("project")), vintage \(f("vintage")), region \(f("region"))</td></tr>
        <tr><th>Issuance</th><td>batch \(f("batch")) of \(f("batch_units")) units, request \(f("request")), entry \(f("issuance_seq"))</td></tr>
        <tr><th>Lineage root</th><td><code>\(f("lineage_root"))</code></td></tr>
        <tr><th>Retired</th><td>\(f("retired_at")) by account \(f("retired_by")), ledger entry \(f("retirement_seq"))</td></tr>
        </table>
        <div class="verified">Verified offline against the registry key <code>\(esc(key))</code>: both entries are included in the signed checkpoint of tree size \(f("checkpoint_size")), and every field above is read from those entries.</div>
        </body></html>

        """
    }
}
