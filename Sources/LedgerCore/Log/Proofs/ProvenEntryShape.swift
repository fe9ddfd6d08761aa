/// What an offline verifier checks of a proven entry beyond its hash (SPEC.md 7.1 step 2, 7.3
/// step 2): an entry a log could hold, and for certificates, events whose fields have their
/// schemas' shapes. Without these, a proof could vouch for an entry no ledger would append (entry
/// 0 with a `prev`, an event without a type) and a certificate could show a vintage "26".
enum ProvenEntryShape {
    /// Entry 0 is the genesis entry, with `prev` all zeros; a later one carries an event of a
    /// known type other than genesis.
    static func check(_ entry: Entry, field: String) throws(ProofError) {
        let type = entry.event["type"]?.stringValue
        if entry.seq == 0 {
            guard entry.prev == .zero else { throw .field("\(field).prev", "entry 0 has prev all zeros") }
            guard type == "genesis" else { throw .field("\(field).event.type", "entry 0 is the genesis event") }
            return
        }
        guard let type, type != "genesis", Reducer.eventTypes.contains(type) else {
            throw .field("\(field).event.type", "must be an event type of SPEC.md section 8 other than genesis, got \(type.map { "\"\($0)\"" } ?? "none")")
        }
    }

    /// The fields a certificate's summary shows, checked by the reducer's own field rules
    /// (EventFields; SPEC.md 8.16) where they need no state.
    static func checkIssuance(_ e: JSONValue) throws(ProofError) {
        try fields(e, "issuance.issue", "issuance.entry.event") { f throws(RuleViolation) in
            for k in ["project", "batch", "request"] { _ = try f.identifier(k) }
            _ = try f.region("region")
            let vintage = try f.string("vintage")
            // The reducer requires the year of the request's period (state); alone, four digits.
            guard vintage.utf8.count == 4, vintage.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { throw f.fail("vintage", "must be a four-digit year") }
            _ = try f.int("units", min: 1)
            guard try f.hash("lineage_root") != nil else { throw f.fail("lineage_root", "must be 64 lowercase hex digits") }
        }
    }

    /// The fields a certificate's summary shows, checked by the reducer's own rules for a
    /// retirement's terms (SPEC.md 8.19) and ids.
    static func checkRetirement(_ e: JSONValue) throws(ProofError) {
        try fields(e, "units.retire", "retirement.entry.event") { f throws(RuleViolation) in
            for k in ["retirement", "batch", "account"] { _ = try f.identifier(k) }
            if f.obj["beneficiary_account"] != nil { _ = try f.identifier("beneficiary_account") }
            _ = try RuleContext.retirementTerms(f)
            _ = try f.int("units", min: 1)
            if let c = f.obj["compliance"] {
                guard let o = c.objectValue, let scheme = o["scheme"]?.stringValue, Identifier.problem(scheme) == nil,
                      let year = o["year"]?.intValue, (2000...2100).contains(year) else {
                    throw f.fail("compliance", "must be {scheme, year[, allowance_t, gap_t]}")
                }
            }
        }
    }

    /// Runs the reducer's field checks on `event`, naming a failure's field under `path`.
    private static func fields(_ event: JSONValue, _ type: String, _ path: String,
                               _ check: (EventFields) throws(RuleViolation) -> Void) throws(ProofError) {
        guard let obj = event.objectValue else { throw .field(path, "must be an object") }
        do { try check(EventFields(obj: obj, type: type)) } catch { throw .field("\(path).\(error.field)", error.message) }
    }
}
