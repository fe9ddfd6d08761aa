/// Behaviour reports and reversals (SPEC.md sections 8.7 and 8.8).
extension RuleContext {
    func behaviourReport(_ f: EventFields) throws {
        try authorize(.platform, for: f.type)
        try f.require(["account", "scenario", "region", "amount", "start", "end", "source_ref"], optional: rules >= .v2 ? ["evidence", "act"] : ["evidence"])
        let scenarioText = try f.string("scenario")
        guard let scenario = Scenario(rawValue: scenarioText) else {
            throw f.fail("scenario", "\"\(scenarioText)\" is not a scenario (\(Scenario.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let region = try f.region("region")
        try authorizeScope(scenario: scenario.rawValue, region: region)
        let id = try f.identifier("account")
        let amount = try f.int("amount")
        let start = try f.time("start"), end = try f.time("end")
        let sourceRef = try f.text("source_ref", max: 128)
        _ = try f.hash("evidence")
        // v2: a discrete act names its identity, the same from every platform that reports it
        // (SPEC.md 8.7); intervals identify themselves by their time.
        let act = rules >= .v2 ? try f.hash("act") : nil
        if rules >= .v2 {
            if scenario.family == nil && act == nil {
                throw f.fail("act", "a \(scenario.rawValue) report names its act: the SHA-256 (hex) SPEC.md section 8.7 defines for the scenario")
            }
            if scenario.family != nil && act != nil {
                throw f.fail("act", "\(scenario.rawValue) is checked by its interval; only discrete acts name an act")
            }
        }
        guard start.millisecondsSinceEpoch >= 0 else { throw RuleViolation(field: "start", rule: .behaviourTime, message: "behaviours start in 1970 or later") }
        guard start <= end, scenario.family == nil || start < end else {
            throw RuleViolation(field: "end", rule: .behaviourTime, message: "end \(end) must be after start \(start)")
        }
        guard end.millisecondsSinceEpoch <= time.millisecondsSinceEpoch + Reducer.futureTolerance else {
            throw RuleViolation(field: "end", rule: .behaviourFuture, message: "end \(end) is after the ledger's time \(time) (more than 5 minutes ahead)")
        }
        // v3: before idempotence, so the rules need a source ref only while its day can be reported.
        if let windows, !windows.allowsReport(start: start, at: time) {
            throw RuleViolation(field: "start", rule: .behaviourLate,
                                message: "start \(start) is on CST day \(start.cstDay), more than the programme's \(windows.reportDays) days before the ledger's day \(time.cstDay): too late to report")
        }

        // The same (platform, source reference) again is an idempotent duplicate: no effect.
        // At most 4 + 64 + 1 + 3 x 128 = 453 bytes: within LMDB's 511-byte keys.
        let srcPath = statePath("src", actor, keySegment(sourceRef))
        assert(srcPath.utf8.count <= 511, "state keys fit LMDB's key size")
        let day = start.cstDay
        if try state.record(SeqRecord.self, at: srcPath) != nil {
            bumpStats(day: day, region: region, scenario: scenario.rawValue, ["duplicates": 1])
            addTotals(["duplicates": 1])
            return
        }
        var account = try residentAccount(id)
        guard try consent(id, actor)?.covers(scenario: scenario.rawValue) == true else {
            throw RuleViolation(field: "account", rule: .consentMissing, message: "account \(id) has not consented to platform \(actor) reporting \(scenario.rawValue)")
        }
        guard let meth = try selectMethodology(scenario: scenario.rawValue, region: region, at: start) else {
            throw RuleViolation(field: "scenario", rule: .methodologyNone, message: "no methodology for \(scenario.rawValue) in region \(region) is valid at \(start)")
        }
        // One real-world act counts once: no overlap within the scenario family.
        let index = try behaviourIndex
        var actPath: String?
        if let act {
            let path = statePath("act", scenario.rawValue, act)
            if let prior = index.act(path) {
                throw RuleViolation(field: "act", rule: .behaviourDoubleCounted,
                                    message: "act \(act) of \(scenario.rawValue) was already reported: entry \(prior.seq) (reported by \(prior.platform)) holds it",
                                    conflictingSeq: UInt64(clamping: prior.seq))
            }
            actPath = path
        }
        if let family = scenario.family {
            // v2: the accounts linked to one person (account.link) are one person's intervals.
            for other in try linkedAccounts(id, record: account) {
                if let prior = index.latestInterval(of: IntervalOwner(account: other, family: family), startingBefore: end.millisecondsSinceEpoch),
                   prior.end > start.millisecondsSinceEpoch {
                    let whose = other == id ? "account \(id)" : "account \(other), linked to \(id) as one person,"
                    throw RuleViolation(field: "start", rule: .behaviourDoubleCounted,
                                        message: "\(whose) already has a \(family) behaviour overlapping \(start)-\(end): entry \(prior.seq) (reported by \(prior.platform)) holds it",
                                        conflictingSeq: UInt64(clamping: prior.seq))
                }
            }
        }
        let (reduction, overflow) = amount.multipliedReportingOverflow(by: meth.factorMg)
        guard !overflow, reduction <= JSONValue.maxSafeInteger else {
            throw RuleViolation(field: "amount", rule: .behaviourAmount, message: "amount \(amount) x factor \(meth.factorMg) mg exceeds 2^53-1 mg")
        }
        let qualitative = meth.kind == .qualitative
        var credited: Int64 = 0
        var capped = false
        if !qualitative {
            credited = reduction
            if let cap = meth.dailyCapMg {
                // What the day's cap has left; this report's record adds its credit to it.
                let used = index.capUsed(DailyCapKey(day: start.cstDayNumber, account: id, methodology: meth.id))
                credited = min(reduction, max(0, cap - used))
                capped = true
            }
        }
        let points = try pointsFor(scenario: scenario.rawValue, reduction: qualitative ? reduction : credited)

        // The records only this event writes, typed; their stored bytes are SPEC.md section 10's.
        let methodology = meth.id
        state.putRecord(srcPath, SeqRecord(Int64(seq)))
        if qualitative {
            account.qualitativeMg = account.qualitativeMg.saturatingAdding(reduction)
        } else {
            account.creditedMg = account.creditedMg.saturatingAdding(credited)
        }
        account.behaviours = account.behaviours.saturatingAdding(1)
        putAccount(id, account)
        if let employer = account.employer, credited > 0 {
            try addToAccount(employer, \.employeesCreditedMg, credited)
        }
        if points > 0 {
            let path = statePath("pts", id, actor)
            var pts = try state.record(PointsRecord.self, at: path) ?? PointsRecord()
            pts.add(points, to: \.earned)
            state.putRecord(path, pts)
        }
        var eligiblePath: String?
        if credited > 0 {
            // Eligible for aggregation into an issuance request (SPEC.md 8.13).
            let path = Self.eligiblePath(methodology: methodology, day: day, seq: Int64(seq))
            state.putRecord(path, EligibleRecord(account: id, creditedMg: credited, platform: actor, region: region))
            eligiblePath = path
        }
        var record = BehaviourRecord(account: id, platform: actor, scenario: scenario.rawValue, region: region, day: day, start: start, end: end,
                                     amount: amount, methodology: methodology, version: meth.version, reductionMg: reduction,
                                     creditedMg: credited, points: points, qualitative: qualitative, leaf: leafHash)
        record.act = actPath
        record.capped = capped
        assert(Self.eligiblePath(of: record, seq: Int64(seq)) == eligiblePath, "a behaviour's record determines its eligibility's key")
        putBehaviour(Int64(seq), record, replacing: nil)
        if credited > 0 { addCredited(record, behaviours: 1) }
        var line = CanonicalRecord(capacity: 128)
        line.int("credited_mg", credited); line.string("event", "behaviour.report"); line.int("points", points)
        line.int("qualitative_mg", qualitative ? reduction : 0); line.string("scenario", scenario.rawValue)
        history(id, &line)
        bumpStats(day: day, region: region, scenario: scenario.rawValue,
                      ["behaviours": 1, "credited_mg": credited, "qualitative_mg": qualitative ? reduction : 0, "points": points,
                       "capped_mg": qualitative ? 0 : reduction - credited])
        addTotals(["behaviours": 1, "credited_mg": credited, "qualitative_mg": qualitative ? reduction : 0, "points_earned": points])
    }

    func behaviourReverse(_ f: EventFields) throws {
        try authorize(.admin, .platform, for: f.type)
        try f.require(["seq", "reason"])
        let target = try f.int("seq")
        _ = try f.text("reason")
        guard var b = try behaviour(target) else {
            throw RuleViolation(field: "seq", rule: .reverseUnknown, message: "entry \(target) is not a credited behaviour report")
        }
        if let r = b.reversedSeq {
            throw RuleViolation(field: "seq", rule: .reverseAlready, message: "behaviour \(target) was already reversed at seq \(r)")
        }
        if let windows, !windows.allowsReversal(start: b.start, at: time) {
            throw RuleViolation(field: "seq", rule: .reverseLate,
                                message: "behaviour \(target) is of CST day \(b.start.cstDay), more than the programme's \(windows.reversalDays) days before the ledger's day \(time.cstDay): too late to reverse")
        }
        if let r = b.request {
            // What the user can still do depends on how far the request went.
            let request = try requestRecord(r)
            let why: String
            switch request?.status {
            case .issued?:
                why = "units were issued from it (batch \(request?.batch ?? "?")), so it can no longer be reversed; an admin may cancel units of the batch instead (units.cancel)"
            case .approved?:
                why = "the request was approved, so it can no longer be reversed"
            default:
                why = "it can be reversed only if the verifier rejects that request"
            }
            throw RuleViolation(field: "seq", rule: .reverseLocked, message: "behaviour \(target) is locked in issuance request \(r): \(why)")
        }
        let platform = b.platform
        if !has(.admin) && platform != actor {
            throw RuleViolation(field: "seq", rule: .authRole, message: "behaviour \(target) was reported by \(platform); only it or an admin may reverse it")
        }
        let id = b.account
        guard var account = try self.account(id) else { throw StateRecordError(key: statePath("acct", id), expected: "open account") }
        let credited = b.creditedMg, points = b.points
        let qualitativeMg = b.qualitative ? b.reductionMg : 0
        let available = account.availableMg
        guard available >= credited else {
            throw RuleViolation(field: "seq", rule: .reverseSpent, message: "account \(id) has \(available) mg available, less than the \(credited) mg to reverse (reductions already donated)")
        }
        let ptsPath = statePath("pts", id, platform)
        var pts = try state.record(PointsRecord.self, at: ptsPath) ?? PointsRecord()
        guard points == 0 || pts.balance >= points else {
            throw RuleViolation(field: "seq", rule: .reversePointsSpent, message: "account \(id) has already redeemed the \(points) points behaviour \(target) earned")
        }
        account.reversedMg = account.reversedMg.saturatingAdding(credited)
        account.qualitativeMg = account.qualitativeMg.saturatingAdding(-qualitativeMg)
        putAccount(id, account)
        if let employer = account.employer, credited > 0 {
            try addToAccount(employer, \.employeesReversedMg, credited)
        }
        if points > 0 {
            pts.add(points, to: \.reversed)
            state.putRecord(ptsPath, pts)
        }
        // Its interval, its credit to its day's cap and its act leave the index with its
        // record's reversal.
        if let e = Self.eligiblePath(of: b, seq: target) { put(e, nil) }
        let old = b
        b.reversedSeq = Int64(seq)
        putBehaviour(target, b, replacing: old)
        history(id, ["event": "behaviour.reverse", "seq": .int(target), "reversed_mg": .int(credited), "points": .int(-points)])
        bumpStats(day: b.day, region: b.region, scenario: b.scenario,
                      ["reversed_mg": credited, "reversals": 1, "qualitative_mg": -qualitativeMg, "points": -points])
        if credited > 0 { addCredited(b, behaviours: -1) }
        addTotals(["reversed_mg": credited, "qualitative_mg": -qualitativeMg, "points_reversed": points])
    }

    /// The key of a credited behaviour's eligibility (SPEC.md section 10) when it credited
    /// anything, which its record determines: a reversal and a rejected request find it here;
    /// the record does not store it.
    static func eligiblePath(of b: BehaviourRecord, seq: Int64) -> String? {
        b.creditedMg > 0 ? eligiblePath(methodology: b.methodology, day: b.day, seq: seq) : nil
    }

    /// An eligible behaviour's key (SPEC.md 8.13).
    static func eligiblePath(methodology: String, day: String, seq: Int64) -> String {
        statePath("elig", methodology, day, pad16(seq))
    }
}
