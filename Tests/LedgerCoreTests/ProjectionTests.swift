import Testing
import LedgerCore
import LedgerDemo

/// `Projection.apply` sums the shared records' counters of a batch before writing them; the
/// records must be what adding each delta in turn makes (each sum stopping at ±(2^53 - 1)),
/// also where a counter reaches that bound or starts beyond it.
@Suite struct ProjectionTests {
    /// A history line's key (SPEC.md section 10): the first 10 of the seq's 16 digits, the
    /// account, the 16 digits; beyond 16 digits, the first 10 of however many there are.
    @Test func historyKeysAreTheSeqsMillionTheAccountAndTheSeq() {
        for seq: UInt64 in [0, 7, 999_999, 1_000_000, 123_456_789_012, 9_999_999_999_999_999, 10_000_000_000_000_000, 1 << 53, UInt64(Int64.max)] {
            for account in ["p-1", "", "resident-00000000000000000000000042", "\u{4E2D}\u{6587}-1"] {
                let digits = String(repeating: "0", count: max(0, 16 - String(seq).count)) + String(seq)
                #expect(Projection.historyPath(seq: seq, account: account) == "hist/\(digits.prefix(10))/\(account)/\(digits)", "seq \(seq), account \(account)")
            }
        }
    }

    /// The read models' semantics written out one effect at a time: what the sums must equal.
    static func oneByOne(_ effects: [Effect], to state: StateOverlay) throws {
        for effect in effects {
            switch effect {
            case .history(let seq, let account, let line):
                state.putCanonical(Projection.historyPath(seq: seq, account: account), bytes: line)
            case .stats(let day, let region, let scenario, let deltas):
                try state.updateObject("stat/\(day)/\(region)/\(scenario)") { for d in deltas where d.amount != 0 { $0.add(saturating: d.amount, to: d.counter) } }
            case .totals(let deltas):
                try state.updateObject("totals") { for d in deltas { $0.add(saturating: d.amount, to: d.counter) } }
            case .market(let month, let currency, let deltas):
                try state.updateObject(currency.map { "mkt/\(month)/\($0)" } ?? "mkt/\(month)") { for d in deltas { $0.add(saturating: d.amount, to: d.counter) } }
            case .credited(let day, let account, let scenario, let platform, let region, let mg, let behaviours):
                try state.updateObject("lb/\(day)/\(account)/\(scenario)/\(platform)/\(region)") {
                    $0.add(saturating: behaviours, to: "behaviours")
                    $0.add(saturating: mg, to: "credited_mg")
                }
            }
        }
    }

    /// Random batches of effects over records that may start near a bound: amounts small, or
    /// within reach of the counters' bounds (2^53 - 1) and Int64's (`near`), zero deltas included.
    static func batch(_ rng: inout SplitMix64, near: Bool) -> (start: [(String, JSONValue)], effects: [Effect]) {
        func amount() -> Int64 {
            let m = JSONValue.maxSafeInteger
            switch rng.next() % 8 {
            case 0: return 0
            case 1 where near: return Int64.max - Int64(rng.next() % 1_000)
            case 2 where near: return Int64.min + Int64(rng.next() % 1_000)
            case 3 where near: return m - Int64(rng.next() % 1_000)
            case 4 where near: return -m + Int64(rng.next() % 1_000)
            default: return Int64(rng.next() % 2_001) - 1_000
            }
        }
        let counters = ["behaviours", "credited_mg", "points", "reversed_mg"]
        func deltas() -> [Effect.Delta] { (0..<Int(1 + rng.next() % 4)).map { _ in Effect.Delta(counters[Int(rng.next() % 4)], amount()) } }
        var effects: [Effect] = []
        for i in 0..<Int(20 + rng.next() % 60) {
            switch rng.next() % 5 {
            case 0: effects.append(.stats(day: "2026120\(rng.next() % 3)", region: "440305", scenario: rng.next() % 2 == 0 ? "metro" : "bus", deltas: deltas()))
            case 1: effects.append(.totals(deltas()))
            case 2: effects.append(.market(month: "202612", currency: rng.next() % 2 == 0 ? nil : "CNY", deltas: deltas()))
            case 3: effects.append(.credited(day: "20261201", account: "p-\(rng.next() % 3)", scenario: "metro", platform: "szmetro", region: "440305",
                                             mg: amount(), behaviours: 1))
            default: effects.append(.history(seq: UInt64(i), account: "p-\(rng.next() % 3)", line: Array(#"{"event":"x"}"#.utf8)))
            }
        }
        let start: [(String, JSONValue)] = near
            ? [("totals", ["behaviours": .int(JSONValue.maxSafeInteger - 5), "points": .int(Int64.min + 5), "credited_mg": "not a number"]),
               ("stat/20261200/440305/metro", ["credited_mg": .int(-JSONValue.maxSafeInteger)])]
            : [("totals", ["behaviours": 7])]
        return (start, effects)
    }

    @Test func summedCountersAreTheOneByOneAdditionsEvenAtTheBounds() throws {
        var rng = SplitMix64(seed: 23)
        for round in 0..<400 {
            let (start, effects) = Self.batch(&rng, near: round % 2 == 1)
            let summed = StateOverlay(base: EmptyState()), reference = StateOverlay(base: EmptyState())
            for (k, v) in start { summed.put(k, v); reference.put(k, v) }
            try Projection.apply(effects, to: summed)
            try Self.oneByOne(effects, to: reference)
            let a = summed.sortedWrites, b = reference.sortedWrites
            #expect(a.map(\.key) == b.map(\.key) && a.map(\.value) == b.map(\.value), "round \(round): \(effects)")
            if a.map(\.value) != b.map(\.value) { return }
        }
    }
}

extension JSONObject {
    /// The read models' counter semantics, from the public API: an absent counter takes the
    /// delta as it is; one present (not an integer: from 0) adds it, the sum stopping at
    /// ±(2^53 - 1).
    mutating func add(saturating delta: Int64, to key: String) {
        guard let value = self[key] else { self[key] = .int(delta); return }
        self[key] = .int((value.intValue ?? 0).saturatingAdding(delta))
    }
}
