/// Holding, transferring, retiring and cancelling units; compliance offset rules; the supply
/// invariant (SPEC.md 8.17-8.21).
extension RuleContext {
    /// A holder key acts for the account named by its actor; an exchange key for accounts that
    /// authorised it.
    func authorizeHolder(_ account: String, field: String, for type: String) throws {
        if has(.holder) && actor == account { return }
        if has(.exchange), try state.record(SeqRecord.self, at: statePath("xauth", account, actor)) != nil { return }
        throw RuleViolation(field: field, rule: .authRole,
                            message: "\(type) for account \(account) needs its holder key (role holder, actor \(account)) or an exchange key it authorised; \(signer.name) is actor \(actor) with \(roles.joined(separator: ", "))")
    }

    func holderAuthorise(_ f: EventFields) throws {
        try f.require(["account", "exchange", "allow"])
        let account = try f.identifier("account"), exchange = try f.identifier("exchange")
        guard has(.holder) && actor == account else {
            throw RuleViolation(field: "account", rule: .authRole, message: "only account \(account)'s holder key authorises exchanges for it")
        }
        state.putRecord(statePath("xauth", account, exchange), try f.bool("allow") ? SeqRecord(Int64(seq)) : nil)
    }

    func batch(_ f: EventFields) throws -> (String, BatchRecord) {
        let id = try f.identifier("batch")
        guard let b = try batchRecord(id) else { throw RuleViolation(field: "batch", rule: .unitsUnknownBatch, message: "batch \(id) does not exist") }
        return (id, b)
    }

    func batchRecord(_ id: String) throws -> BatchRecord? { try state.record(BatchRecord.self, at: statePath("batch", id)) }
    func putBatch(_ id: String, _ b: BatchRecord) { state.putRecord(statePath("batch", id), b) }


    func unitsTransfer(_ f: EventFields) throws {
        try f.require(["batch", "from", "to", "units"], optional: rules >= .v3 ? ["price"] : [])
        let price = try transferPrice(f)
        let (batch, b) = try self.batch(f)
        let from = try f.identifier("from"), to = try f.identifier("to")
        try authorizeHolder(from, field: "from", for: f.type)
        let n = try f.int("units", min: 1)
        guard try account(to) != nil else { throw RuleViolation(field: "to", rule: .accountUnknown, message: "account \(to) is not open") }
        guard from != to else { throw f.fail("to", "must differ from from") }
        let blocks = try state.childRecords(HoldingRecord.self, of: statePath("hold", from, batch))
        let held = blocks.reduce(0) { $0 + $1.record.value - keyNumber($1.key) + 1 }
        guard held >= n else {
            throw RuleViolation(field: "units", rule: .unitsInsufficient, message: "account \(from) holds \(held) units of batch \(batch), fewer than \(n)")
        }
        // A prefix of the sender's blocks, splitting the last one taken.
        var need = n
        var moved: [JSONValue] = []
        for (key, block) in blocks where need > 0 {
            let first = keyNumber(key), last = block.value
            let take = min(need, last - first + 1)
            need -= take
            try moveHeld(batch: batch, from: from, blockFirst: first, blockLast: last, range: (first, first + take - 1), to: to)
            moved.append([.int(first), .int(first + take - 1)])
        }
        var sent: JSONObject = ["event": "units.transfer", "batch": .string(batch), "to": .string(to), "units": .int(-n)]
        var received: JSONObject = ["event": "units.transfer", "batch": .string(batch), "from": .string(from), "units": .int(n), "ranges": .array(moved)]
        if let price {
            sent["price"] = price.json
            received["price"] = price.json
        }
        history(from, .object(sent))
        history(to, .object(received))
        // The market statistics came with v3's prices: a v2 log's projections stay what they were.
        if rules >= .v3 {
            addMarket(currency: nil, ["transfers": 1, "units": n, "priced_units": price == nil ? 0 : n])
            if let price { addMarket(currency: price.currency, ["transfers": 1, "units": n, "amount": price.amount]) }
        }
        _ = b
        try checkSupply(batch)
    }

