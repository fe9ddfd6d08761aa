/// Versioned methodologies and how a behaviour finds its methodology (SPEC.md section 8.4).
extension RuleContext {
    func methodologyRegister(_ f: EventFields) throws {
        try authorize(.admin, for: f.type)
        try f.require(["id", "version", "title", "scenario", "region", "unit", "kind", "valid_from"],
                      optional: ["factor_mg", "baseline_mg", "project_mg", "daily_cap_mg", "valid_to"])
        let id = try f.identifier("id")
        let version = try f.int("version", min: 1, max: 999_999)
        _ = try f.text("title")
        let scenario = try f.string("scenario")
        guard Scenario(rawValue: scenario) != nil else { throw f.fail("scenario", "\"\(scenario)\" is not a scenario (\(Scenario.allCases.map(\.rawValue).joined(separator: ", ")))") }
        let region = try f.region("region")
        let unit = try f.string("unit")
        guard ActivityUnit(rawValue: unit) != nil else { throw f.fail("unit", "\"\(unit)\" is not a unit (\(ActivityUnit.allCases.map(\.rawValue).joined(separator: ", ")))") }
        let kindText = try f.string("kind")
        guard let kind = MethodologyRecord.Kind(rawValue: kindText) else { throw f.fail("kind", "must be quantitative or qualitative") }
        let factor: Int64
        if f.obj["factor_mg"] != nil {
            guard f.obj["baseline_mg"] == nil, f.obj["project_mg"] == nil else {
                throw f.fail("factor_mg", "give either factor_mg or baseline_mg and project_mg, not both")
            }
            factor = try f.int("factor_mg", min: 1)
        } else {
            guard f.obj["baseline_mg"] != nil, f.obj["project_mg"] != nil else {
                throw f.fail("factor_mg", "give factor_mg, or baseline_mg and project_mg (reduction = baseline - project)")
            }
            let baseline = try f.int("baseline_mg", min: 1), project = try f.int("project_mg")
            guard baseline > project else { throw f.fail("project_mg", "must be below baseline_mg (\(baseline)) so the reduction is positive") }
            factor = baseline - project
        }
        let cap = try f.optionalInt("daily_cap_mg", min: 1)
        let from = try f.time("valid_from")
        var to: Timestamp?
        if f.obj["valid_to"] != nil {
            let end = try f.time("valid_to")
            guard end > from else { throw f.fail("valid_to", "must be after valid_from") }
            to = end
        }
        let path = statePath("meth", id, pad16(version))
        if try state.record(MethodologyRecord.self, at: path) != nil {
            throw RuleViolation(field: "version", rule: .methodologyDuplicate, message: "methodology \(id) version \(version) is already registered")
        }
        let indexPath = statePath("msel", scenario, region)
        var index = try state.record(MethodologyVersions.self, at: indexPath) ?? MethodologyVersions()
        for e in index.versions where e.version == version && e.overlaps(from: from, to: to) {
            throw RuleViolation(field: "valid_from", rule: .methodologyAmbiguous,
                                message: "methodology \(e.id) version \(version) already covers \(scenario) in \(region) for an overlapping period; use a higher version")
        }
        var record = MethodologyRecord(id: id, version: version, title: try f.text("title"), scenario: scenario, region: region, unit: unit, kind: kind,
                                       factorMg: factor, validFrom: from, seq: seq)
        // The registration's own members as given (factor_mg also when computed from them).
        record.baselineMg = try f.optionalInt("baseline_mg", min: 1)
        record.projectMg = f.obj["project_mg"] == nil ? nil : try f.int("project_mg")
        record.dailyCapMg = cap
        record.validTo = to
        state.putRecord(path, record)
        index.versions.append(.init(id: id, version: version, validFrom: from, validTo: to))
        state.putRecord(indexPath, index)
        if try state.record(MethodologyIDRecord.self, at: statePath("mid", id)) == nil {
            state.putRecord(statePath("mid", id), MethodologyIDRecord(kind: kind, scenario: scenario))
        }
    }

    /// The methodology for `scenario` at `time` in `region`: the most specific region that has
    /// one valid then, and there the highest version.
    func selectMethodology(scenario: String, region: String, at time: Timestamp) throws -> MethodologyRecord? {
        for r in Region.containing(region) {
            guard let best = try state.record(MethodologyVersions.self, at: statePath("msel", scenario, r))?.best(at: time) else { continue }
            let path = statePath("meth", best.id, pad16(best.version))
            guard let m = try state.record(MethodologyRecord.self, at: path) else { throw StateRecordError(key: path, expected: "registered methodology") }
            return m
        }
        return nil
    }
}
