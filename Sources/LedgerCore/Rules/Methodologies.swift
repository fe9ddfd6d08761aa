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
    /// one valid then, and there the highest version. What a (scenario, region) may use is
    /// looked up once and kept in the overlay until a registration (`CatalogueMemo`): the
    /// search of the region's chain was a tenth of `behaviourReport`'s instructions when every
    /// report made it (Benchmarks/RESULTS.md).
    func selectMethodology(scenario: String, region: String, at time: Timestamp) throws -> MethodologyRecord? {
        let key = MethodologyChoice.Key(scenario: scenario, region: region)
        let choice: MethodologyChoice
        if let kept = state.catalogue.methodologies[key] {
            choice = kept
        } else {
            choice = try methodologyChoice(scenario: scenario, region: region)
            if !state.frozen { state.catalogue.methodologies[key] = choice }
        }
        for r in choice.regions {
            guard let best = r.versions.best(at: time) else { continue }
            guard let m = r.records.first(where: { $0.id == best.id && $0.version == best.version }) else {
                throw StateRecordError(key: statePath("meth", best.id, pad16(best.version)), expected: "registered methodology")
            }
            return m
        }
        return nil
    }

    /// The versions registered for `scenario` in each region containing `region` (most specific
    /// first, those with none left out), with the records of those versions.
    private func methodologyChoice(scenario: String, region: String) throws -> MethodologyChoice {
        var choice = MethodologyChoice()
        for r in Region.containing(region) {
            guard let versions = try state.record(MethodologyVersions.self, at: statePath("msel", scenario, r)) else { continue }
            var records: [MethodologyRecord] = []
            for v in versions.versions {
                if let m = try state.record(MethodologyRecord.self, at: statePath("meth", v.id, pad16(v.version))) { records.append(m) }
            }
            choice.regions.append((versions, records))
        }
        return choice
    }
}