    /// A transfer's price (v3): `{"amount":N,"currency":"CNY"}`, N the total paid for the
    /// units in the currency's minor unit (fen for yuan), the currency its ISO 4217 code.
    func transferPrice(_ f: EventFields) throws(RuleViolation) -> (currency: String, amount: Int64, json: JSONValue)? {
        guard let value = f.obj["price"] else { return nil }
        guard let o = value.objectValue, o.keys == ["amount", "currency"], let amount = o["amount"]?.intValue, (0...JSONValue.maxSafeInteger).contains(amount),
              let currency = o["currency"]?.stringValue, currency.utf8.count == 3, currency.utf8.allSatisfy({ $0 >= 0x41 && $0 <= 0x5A }) else {
            throw f.fail("price", "must be {\"amount\":N,\"currency\":\"CNY\"}: N the total paid in the currency's minor unit (fen for yuan), 0 to 2^53-1, and the currency's ISO 4217 code in capitals")
        }
        return (currency, amount, value)
    }

    /// Moves `range` (inside the held block [blockFirst, blockLast] of `from`) to `to`, or, when
    /// `newState` is a retirement or cancellation, out of circulation from `from`.
    func moveHeld(batch: String, from: String, blockFirst: Int64, blockLast: Int64, range: (Int64, Int64), to: String,
                  state newState: RangeRecord.State = .held) throws {
        let (lo, hi) = range
        func holdingKey(_ account: String, _ first: Int64) -> String { statePath("hold", account, batch, pad16(first)) }
        func rangeKey(_ first: Int64) -> String { statePath("rng", batch, pad16(first)) }
        put(holdingKey(from, blockFirst), nil)
        put(rangeKey(blockFirst), nil)
        if blockFirst < lo {
            state.putRecord(holdingKey(from, blockFirst), HoldingRecord(lo - 1))
            state.putRecord(rangeKey(blockFirst), RangeRecord(last: lo - 1, account: from, state: .held))
        }
        if hi < blockLast {
            state.putRecord(holdingKey(from, hi + 1), HoldingRecord(blockLast))
            state.putRecord(rangeKey(hi + 1), RangeRecord(last: blockLast, account: from, state: .held))
        }
        let moved: RangeRecord
        switch newState {
        case .held:
            moved = RangeRecord(last: hi, account: to, state: .held)
            state.putRecord(holdingKey(to, lo), HoldingRecord(hi))
        case .retired(let id, _):
            moved = RangeRecord(last: hi, account: from, state: .retired(retirement: id, seq: Int64(seq)))
        case .cancelled(let id, _):
            moved = RangeRecord(last: hi, account: from, state: .cancelled(cancellation: id, seq: Int64(seq)))
        }
        state.putRecord(rangeKey(lo), moved)
        try countHeld(from, lo - hi - 1)
        if newState == .held { try countHeld(to, hi - lo + 1) }
    }

    /// Parses `ranges` ([[first,last],...], ascending, disjoint) and checks `account` holds every
    /// unit of them in `batch`. A range not held is refused naming what holds its first unit the
    /// account does not (a retirement, a cancellation, another account).
    func heldRanges(_ f: EventFields, batch: String, account: String, units total: Int64) throws -> [(lo: Int64, hi: Int64)] {
        guard let list = f.obj["ranges"]?.arrayValue, (1...1000).contains(list.count) else {
            throw f.fail("ranges", "must be 1 to 1000 serial ranges [first, last]")
        }
        var out: [(lo: Int64, hi: Int64)] = []
        var previous: Int64 = 0
        for (i, r) in list.enumerated() {
            guard let pair = r.arrayValue, pair.count == 2, let lo = pair[0].intValue, let hi = pair[1].intValue, lo >= 1, lo <= hi, hi <= total else {
                throw f.fail("ranges[\(i)]", "must be [first, last] with 1 <= first <= last <= \(total) (the batch's units)")
            }
            guard lo > previous else { throw f.fail("ranges[\(i)]", "ranges must be ascending and disjoint") }
            previous = hi
            guard let unit = try heldBlocks(batch: batch, account: account, lo: lo, hi: hi).notHeld else {
                out.append((lo, hi))
                continue
            }
            // Not held: say by whom or what, from the batch's range index.
            let holder = try state.predecessorRecord(RangeRecord.self, parent: statePath("rng", batch), before: statePath("rng", batch, pad16(unit + 1)))?.record
            let what: String
            switch holder?.state {
            case .retired(let retirement, let at)?:
                throw RuleViolation(field: "ranges[\(i)]", rule: .unitsDoubleSpend, message: "serials \(lo)-\(hi) of batch \(batch) include unit \(unit), already retired by retirement \(retirement) at seq \(at)",
                                    conflictingSeq: UInt64(clamping: at))
            case .cancelled(_, let at)?:
                throw RuleViolation(field: "ranges[\(i)]", rule: .unitsDoubleSpend, message: "serials \(lo)-\(hi) of batch \(batch) include unit \(unit), cancelled at seq \(at)",
                                    conflictingSeq: UInt64(clamping: at))
            case .held?: what = "account \(holder?.account ?? "?")"
            case nil: what = "nobody"
            }
            throw RuleViolation(field: "ranges[\(i)]", rule: .unitsNotHeld, message: "account \(account) does not hold all of serials \(lo)-\(hi) of batch \(batch) (unit \(unit) is held by \(what))")
        }
        return out
    }

