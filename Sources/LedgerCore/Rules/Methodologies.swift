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
        let kind = try f.string("kind")
        guard kind == "quantitative" || kind == "qualitative" else { throw f.fail("kind", "must be quantitative or qualitative") }
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
        _ = try f.optionalInt("daily_cap_mg", min: 1)
        let from = try f.time("valid_from")
        var to: Timestamp?
        if f.obj["valid_to"] != nil {
            to = try f.time("valid_to")
            guard to! > from else { throw f.fail("valid_to", "must be after valid_from") }
        }
        let path = "meth/\(id)/\(pad16(version))"
        if try get(path) != nil {
            throw RuleViolation(field: "version", rule: .methodologyDuplicate, message: "methodology \(id) version \(version) is already registered")
        }
        let indexPath = "msel/\(scenario)/\(region)"
        var entries = try get(indexPath)?["versions"]?.arrayValue ?? []
        for e in entries where e.int("version") == version {
            let eFrom = Timestamp(millisecondsSinceEpoch: e.int("from_ms"))
            let eTo = e["to_ms"]?.intValue.map(Timestamp.init(millisecondsSinceEpoch:))
            if (to == nil || eFrom < to!) && (eTo == nil || from < eTo!) {
                throw RuleViolation(field: "valid_from", rule: .methodologyAmbiguous,
                                    message: "methodology \(e.string("id") ?? "") version \(version) already covers \(scenario) in \(region) for an overlapping period; use a higher version")
            }
        }
        var record = f.obj
        record["type"] = nil
        record["factor_mg"] = .int(factor)
        record["registered_seq"] = .int(Int64(seq))
        put(path, .object(record))
        // Validity as integers too: selection runs for every behaviour and should not parse text.
        var entry: JSONObject = ["id": .string(id), "version": .int(version), "valid_from": .string(from.rfc3339),
                                 "from_ms": .int(from.millisecondsSinceEpoch)]
        if let t = to { entry["valid_to"] = .string(t.rfc3339); entry["to_ms"] = .int(t.millisecondsSinceEpoch) }
        entries.append(.object(entry))
        put(indexPath, ["versions": .array(entries)])
        if try get("mid/\(id)") == nil { put("mid/\(id)", ["scenario": .string(scenario), "kind": .string(kind)]) }
    }

    /// The methodology for `scenario` at `time` in `region`: the most specific region that has
    /// one valid then, and there the highest version.
    func selectMethodology(scenario: String, region: String, at time: Timestamp) throws -> JSONValue? {
        for r in Region.containing(region) {
            guard let versions = try get(statePath("msel", scenario, r))?["versions"]?.arrayValue else { continue }
            var best: JSONValue?
            for e in versions where e.int("from_ms") <= time.millisecondsSinceEpoch {
                if let to = e["to_ms"]?.intValue, to <= time.millisecondsSinceEpoch { continue }
                if best == nil || e.int("version") > best!.int("version") { best = e }
            }
            if let best {
                return try get(statePath("meth", best.string("id")!, pad16(best.int("version"))))
            }
        }
        return nil
    }
}
