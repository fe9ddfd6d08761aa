/// Points rules and redemption, donations to public-welfare accounts, notes (SPEC.md 8.9-8.11).
extension RuleContext {
    func pointsRule(_ f: EventFields) throws {
        try authorize(.platform, for: f.type)
        try f.require(["scenario", "points_per_event"], optional: ["mg_per_point"])
        let scenario = try f.string("scenario")
        guard Scenario(rawValue: scenario) != nil else { throw f.fail("scenario", "\"\(scenario)\" is not a scenario") }
        let perEvent = try f.int("points_per_event", max: 1_000_000)
        let mgPerPoint = try f.optionalInt("mg_per_point", min: 1) ?? 0
        guard perEvent > 0 || mgPerPoint > 0 else { throw f.fail("points_per_event", "a rule must award points: points_per_event > 0 or mg_per_point set") }
        state.putRecord(statePath("prule", actor, scenario), PointsRuleRecord(pointsPerEvent: perEvent, mgPerPoint: mgPerPoint, seq: seq))
    }

    /// Points the reporting platform's rule awards for a behaviour credited with `reduction` mg.
    func pointsFor(scenario: String, reduction: Int64) throws -> Int64 {
        let key = CatalogueMemo.PointsRuleKey(platform: actor, scenario: scenario)
        if let kept = state.catalogue.pointsRules[key] { return kept?.points(for: reduction) ?? 0 }
        let rule = try state.record(PointsRuleRecord.self, at: statePath("prule", actor, scenario))
        if !state.frozen { state.catalogue.pointsRules[key] = .some(rule) }
        return rule?.points(for: reduction) ?? 0
    }

    func pointsRedeem(_ f: EventFields) throws {
        try authorize(.platform, for: f.type)
        try f.require(["account", "points", "reward", "ref"])
        let id = try f.identifier("account")
        let points = try f.int("points", min: 1)
        let reward = try f.text("reward")
        let ref = try f.text("ref", max: 128)
        // v2: a redemption sent again (same platform and ref) is an idempotent duplicate, like a
        // report's source_ref; the same ref for a different redemption is a client's error.
        let refPath = statePath("rref", actor, keySegment(ref))
        if rules >= .v2, let first = try state.record(RedemptionRecord.self, at: refPath) {
            guard first.account == id, first.points == points, first.reward == reward else {
                throw RuleViolation(field: "ref", rule: .pointsRefReused,
                                    message: "ref \(ref) of \(actor) was used at seq \(first.seq) for another redemption (\(first.account), \(first.points) points); a new redemption needs a new ref",
                                    conflictingSeq: UInt64(clamping: first.seq))
            }
            addTotals(["redeem_duplicates": 1])
            return
        }
        _ = try residentAccount(id)
        let path = statePath("pts", id, actor)
        var pts = try state.record(PointsRecord.self, at: path) ?? PointsRecord()
        let balance = pts.balance
        guard balance >= points else {
            throw RuleViolation(field: "points", rule: .pointsInsufficient, message: "account \(id) has \(balance) points with \(actor), fewer than \(points)")
        }
        pts.add(points, to: \.redeemed)
        state.putRecord(path, pts)
        if rules >= .v2 {
            state.putRecord(refPath, RedemptionRecord(account: id, points: points, reward: reward, seq: seq))
        }
        history(id, ["event": "points.redeem", "platform": .string(actor), "points": .int(-points), "reward": .string(reward)])
        addTotals(["points_redeemed": points])
    }

    func donation(_ f: EventFields) throws {
        try authorize(.admin, .platform, for: f.type)
        try f.require(["account", "to", "amount_mg"], optional: ["sponsor"])
        let from = try f.identifier("account")
        let to = try f.identifier("to")
        let amount = try f.int("amount_mg", min: 1)
        var donor = try residentAccount(from)
        guard var recipient = try account(to), recipient.kind == .welfare else {
            throw RuleViolation(field: "to", rule: .donationRecipient, message: "\(to) is not an open public-welfare account")
        }
        var record: JSONObject = ["from": .string(from), "to": .string(to), "amount_mg": .int(amount)]
        if let sponsor = f.obj["sponsor"] {
            guard let s = sponsor.objectValue, s.keys == ["name", "pledge_fen_per_g"], let name = s["name"]?.stringValue, !name.isEmpty,
                  let fen = s["pledge_fen_per_g"]?.intValue, fen >= 0 else {
                throw f.fail("sponsor", "must be {\"name\": text, \"pledge_fen_per_g\": integer >= 0}")
            }
            // The pledge in fen (0.01 yuan) for whole grams donated, e.g. Wuhan's 1 yuan per gram.
            // A pledge beyond 2^53-1 fen is refused, not computed: it would not survive as JSON.
            let (pledge, overflow) = (amount / 1000).multipliedReportingOverflow(by: fen)
            guard !overflow, pledge <= JSONValue.maxSafeInteger else {
                throw f.fail("sponsor", "the pledge, \(amount / 1000) g x \(fen) fen, exceeds 2^53-1 fen")
            }
            record["sponsor"] = sponsor
            record["pledge_fen"] = .int(pledge)
        }
        let available = donor.availableMg
        guard available >= amount else {
            throw RuleViolation(field: "amount_mg", rule: .donationInsufficient, message: "account \(from) has \(available) mg available, less than \(amount) mg")
        }
        donor.donatedMg = donor.donatedMg.saturatingAdding(amount)
        recipient.receivedMg = recipient.receivedMg.saturatingAdding(amount)
        putAccount(from, donor)
        putAccount(to, recipient)
        put("don/\(pad16(Int64(seq)))", .object(record))
        history(from, ["event": "donation", "to": .string(to), "donated_mg": .int(amount)])
        history(to, ["event": "donation.received", "from": .string(from), "received_mg": .int(amount)])
        addTotals(["donated_mg": amount])
    }

    func note(_ f: EventFields) throws {
        guard !roles.isEmpty else { throw RuleViolation(field: "signer", rule: .authRole, message: "note needs a registered key") }
        try f.require(["text"], optional: ["ref"])
        _ = try f.text("text", max: 4096)
        _ = try f.optionalString("ref")
    }
}