    /// The blocks of `account` that hold `lo...hi`, each with the part of the range in it, or the
    /// first unit of the range the account does not hold. A holder's blocks are never merged
    /// (units received by two transfers stay two blocks), so a range may span several.
    func heldBlocks(batch: String, account: String, lo: Int64, hi: Int64) throws
        -> (pieces: [(blockFirst: Int64, blockLast: Int64, lo: Int64, hi: Int64)], notHeld: Int64?) {
        let prefix = statePath("hold", account, batch)
        var pieces: [(blockFirst: Int64, blockLast: Int64, lo: Int64, hi: Int64)] = []
        var unit = lo
        while unit <= hi {
            // The block starting last at or before `unit`; it holds `unit` if it reaches it.
            guard let block = try state.predecessorRecord(HoldingRecord.self, parent: prefix, before: statePath(prefix, pad16(unit + 1))),
                  block.record.value >= unit else {
                return (pieces, unit)
            }
            let last = block.record.value
            pieces.append((keyNumber(block.key), last, unit, min(last, hi)))
            unit = last + 1
        }
        return (pieces, nil)
    }

    /// Moves the validated `ranges` of `account` to `newState`, block by block as they stand
    /// when each range is moved: two ranges in one block split it twice.
    func moveRanges(_ ranges: [(lo: Int64, hi: Int64)], batch: String, account: String, state newState: RangeRecord.State) throws {
        for r in ranges {
            let (pieces, notHeld) = try heldBlocks(batch: batch, account: account, lo: r.lo, hi: r.hi)
            guard notHeld == nil else {
                throw RuleViolation(field: "ranges", rule: .supplyInvariant, message: "serials \(r.lo)-\(r.hi) of batch \(batch) were held by \(account) and are not now")
            }
            for p in pieces {
                try moveHeld(batch: batch, from: account, blockFirst: p.blockFirst, blockLast: p.blockLast, range: (p.lo, p.hi), to: account, state: newState)
            }
        }
    }

    /// A retirement's terms, which need no state: beneficiary, purpose, reason, jurisdiction and
    /// consumption period (SPEC.md 8.19). Offline verifiers check a proven retirement with these
    /// same rules (ProvenEntryShape). Returns the purpose.
    static func retirementTerms(_ f: EventFields) throws(RuleViolation) -> String {
        _ = try f.text("beneficiary")
        let purpose = try f.string("purpose")
        guard ["voluntary", "event", "compliance"].contains(purpose) else { throw f.fail("purpose", "must be voluntary, event or compliance") }
        _ = try f.text("reason", max: 1024)
        _ = try f.text("jurisdiction")
        guard days(from: try f.string("period_from"), to: try f.string("period_to")) != nil else {
            throw f.fail("period_to", "the consumption period must be CST dates YYYYMMDD, period_from <= period_to, at most 366 days")
        }
        return purpose
    }

