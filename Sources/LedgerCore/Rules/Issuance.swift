/// Projects, issuance requests, third-party verification and issuance (SPEC.md 8.13-8.16):
/// residents' reductions aggregated into a project, locked, verified, issued as serial-numbered
/// units of 1 kg CO2e.
extension RuleContext {
    static let mgPerUnit: Int64 = 1_000_000

    func projectRegister(_ f: EventFields) throws {
        try authorize(.admin, .platform, for: f.type)
        try f.require(["project", "owner", "methodologies", "region", "description"], optional: rules >= .v2 ? ["platforms"] : [])
        let id = try f.identifier("project")
        let owner = try f.identifier("owner")
        let methodologies = try f.stringList("methodologies", max: 32) { Identifier.problem($0) }
        let region = try f.region("region")
        _ = try f.text("description", max: 1024)
        if !has(.admin) { try authorizeScope(scenario: "*", region: region, scenarioChecked: false) }
        guard try projectRecord(id) == nil else { throw RuleViolation(field: "project", rule: .projectDuplicate, message: "project \(id) is already registered") }
        guard let o = try account(owner), [.project, .platform, .enterprise].contains(o.kind) else {
            throw RuleViolation(field: "owner", rule: .projectOwner, message: "owner \(owner) is not an open project, platform or enterprise account")
        }
        for (i, m) in methodologies.enumerated() {
            guard let meth = try state.record(MethodologyIDRecord.self, at: statePath("mid", m)) else {
                throw RuleViolation(field: "methodologies[\(i)]", rule: .projectMethodology, message: "methodology \(m) is not registered")
            }
            guard meth.kind == .quantitative else {
                throw RuleViolation(field: "methodologies[\(i)]", rule: .projectMethodology, message: "methodology \(m) is qualitative: its reductions earn points only and are never issued")
            }
        }
        let platforms = rules >= .v2 ? try projectPlatforms(f) : nil
        state.putRecord(statePath("proj", id), ProjectRecord(actor: actor, methodologies: methodologies, owner: owner, platforms: platforms, region: region, seq: seq))
    }

    /// v2: the platforms whose consented reports a project aggregates. A resident's consent to
    /// aggregate is given to one platform, so a platform's project aggregates its own reports
    /// only; an admin's (the programme's) project names the platforms it aggregates.
    func projectPlatforms(_ f: EventFields) throws -> [String] {
        guard f.obj["platforms"] != nil else {
            guard !has(.admin) else {
                throw RuleViolation(field: "platforms", rule: .projectPlatforms,
                                    message: "an admin's project names the platforms whose residents' consented reports it aggregates")
            }
            return [actor]
        }
        let platforms = try f.stringList("platforms", max: 64) { Identifier.problem($0) }
        if !has(.admin), platforms != [actor] {
            throw RuleViolation(field: "platforms", rule: .projectPlatforms,
                                message: "platform \(actor)'s project aggregates only reports its residents consented to \(actor) aggregating: platforms must be [\"\(actor)\"]")
        }
        return platforms
    }

    /// A project's registrant or an admin acts for it.
    func project(_ f: EventFields, field: String = "project") throws -> (String, ProjectRecord) {
        let id = try f.identifier(field)
        guard let p = try projectRecord(id) else { throw RuleViolation(field: field, rule: .projectUnknown, message: "project \(id) is not registered") }
        return (id, p)
    }

    func projectRecord(_ id: String) throws -> ProjectRecord? { try state.record(ProjectRecord.self, at: statePath("proj", id)) }
    func requestRecord(_ id: String) throws -> RequestRecord? { try state.record(RequestRecord.self, at: statePath("req", id)) }
    func putRequest(_ id: String, _ r: RequestRecord) { state.putRecord(statePath("req", id), r) }

