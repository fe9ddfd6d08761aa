/// Compliance offsets (SPEC.md 8.20): a scheme's rule says which units are eligible and how much
/// a company may offset; under v2 the company's allowance comes from the scheme's competent
/// authority, never from the retiring company.
extension RuleContext {
    func offsetRule(_ f: EventFields) throws {
        try authorize(.admin, for: f.type)
        let eligibility = ["regions", "scenarios", "vintage_from", "vintage_to"]
        try f.require(["scheme", "max_permille", "gap_limited", "description"] + (rules >= .v2 ? eligibility : []))
        let scheme = try f.identifier("scheme")
        var record: JSONObject = ["max_permille": .int(try f.int("max_permille", min: 1, max: 1000)), "gap_limited": .bool(try f.bool("gap_limited")),
                                  "description": .string(try f.text("description", max: 1024)), "seq": .int(Int64(seq))]
        if rules >= .v2 {
            let regions = try f.regionScope("regions")
            let scenarios = try f.scenarioScope("scenarios")
            let from = try f.int("vintage_from", min: 2000, max: 2100), to = try f.int("vintage_to", min: 2000, max: 2100)
            guard from <= to else { throw f.fail("vintage_to", "must not be before vintage_from (\(from))") }
            record["regions"] = .array(regions.map(JSONValue.string))
            record["scenarios"] = .array(scenarios.map(JSONValue.string))
            record["vintage_from"] = .int(from)
            record["vintage_to"] = .int(to)
        }
        put("orule/\(scheme)", .object(record))
    }

    /// `compliance.allowance` (v2, role authority): a covered company's allowance and gap for a
    /// scheme-year, as the competent authority states them; a later statement replaces it.
    func complianceAllowance(_ f: EventFields) throws {
        try authorize(.authority, for: f.type)
        try f.require(["company", "scheme", "year", "allowance_t", "gap_t"])
        let company = try f.identifier("company")
        let scheme = try f.identifier("scheme")
        let year = try f.int("year", min: 2000, max: 2100)
        let allowance = try f.int("allowance_t", min: 1), gap = try f.int("gap_t")
        guard try get("orule/\(scheme)") != nil else {
            throw RuleViolation(field: "scheme", rule: .complianceScheme, message: "no offset rule is registered for scheme \(scheme)")
        }
        guard let account = try self.account(company), account.kind == .enterprise else {
            throw RuleViolation(field: "company", rule: .complianceCompany, message: "\(company) is not an open enterprise account")
        }
        try authorizeScope(scenario: "*", region: account.region, scenarioChecked: false)
        state.putRecord(statePath("allow", scheme, String(year), company), AllowanceRecord(allowanceT: allowance, authority: actor, gapT: gap, seq: seq))
        history(company, ["event": "compliance.allowance", "scheme": .string(scheme), "year": .int(year), "allowance_t": .int(allowance),
                          "gap_t": .int(gap), "authority": .string(actor)])
    }