    func unitsRetire(_ f: EventFields) throws {
        try f.require(["retirement", "batch", "account", "ranges", "units", "beneficiary", "purpose", "reason", "jurisdiction", "period_from", "period_to"],
                      optional: ["beneficiary_account", "compliance"] + (rules >= .v3 ? ["footprint"] : []))
        let (batch, batchBefore) = try self.batch(f)
        var b = batchBefore
        let id = try f.identifier("retirement")
        let account = try f.identifier("account")
        try authorizeHolder(account, field: "account", for: f.type)
        guard try get("ret/\(id)") == nil else { throw RuleViolation(field: "retirement", rule: .retirementDuplicate, message: "retirement \(id) already exists") }
        let ranges = try heldRanges(f, batch: batch, account: account, units: b.units)
        let n = ranges.reduce(0) { $0 + $1.hi - $1.lo + 1 }
        guard try f.int("units", min: 1) == n else { throw f.fail("units", "units must equal the size of the ranges (\(n))") }
        let purpose = try Self.retirementTerms(f)
        var beneficiaryAccount: String?
        if f.obj["beneficiary_account"] != nil {
            beneficiaryAccount = try f.identifier("beneficiary_account")
            guard try self.account(beneficiaryAccount!) != nil else { throw RuleViolation(field: "beneficiary_account", rule: .accountUnknown, message: "account \(beneficiaryAccount!) is not open") }
        }
        var compliance: JSONValue?
        if purpose == "compliance" {
            compliance = try checkCompliance(f, company: beneficiaryAccount, batch: b, units: n)
        } else if f.obj["compliance"] != nil {
            throw f.fail("compliance", "only compliance retirements state a compliance scheme")
        }
        // v3: a retirement made for a registered event footprint counts toward it.
        if f.obj["footprint"] != nil { try countTowardFootprint(try f.identifier("footprint"), units: n) }
        try moveRanges(ranges, batch: batch, account: account, state: .retired(retirement: id, seq: Int64(seq)))
        b.held -= n
        b.retired += n
        putBatch(batch, b)
        var record = f.obj
        record["type"] = nil
        // v2: the block as the registry shows it, with the authority's allowance (v1: as stated).
        if rules >= .v2, let compliance { record["compliance"] = compliance }
        record["seq"] = .int(Int64(seq))
        record["time"] = .string(time.rfc3339)
        record["serials"] = .array(ranges.map { .string("\(b.serialPrefix)-\($0.lo)-\($0.hi)") })
        put("ret/\(id)", .object(record))
        history(account, ["event": "units.retire", "batch": .string(batch), "retirement": .string(id), "units": .int(-n)])
        addTotals(["units_retired": n])
        try checkSupply(batch)
    }

    func unitsCancel(_ f: EventFields) throws {
        try authorize(.admin, for: f.type)
        try f.require(["batch", "account", "ranges", "units", "reason"])
        let (batch, batchBefore) = try self.batch(f)
        var b = batchBefore
        let account = try f.identifier("account")
        let ranges = try heldRanges(f, batch: batch, account: account, units: b.units)
        let n = ranges.reduce(0) { $0 + $1.hi - $1.lo + 1 }
        guard try f.int("units", min: 1) == n else { throw f.fail("units", "units must equal the size of the ranges (\(n))") }
        _ = try f.text("reason", max: 1024)
        try moveRanges(ranges, batch: batch, account: account, state: .cancelled(cancellation: "seq-\(seq)", seq: Int64(seq)))
        b.held -= n
        b.cancelled += n
        putBatch(batch, b)
        history(account, ["event": "units.cancel", "batch": .string(batch), "units": .int(-n)])
        addTotals(["units_cancelled": n])
        try checkSupply(batch)
    }

    /// The supply invariant, asserted after every event that moves units: the batch's ranges are
    /// disjoint and cover 1...units exactly, issued = held + retired + cancelled, and every held
    /// range is in its holder's holdings.
    func checkSupply(_ batch: String, assertOnFailure: Bool = true) throws {
        func broken(_ why: String) throws {
            if assertOnFailure { assertionFailure("supply invariant broken for batch \(batch): \(why)") }
            throw RuleViolation(field: "batch", rule: .supplyInvariant, message: "supply invariant broken for batch \(batch): \(why)")
        }
        guard let b = try batchRecord(batch) else { return }
        var next: Int64 = 1
        var counts: [String: Int64] = [:]
        for (key, r) in try state.childRecords(RangeRecord.self, of: statePath("rng", batch)) {
            let first = keyNumber(key), last = r.last
            let ok = first == next && last >= first
            if ok, r.state == .held {
                let h = try state.record(HoldingRecord.self, at: statePath("hold", r.account, batch, pad16(first)))
                if h?.value != last { return try broken("held range \(first)-\(last) is not in \(r.account)'s holdings") }
            }
            guard ok else { return try broken("range \(first)-\(last) does not start at \(next)") }
            counts[r.stateName, default: 0] += last - first + 1
            next = last + 1
        }
        let units = b.units
        guard next == units + 1 else { return try broken("ranges cover 1-\(next - 1), the batch has \(units) units") }
        guard counts["held", default: 0] == b.held, counts["retired", default: 0] == b.retired,
              counts["cancelled", default: 0] == b.cancelled, b.held + b.retired + b.cancelled == units else {
            return try broken("issued \(units) != held \(b.held) + retired \(b.retired) + cancelled \(b.cancelled) (ranges: \(counts))")
        }
    }
}
