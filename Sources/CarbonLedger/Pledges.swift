import Foundation
import LedgerCore
import LedgerStore

extension Ledger {
    /// What each sponsor has pledged for the donations made in its name (SPEC.md 8.10): the
    /// donations, the mg donated and the fen pledged (per whole gram, as each donation states),
    /// sponsors by name. What sponsors pay is outside the log; what they owe is this.
    public func pledges() throws -> [JSONValue] {
        try store.read { r in
            var bySponsor: [String: (donations: Int64, mg: Int64, fen: Int64)] = [:]
            for (_, d) in try r.stateRecords(prefix: "don/") {
                guard let name = d["sponsor"]?["name"]?.stringValue else { continue }
                let was = bySponsor[name] ?? (0, 0, 0)
                // Sums stop at Int64's bounds rather than trap, like the read models' counters.
                bySponsor[name] = (was.donations + 1, was.mg.saturatingAdding(d["amount_mg"]?.intValue ?? 0),
                                   was.fen.saturatingAdding(d["pledge_fen"]?.intValue ?? 0))
            }
            return bySponsor.keys.sorted().map { name in
                let t = bySponsor[name]!
                return ["sponsor": .string(name), "donations": .int(t.donations), "donated_mg": .int(t.mg), "pledge_fen": .int(t.fen)]
            }
        }
    }
}