    /// A compliance retirement names its scheme and year (v1: also the allowance and gap); the
    /// scheme's rule bounds the company's retirements in that scheme-year together.
    /// Returns the block the registry shows: as stated, and under v2 with the authority's allowance.
    func checkCompliance(_ f: EventFields, company: String?, batch: BatchRecord, units: Int64) throws -> JSONValue {
        let keys = rules >= .v2 ? ["scheme", "year"] : ["allowance_t", "gap_t", "scheme", "year"]
        guard let c = f.obj["compliance"]?.objectValue, c.keys == keys,
              let scheme = c["scheme"]?.stringValue, let year = c["year"]?.intValue, (2000...2100).contains(year) else {
            throw f.fail("compliance", rules >= .v2
                ? "a compliance retirement needs exactly {\"scheme\", \"year\"}: the allowance is the competent authority's (compliance.allowance)"
                : "a compliance retirement needs {\"scheme\", \"year\", \"allowance_t\" >= 1, \"gap_t\" >= 0}")
        }
        guard let company, try account(company)?.kind == .enterprise else {
            throw RuleViolation(field: "beneficiary_account", rule: .complianceCompany, message: "a compliance retirement names the covered company's enterprise account as beneficiary_account")
        }
        guard let rule = try get("orule/\(scheme)") else {
            throw RuleViolation(field: "compliance", rule: .complianceScheme, message: "no offset rule is registered for scheme \(scheme)")
        }
        let allowance: Int64, gap: Int64
        var shown = JSONValue.object(c)
        if rules >= .v2 {
            try checkEligibility(rule, scheme: scheme, batch: batch)
            guard let stated = try state.record(AllowanceRecord.self, at: statePath("allow", scheme, String(year), company)) else {
                throw RuleViolation(field: "compliance", rule: .complianceAllowance,
                                    message: "the competent authority of \(scheme) has stated no \(year) allowance for \(company) (compliance.allowance)")
            }
            (allowance, gap) = (stated.allowanceT, stated.gapT)
            shown = shown.with("allowance_t", .int(allowance)).with("gap_t", .int(gap)).with("allowance_seq", .int(stated.seq))
        } else {
            guard let a = c["allowance_t"]?.intValue, a >= 1, let g = c["gap_t"]?.intValue, g >= 0 else {
                throw f.fail("compliance", "a compliance retirement needs {\"scheme\", \"year\", \"allowance_t\" >= 1, \"gap_t\" >= 0}")
            }
            (allowance, gap) = (a, g)
        }
        let path = statePath("comp", scheme, String(year), company)
        let before = try state.record(UnitsCountRecord.self, at: path)?.value ?? 0
        let after = before.saturatingAdding(units)  // kg
        // Allowances are at most 2^53-1 t: in kg times a per-mille share that could overflow.
        let (kg, overflow) = allowance.multipliedReportingOverflow(by: rule.int("max_permille"))
        let shareLimit = overflow ? Int64.max : kg
        guard after <= shareLimit else {
            throw RuleViolation(field: "units", rule: .complianceLimit, message: "\(company) would offset \(after) kg in \(scheme) \(year), above \(rule.int("max_permille")) per mille of its \(allowance) t allowance (\(shareLimit) kg)")
        }
        if rule["gap_limited"]?.boolValue == true {
            let (gapKg, gapOverflow) = gap.multipliedReportingOverflow(by: 1000)
            guard after <= (gapOverflow ? Int64.max : gapKg) else {
                throw RuleViolation(field: "units", rule: .complianceLimit, message: "\(company) would offset \(after) kg in \(scheme) \(year), more than its allowance gap of \(gap) t")
            }
        }
        state.putRecord(path, UnitsCountRecord(after))
        return shown.with("offset_kg", .int(after))
    }

    /// v2: the units' region, vintage and project's scenarios must be ones the scheme accepts.
    func checkEligibility(_ rule: JSONValue, scheme: String, batch: BatchRecord) throws {
        let region = batch.region
        let regions = rule["regions"]?.arrayValue?.compactMap(\.stringValue) ?? []
        guard regions.contains(where: { Region.covers($0, region) }) else {
            throw RuleViolation(field: "batch", rule: .complianceEligibility,
                                message: "units of region \(region) are not eligible for \(scheme) (its regions: \(regions.joined(separator: ", ")))")
        }
        let vintage = Int64(batch.vintage) ?? 0
        guard vintage >= rule.int("vintage_from"), vintage <= rule.int("vintage_to") else {
            throw RuleViolation(field: "batch", rule: .complianceEligibility,
                                message: "vintage \(vintage) is not eligible for \(scheme) (vintages \(rule.int("vintage_from"))-\(rule.int("vintage_to")))")
        }
        let scenarios = rule["scenarios"]?.arrayValue?.compactMap(\.stringValue) ?? []
        guard !scenarios.contains("*") else { return }
        let project = batch.project
        for m in try projectRecord(project)?.methodologies ?? [] {
            let scenario = try state.record(MethodologyIDRecord.self, at: statePath("mid", m))?.scenario ?? "?"
            guard scenarios.contains(scenario) else {
                throw RuleViolation(field: "batch", rule: .complianceEligibility,
                                    message: "project \(project) aggregates \(scenario) (methodology \(m)), not a project type of \(scheme) (\(scenarios.joined(separator: ", ")))")
            }
        }
    }
}