    func issuanceRequest(_ f: EventFields) throws {
        try authorize(.admin, .platform, for: f.type)
        try f.require(["request", "project", "period_from", "period_to"])
        let id = try f.identifier("request")
        let (projectID, project) = try self.project(f)
        if !has(.admin) && project.actor != actor {
            throw RuleViolation(field: "project", rule: .authRole, message: "project \(projectID) was registered by \(project.actor); only it or an admin requests issuance")
        }
        let from = try f.string("period_from"), to = try f.string("period_to")
        guard let days = Self.days(from: from, to: to) else {
            throw RuleViolation(field: "period_to", rule: .issuancePeriod, message: "the period must be CST dates YYYYMMDD, period_from <= period_to, at most 366 days")
        }
        guard to < time.cstDay else {
            throw RuleViolation(field: "period_to", rule: .issuancePeriod, message: "the period must have ended: \(to) is not before today (\(time.cstDay) CST)")
        }
        guard try requestRecord(id) == nil else { throw RuleViolation(field: "request", rule: .issuanceDuplicate, message: "request \(id) already exists") }
        let region = project.region
        // v1 projects aggregate every platform's consented reports; v2 projects their platforms'.
        let platforms = project.platforms
        var locked: [(seq: Int64, leaf: Digest)] = []
        var total: Int64 = 0
        var consents: [String: Bool] = [:]
        for m in project.methodologies {
            for day in days {
                for (key, e) in try state.childRecords(EligibleRecord.self, of: "elig/\(m)/\(day)") {
                    let account = e.account, platform = e.platform, credited = e.creditedMg
                    guard Region.covers(region, e.region), platforms?.contains(platform) ?? true else { continue }
                    let consentKey = "\(account)/\(platform)"
                    let aggregates: Bool
                    if let known = consents[consentKey] { aggregates = known } else {
                        aggregates = try consent(account, platform)?.aggregate == true
                        consents[consentKey] = aggregates
                    }
                    guard aggregates else { continue }
                    guard var a = try self.account(account), a.availableMg >= credited else { continue }
                    let behaviourSeq = keyNumber(key)
                    guard var b = try behaviour(behaviourSeq) else {
                        throw StateRecordError(key: key, expected: "eligible behaviour's entry")
                    }
                    a.lockedMg = a.lockedMg.saturatingAdding(credited)
                    putAccount(account, a)
                    let old = b
                    b.request = id
                    putBehaviour(behaviourSeq, b, replacing: old)
                    put(key, nil)
                    state.putRecord(statePath("reqm", id, pad16(behaviourSeq)), RequestMemberRecord(account: account, creditedMg: credited, leaf: b.leaf))
                    locked.append((behaviourSeq, b.leaf))
                    total += credited
                }
            }
        }
        guard !locked.isEmpty else {
            throw RuleViolation(field: "period_from", rule: .issuanceEmpty, message: "no eligible reductions for project \(projectID) in \(from)-\(to) (quantitative, in region \(region), reported by \(platforms?.joined(separator: ", ") ?? "any platform") and consented for aggregation to it, available, not yet requested)")
        }
        locked.sort { $0.seq < $1.seq }
        let root = MerkleHasher().root(ofLeafHashes: locked.map(\.leaf))
        putRequest(id, RequestRecord(project: projectID, periodFrom: from, periodTo: to, count: Int64(locked.count), totalMg: total, root: root, seq: seq))
    }

    /// CST dates from `from` through `to`, or nil if malformed or longer than 366 days.
    static func days(from: String, to: String) -> [String]? {
        guard let a = Timestamp(cstDay: from), let b = Timestamp(cstDay: to), a <= b else { return nil }
        let n = (b.millisecondsSinceEpoch - a.millisecondsSinceEpoch) / 86_400_000 + 1
        guard n <= 366 else { return nil }
        // China has no daylight saving: whole days from the first midnight are the next days' midnights.
        return (0..<n).map { Timestamp(millisecondsSinceEpoch: a.millisecondsSinceEpoch + $0 * 86_400_000).cstDay }
    }

    func request(_ f: EventFields) throws -> (String, RequestRecord, ProjectRecord) {
        let id = try f.identifier("request")
        guard let r = try requestRecord(id) else { throw RuleViolation(field: "request", rule: .issuanceUnknown, message: "request \(id) does not exist") }
        guard let p = try projectRecord(r.project) else { throw StateRecordError(key: statePath("proj", r.project), expected: "registered project") }
        return (id, r, p)
    }

    func issuanceVerify(_ f: EventFields) throws {
        try authorize(.verifier, for: f.type)
        try f.require(["request", "decision", "report_hash", "lineage_root"], optional: ["amount_mg"])
        var (id, r, project) = try request(f)
        try authorizeScope(scenario: "*", region: project.region, scenarioChecked: false)
        guard r.status == .locked else {
            throw RuleViolation(field: "request", rule: .issuanceState, message: "request \(id) is \(r.status.rawValue), not awaiting verification")
        }
        guard try f.string("lineage_root") == r.root else {
            throw RuleViolation(field: "lineage_root", rule: .issuanceLineage, message: "request \(id) commits to lineage root \(r.root)")
        }
        guard try f.hash("report_hash") != nil else { throw f.fail("report_hash", "must be the SHA-256 (hex) of the verification report") }
        switch try f.string("decision") {
        case "approve":
            let amount = try f.int("amount_mg", min: 1)
            guard amount <= r.totalMg else {
                throw RuleViolation(field: "amount_mg", rule: .issuanceAmount, message: "approved \(amount) mg exceeds the \(r.totalMg) mg locked by request \(id)")
            }
            r.status = .approved
            r.approvedMg = amount
            r.verifier = actor
            r.reportHash = try f.string("report_hash")
            putRequest(id, r)
        case "reject":
            guard f.obj["amount_mg"] == nil else { throw f.fail("amount_mg", "a rejection approves no amount") }
            // The locks are released and the reductions become eligible again.
            for (key, m) in try state.childRecords(RequestMemberRecord.self, of: statePath("reqm", id)) {
                let account = m.account
                try addToAccount(account, \.lockedMg, -m.creditedMg)
                let behaviourSeq = keyNumber(key)
                guard var b = try behaviour(behaviourSeq), let eligible = Self.eligiblePath(of: b, seq: behaviourSeq) else {
                    throw StateRecordError(key: key, expected: "locked behaviour")
                }
                let old = b
                b.request = nil
                putBehaviour(behaviourSeq, b, replacing: old)
                state.putRecord(eligible, EligibleRecord(account: account, creditedMg: m.creditedMg, platform: b.platform, region: b.region))
                put(key, nil)
            }
            r.status = .rejected
            r.verifier = actor
            r.reportHash = try f.string("report_hash")
            putRequest(id, r)
        default:
            throw f.fail("decision", "must be approve or reject")
        }
    }

