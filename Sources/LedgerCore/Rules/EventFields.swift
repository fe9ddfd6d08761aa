/// Typed access to an event's members; every failure is a `RuleViolation` naming the field.
struct EventFields {
    let obj: JSONObject
    let type: String

    func fail(_ field: String, _ why: String, rule: RuleID = .fields) -> RuleViolation {
        RuleViolation(field: field, rule: rule, eventType: rule == .fields ? type : nil, message: why)
    }

    /// Refuses members outside `required` + `optional`, and missing required ones.
    func require(_ required: [String], optional: [String] = []) throws(RuleViolation) {
        assert(Set(required + optional + ["type"]).count == required.count + optional.count + 1, "a member listed twice, or type listed")
        for k in required where obj[k] == nil { throw fail(k, "is required") }
        // An object's keys are unique: when the type, the required members and the optional ones
        // present are all its members, none is foreign. Checking each member against both lists
        // was 5% of a behaviour report's instructions (callgrind; Benchmarks/RESULTS.md).
        var known = 1 + required.count
        for k in optional where obj[k] != nil { known += 1 }
        if obj.members.count == known, obj["type"] != nil { return }
        // Few members: linear membership checks allocate nothing (this runs for every event).
        for m in obj.members where m.key != "type" && !required.contains(m.key) && !optional.contains(m.key) {
            let allowed = Set(required + optional + ["type"])
            throw fail(m.key, "is not a member of \(type) (allowed: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    func string(_ k: String) throws(RuleViolation) -> String {
        guard let s = obj[k]?.stringValue else { throw fail(k, "must be a string") }
        return s
    }

    func optionalString(_ k: String) throws(RuleViolation) -> String? {
        guard let v = obj[k] else { return nil }
        guard let s = v.stringValue else { throw fail(k, "must be a string") }
        return s
    }

    func text(_ k: String, max: Int = 256) throws(RuleViolation) -> String {
        let s = try string(k)
        guard !s.isEmpty, s.utf8.count <= max else { throw fail(k, "must be 1 to \(max) bytes of text") }
        return s
    }

    func identifier(_ k: String) throws(RuleViolation) -> String {
        let s = try string(k)
        if let why = Identifier.problem(s) { throw fail(k, "\"\(s)\" \(why)") }
        return s
    }

    func int(_ k: String, min: Int64 = 0, max: Int64 = JSONValue.maxSafeInteger) throws(RuleViolation) -> Int64 {
        guard let i = obj[k]?.intValue else { throw fail(k, "must be an integer") }
        guard i >= min, i <= max else { throw fail(k, "must be from \(min) to \(max), got \(i)") }
        return i
    }

    func optionalInt(_ k: String, min: Int64 = 0) throws(RuleViolation) -> Int64? {
        obj[k] == nil ? nil : try int(k, min: min)
    }

    func bool(_ k: String) throws(RuleViolation) -> Bool {
        guard let b = obj[k]?.boolValue else { throw fail(k, "must be true or false") }
        return b
    }

    func time(_ k: String) throws(RuleViolation) -> Timestamp {
        let s = try string(k)
        guard let t = Timestamp(rfc3339: s) else { throw fail(k, "\"\(s)\" is not RFC 3339 UTC with milliseconds (YYYY-MM-DDTHH:MM:SS.mmmZ)") }
        return t
    }

    func region(_ k: String) throws(RuleViolation) -> String {
        let s = try string(k)
        guard Region.isValid(s) else { throw fail(k, "\"\(s)\" is not a region code (CN or 6 digits, e.g. 440300)") }
        return s
    }

    func hash(_ k: String) throws(RuleViolation) -> String? {
        guard let s = try optionalString(k) else { return nil }
        guard Digest(hex: s) != nil else { throw fail(k, "must be 64 lowercase hex digits (a SHA-256)") }
        return s
    }

    /// A signed-note verifier key (`NAME+KEYID+BASE64`).
    func verifierKey(_ k: String) throws(RuleViolation) -> NoteVerifierKey {
        let text = try string(k)
        do { return try NoteVerifierKey(text) } catch { throw fail(k, error.description) }
    }

    /// Scenario names or `*` (a key's scope, consent, a scheme's project types).
    func scenarioScope(_ k: String) throws(RuleViolation) -> [String] {
        try stringList(k) { $0 == "*" || Scenario(rawValue: $0) != nil ? nil : "\"\($0)\" is not a scenario (or *)" }
    }

    /// Region codes or `*` (a key's scope, a scheme's eligible regions).
    func regionScope(_ k: String) throws(RuleViolation) -> [String] {
        try stringList(k) { $0 == "*" || Region.isValid($0) ? nil : "\"\($0)\" is not a region code (or *)" }
    }

    func stringList(_ k: String, max: Int = 64, _ each: (String) -> String?) throws(RuleViolation) -> [String] {
        guard let a = obj[k]?.arrayValue, (1...max).contains(a.count) else { throw fail(k, "must be an array of 1 to \(max) strings") }
        var out: [String] = []
        for (i, v) in a.enumerated() {
            guard let s = v.stringValue else { throw fail("\(k)[\(i)]", "must be a string") }
            if let why = each(s) { throw fail("\(k)[\(i)]", why) }
            guard !out.contains(s) else { throw fail("\(k)[\(i)]", "\"\(s)\" is listed twice") }
            out.append(s)
        }
        return out
    }
}

/// JSON helpers for state records.
extension JSONValue {
    func int(_ k: String) -> Int64 { self[k]?.intValue ?? 0 }
    func string(_ k: String) -> String? { self[k]?.stringValue }

    /// Returns a copy with `k` set.
    func with(_ k: String, _ v: JSONValue?) -> JSONValue {
        var o = objectValue ?? JSONObject()
        o[k] = v
        return .object(o)
    }
}
