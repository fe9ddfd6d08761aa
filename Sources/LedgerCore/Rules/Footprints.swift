/// Event footprints (rule set v3, SPEC.md section 8.24): an event (a games, a forum, a
/// marathon) states what it emitted, and the retirements made for it count toward it, so
/// anyone can see how much of it has been neutralised and by which certificates.
extension RuleContext {
    func footprintRegister(_ f: EventFields) throws {
        try authorize(.admin, for: f.type)
        try f.require(["footprint", "title", "amount_kg", "period_from", "period_to", "account"])
        let id = try f.identifier("footprint")
        guard try state.record(FootprintRecord.self, at: statePath("fp", id)) == nil else { throw RuleViolation(field: "footprint", rule: .footprintDuplicate, message: "footprint \(id) is already registered") }
        _ = try f.text("title")
        let amount = try f.int("amount_kg", min: 1)
        let from = try f.string("period_from"), to = try f.string("period_to")
        guard Self.days(from: from, to: to) != nil else {
            throw f.fail("period_to", "the event's period must be CST dates YYYYMMDD, period_from <= period_to, at most 366 days")
        }
        let account = try f.identifier("account")
        guard try self.account(account) != nil else { throw RuleViolation(field: "account", rule: .accountUnknown, message: "account \(account) is not open") }
        state.putRecord(statePath("fp", id), FootprintRecord(footprint: id, title: try f.text("title"), amountKg: amount, periodFrom: from, periodTo: to,
                                                             account: account, seq: seq))
        history(account, ["event": "footprint.register", "footprint": .string(id), "amount_kg": .int(amount)])
    }

    /// A retirement made for footprint `id` (v3): it counts toward it.
    func countTowardFootprint(_ id: String, units: Int64) throws {
        guard var fp = try state.record(FootprintRecord.self, at: statePath("fp", id)) else {
            throw RuleViolation(field: "footprint", rule: .footprintUnknown, message: "footprint \(id) is not registered (footprint.register)")
        }
        fp.retiredKg = fp.retiredKg.saturatingAdding(units)
        fp.retirements = fp.retirements.saturatingAdding(1)
        state.putRecord(statePath("fp", id), fp)
    }
}
