/// The deltas of a batch's effects summed per record and counter (`Projection.apply`), with
/// what it takes to know that adding a sum once gives what adding its deltas one by one gives
/// (`JSONObject.add`: each sum stops at JSON's safe integers, ±(2^53 - 1)): no partial sum,
/// added to the counter's value, leaves them.
struct CounterSums {
    struct Counter {
        var name: String
        var sum: Int64 = 0
        /// The least and greatest partial sums (0 before the first delta).
        var low: Int64 = 0
        var high: Int64 = 0
        /// A partial sum left Int64 itself.
        var overflowed = false

        mutating func add(_ delta: Int64) {
            let (s, o) = sum.addingReportingOverflow(delta)
            if o { overflowed = true; return }
            sum = s
            low = min(low, s)
            high = max(high, s)
        }
    }

    /// Per record key, its counters in the order first named.
    private(set) var records: [String: [Counter]] = [:]

    /// `skippingZeros`: a zero delta does not name its counter (the statistics'); otherwise it
    /// does, as a record's add of 0 does.
    mutating func add(_ key: String, _ deltas: [Effect.Delta], skippingZeros: Bool) {
        Self.add(deltas, to: &records[key, default: []], skippingZeros: skippingZeros)
    }

    private static func add(_ deltas: [Effect.Delta], to counters: inout [Counter], skippingZeros: Bool) {
        for d in deltas where !(skippingZeros && d.amount == 0) {
            if let i = counters.firstIndex(where: { $0.name == d.counter }) {
                counters[i].add(d.amount)
            } else {
                var c = Counter(name: d.counter)
                c.add(d.amount)
                counters.append(c)
            }
        }
    }

    /// Whether every sum, added once to its counter's value in `state`, gives what its deltas
    /// one by one would: every partial sum within the safe integers, from the value too (a
    /// stored value beyond them, which one addition would bring within, is left to the
    /// one-by-one additions).
    func isExact(over state: StateOverlay) throws -> Bool {
        let bound = JSONValue.maxSafeInteger
        func safe(_ v: Int64, plus d: Int64) -> Bool {
            let (s, o) = v.addingReportingOverflow(d)
            return !o && s >= -bound && s <= bound
        }
        for (key, counters) in records {
            let object = try state.get(key)?.objectValue
            for c in counters {
                guard !c.overflowed else { return false }
                // An absent or non-integer counter counts from 0, as `JSONObject.add` does.
                let value = object?[c.name]?.intValue ?? 0
                guard safe(value, plus: c.low), safe(value, plus: c.high) else { return false }
            }
        }
        return true
    }
}
