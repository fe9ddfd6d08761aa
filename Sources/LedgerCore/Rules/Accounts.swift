/// Accounts and consents (SPEC.md sections 8.5 and 8.6).
extension RuleContext {
    func accountOpen(_ f: EventFields) throws {
        try authorize(.admin, .platform, for: f.type)
        try f.require(["account", "kind", "region"], optional: ["employer"])
        let id = try f.identifier("account")
        let kindText = try f.string("kind")
        guard let kind = AccountKind(rawValue: kindText) else {
            throw f.fail("kind", "\"\(kindText)\" is not an account kind (\(AccountKind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let region = try f.region("region")
        if !has(.admin) {
            guard kind == .person || kind == .employee else {
                throw RuleViolation(field: "kind", rule: .authRole, message: "platforms open person and employee accounts only; \(kind.rawValue) accounts are opened by an admin")
            }
            try authorizeScope(scenario: "*", region: region, scenarioChecked: false)
        }
        if try account(id) != nil {
            throw RuleViolation(field: "account", rule: .accountDuplicate, message: "account \(id) is already open")
        }
        var record = AccountRecord(kind: kind, region: region, openedSeq: Int64(seq))
        if kind == .employee {
            guard f.obj["employer"] != nil else { throw RuleViolation(field: "employer", rule: .accountEmployer, message: "an employee account names its employer's enterprise account") }
            let employer = try f.identifier("employer")
            guard try account(employer)?.kind == .enterprise else {
                throw RuleViolation(field: "employer", rule: .accountEmployer, message: "employer \(employer) is not an open enterprise account")
            }
            record.employer = employer
        } else if f.obj["employer"] != nil {
            throw RuleViolation(field: "employer", rule: .accountEmployer, message: "only employee accounts have an employer")
        }
        putAccount(id, record)
        addTotals(["accounts": 1])
        history(id, ["event": "account.open", "kind": .string(kind.rawValue)])
    }

    /// An open person or employee account (behaviour, consent and donations act on these).
    func residentAccount(_ id: String, field: String = "account") throws -> AccountRecord {
        guard let a = try account(id) else {
            throw RuleViolation(field: field, rule: .accountUnknown, message: "account \(id) is not open")
        }
        guard a.isResident else {
            throw RuleViolation(field: field, rule: .accountKind, message: "account \(id) is \(a.kind.withArticle) account; this needs a person or employee account")
        }
        return a
    }

    /// Platforms act for themselves; admins for any platform.
    func platformField(_ f: EventFields) throws -> String {
        let platform = try f.identifier("platform")
        if !has(.admin) && platform != actor {
            throw RuleViolation(field: "platform", rule: .authRole, message: "platform \(actor) cannot act for platform \(platform)")
        }
        return platform
    }

    func consentGrant(_ f: EventFields) throws {
        try authorize(.admin, .platform, for: f.type)
        try f.require(["account", "platform", "scenarios", "aggregate"], optional: ["evidence"])
        let id = try f.identifier("account")
        let platform = try platformField(f)
        let scenarios = try f.scenarioScope("scenarios")
        let aggregate = try f.bool("aggregate")
        _ = try f.hash("evidence")
        _ = try residentAccount(id)
        state.putRecord(statePath("consent", id, platform), ConsentRecord(scenarios: scenarios, aggregate: aggregate, seq: seq))
        history(id, ["event": "consent.grant", "platform": .string(platform)])
    }

    func consentRevoke(_ f: EventFields) throws {
        try authorize(.admin, .platform, for: f.type)
        try f.require(["account", "platform"])
        let id = try f.identifier("account")
        let platform = try platformField(f)
        guard try consent(id, platform) != nil else {
            throw RuleViolation(field: "platform", rule: .consentMissing, message: "account \(id) has no consent for platform \(platform) to revoke")
        }
        put("consent/\(id)/\(platform)", nil)
        history(id, ["event": "consent.revoke", "platform": .string(platform)])
    }
}

extension RuleContext {
    /// Region-only or scenario-and-region scope check.
    func authorizeScope(scenario: String, region: String, scenarioChecked: Bool) throws(RuleViolation) {
        if scenarioChecked { try authorizeScope(scenario: scenario, region: region) } else { try authorizeRegion(region) }
    }
}