    func issuanceIssue(_ f: EventFields) throws {
        try authorize(.issuer, for: f.type)
        try f.require(["request", "project", "batch", "vintage", "region", "units", "lineage_root"])
        var (id, r, project) = try request(f)
        guard try f.string("project") == r.project else {
            throw RuleViolation(field: "project", rule: .issuanceProject, message: "request \(id) is for project \(r.project)")
        }
        let batch = try f.identifier("batch")
        guard r.status == .approved else {
            throw RuleViolation(field: "request", rule: .issuanceState, message: "request \(id) is \(r.status.rawValue), not approved")
        }
        guard try f.string("lineage_root") == r.root else {
            throw RuleViolation(field: "lineage_root", rule: .issuanceLineage, message: "request \(id) commits to lineage root \(r.root)")
        }
        let approved = r.approvedMg ?? 0
        let units = approved / Self.mgPerUnit
        guard units >= 1, try f.int("units", min: 1) == units else {
            throw RuleViolation(field: "units", rule: .issuanceUnits, message: "request \(id) was approved for \(approved) mg: \(units) whole units of 1 kg")
        }
        let region = project.region
        guard try f.string("region") == region else { throw RuleViolation(field: "region", rule: .issuanceRegion, message: "project \(r.project) is in region \(region)") }
        let vintage = String(r.periodTo.prefix(4))
        guard try f.string("vintage") == vintage else { throw RuleViolation(field: "vintage", rule: .issuanceVintage, message: "the vintage of a \(r.periodFrom)-\(r.periodTo) request is \(vintage)") }
        // A serial is PREFIX-a or PREFIX-a-b, PREFIX ending in the batch id: an id ending in
        // -DIGITS would let one serial name two batches' units (SPEC.md 8.16).
        if rules >= .v2, SerialNumber.isAmbiguousBatchID(batch) {
            throw RuleViolation(field: "batch", rule: .issuanceBatchID,
                                message: "batch id \(batch) ends in a dash and digits: serial numbers end in -UNIT or -FIRST-LAST, so such an id would make a serial read two ways; end it in a letter (e.g. \(batch)b)")
        }
        guard try batchRecord(batch) == nil else { throw RuleViolation(field: "batch", rule: .issuanceDuplicateBatch, message: "batch \(batch) already exists") }
        try authorizeScope(scenario: "*", region: region, scenarioChecked: false)

        // Whole units are consumed from the locked reductions in seq order; what remains of the
        // last one and of later ones stays with its account, unlocked (but not issuable again).
        var toConsume = units * Self.mgPerUnit
        for (key, m) in try state.childRecords(RequestMemberRecord.self, of: statePath("reqm", id)) {
            let account = m.account, credited = m.creditedMg
            let consumed = min(credited, toConsume)
            toConsume -= consumed
            try updateAccount(account) { a in
                a.lockedMg = a.lockedMg.saturatingAdding(-credited)
                a.issuedMg = a.issuedMg.saturatingAdding(consumed)
            }
            let behaviourSeq = keyNumber(key)
            guard var b = try behaviour(behaviourSeq) else { throw StateRecordError(key: key, expected: "locked behaviour") }
            let old = b
            b.issuedMg = consumed
            b.batch = batch
            putBehaviour(behaviourSeq, b, replacing: old)
        }
        assert(toConsume == 0, "approved amount never exceeds the locked total")
        let owner = project.owner
        let prefix = SerialNumber.prefix(region: region, project: r.project, vintage: vintage, batch: batch)
        putBatch(batch, BatchRecord(project: r.project, request: id, vintage: vintage, region: region, owner: owner, units: units, serialPrefix: prefix, seq: seq))
        state.putRecord(statePath("rng", batch, pad16(1)), RangeRecord(last: units, account: owner, state: .held))
        state.putRecord(statePath("hold", owner, batch, pad16(1)), HoldingRecord(units))
        try countHeld(owner, units)
        r.status = .issued
        r.batch = batch
        putRequest(id, r)
        history(owner, ["event": "issuance.issue", "batch": .string(batch), "units": .int(units)])
        addTotals(["units_issued": units])
        try checkSupply(batch)
    }
}
