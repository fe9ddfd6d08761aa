/// Writes the reducer's effects as the read models SPEC.md section 10 lays out: `hist/`,
/// `stat/`, `mkt/`, `lb/` and `totals`. The one writer of those records, wherever they are kept.
public enum Projection {
    /// Writes `effects` as if one by one, in order. The counters of the records many events
    /// share (statistics, market, totals) are summed first and each record written once; where
    /// a sum could differ from the one-by-one additions, which stop at ±(2^53 - 1) (a counter
    /// within reach of that bound, `CounterSums`), the shared records are written effect by
    /// effect instead. Changing each shared record per event took 13% more of this function's
    /// instructions (callgrind; Benchmarks/RESULTS.md).
    public static func apply(_ effects: [Effect], to state: StateOverlay) throws {
        try apply(effects[...], to: state)
    }

    /// `apply` of a slice: the projector's span of effects. Concrete rather than generic over
    /// `Collection`: the generic one, called from another module, walked the effects through
    /// unspecialized iterator witnesses, a sixth of its instructions (callgrind,
    /// Benchmarks/RESULTS.md).
    public static func apply(_ effects: ArraySlice<Effect>, to state: StateOverlay) throws {
        var sums = CounterSums()
        for effect in effects {
            switch effect {
            case .history(let seq, let account, let line):
                state.putCanonical(historyPath(seq: seq, account: account), bytes: line)
            case .credited(let day, let account, let scenario, let platform, let region, let mg, let behaviours):
                // One record per account, day and scenario: little to sum.
                try state.updateObject(statePath("lb", day, account, scenario, platform, region)) {
                    $0.add(behaviours, to: "behaviours")
                    $0.add(mg, to: "credited_mg")
                }
            case .stats, .totals, .market:
                if let r = sharedRecord(of: effect) { sums.add(r.key, r.deltas, skippingZeros: r.skippingZeros) }
            }
        }
        guard try sums.isExact(over: state) else {
            for effect in effects {
                guard let r = sharedRecord(of: effect) else { continue }
                try state.updateObject(r.key) { for d in r.deltas where !(r.skippingZeros && d.amount == 0) { $0.add(d.amount, to: d.counter) } }
            }
            return
        }
        for (key, counters) in sums.records {
            try state.updateObject(key) { o in for c in counters { o.add(c.sum, to: c.name) } }
        }
    }

    /// The record many events share that `effect` changes (statistics, market, totals), its
    /// counters' deltas, and whether a zero delta leaves its counter unnamed (the statistics'
    /// do); nil for the other effects.
    static func sharedRecord(of effect: Effect) -> (key: String, deltas: [Effect.Delta], skippingZeros: Bool)? {
        switch effect {
        case .stats(let day, let region, let scenario, let deltas):
            return (statePath("stat", day, region, scenario), deltas, true)
        case .totals(let deltas):
            return ("totals", deltas, false)
        case .market(let month, let currency, let deltas):
            return (currency.map { statePath("mkt", month, $0) } ?? statePath("mkt", month), deltas, false)
        case .history, .credited:
            return nil
        }
    }

    /// Whether `key` is one of the read models this writes (`hist/`, `stat/`, `mkt/`, `lb/`,
    /// `totals`): no rule reads them.
    public static func owns(_ key: String) -> Bool {
        if let owned = key.utf8.withContiguousStorageIfAvailable({ owns(keyBytes: UnsafeRawBufferPointer($0)) }) { return owned }
        return Array(key.utf8).withUnsafeBytes(owns(keyBytes:))
    }

    /// `owns` of a key given as its bytes (a store's key being scanned: no string made).
    public static func owns(keyBytes k: UnsafeRawBufferPointer) -> Bool {
        switch k.first {
        case UInt8(ascii: "h"): return k.starts(with: "hist/".utf8)
        case UInt8(ascii: "l"): return k.starts(with: "lb/".utf8)
        case UInt8(ascii: "s"): return k.starts(with: "stat/".utf8)
        case UInt8(ascii: "m"): return k.starts(with: "mkt/".utf8)
        case UInt8(ascii: "t"): return k.elementsEqual("totals".utf8)
        default: return false
        }
    }

    /// Where the history line of `account` at `seq` goes: under the million of its seq first
    /// (the first 10 digits of SEQ16), so the index's writes stay within the current million's
    /// lines instead of spreading over every account's place in the whole index (SPEC.md
    /// section 10). A day is no bound: at full speed a million entries take half a minute.
    public static func historyPath(seq: UInt64, account: String) -> String {
        // Written in one pass (`hist/`, the first 10 digits, the account, all the digits): the
        // padded number, its prefix and the joined path were three strings a history line
        // (callgrind, Benchmarks/RESULTS.md).
        let digits = decimalWidth(seq, minimum: 16), accountBytes = account.utf8.count
        let count = 5 + 10 + 1 + accountBytes + 1 + digits, seqAt = count - digits
        return String(unsafeUninitializedCapacity: count) { b in
            writeDigits(seq, width: digits, into: b, at: seqAt)
            for (i, c) in "hist/".utf8.enumerated() { b[i] = c }
            for k in 0..<10 { b[5 + k] = b[seqAt + k] }
            b[15] = UInt8(ascii: "/")
            var i = 16
            for c in account.utf8 { b[i] = c; i += 1 }
            b[i] = UInt8(ascii: "/")
            return count
        }
    }
}
