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

    /// The fields a certificate's summary shows, shaped as `Schemas/events/issuance.issue` says.
    static func checkIssuance(_ e: JSONValue) throws(ProofError) {
        let f = "issuance.entry.event"
        for k in ["project", "batch", "request"] { try identifier(e, k, f) }
        guard let region = e["region"]?.stringValue, Region.isValid(region) else { throw .field("\(f).region", "must be a region code") }
        guard let vintage = e["vintage"]?.stringValue, vintage.utf8.count == 4, vintage.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw .field("\(f).vintage", "must be a four-digit year")
        }
        try count(e, "units", f)
        guard e["lineage_root"]?.stringValue.flatMap(Digest.init(hex:)) != nil else { throw .field("\(f).lineage_root", "must be 64 lowercase hex digits") }
    }

    /// The fields a certificate's summary shows, shaped as `Schemas/events/units.retire` says.
    static func checkRetirement(_ e: JSONValue) throws(ProofError) {
        let f = "retirement.entry.event"
        for k in ["retirement", "batch", "account"] { try identifier(e, k, f) }
        if e["beneficiary_account"] != nil { try identifier(e, "beneficiary_account", f) }
        for (k, max) in [("beneficiary", 256), ("reason", 1024), ("jurisdiction", 256)] {
            guard let t = e[k]?.stringValue, (1...max).contains(t.utf8.count) else { throw .field("\(f).\(k)", "must be 1 to \(max) bytes of text") }
        }
        guard let purpose = e["purpose"]?.stringValue, ["voluntary", "event", "compliance"].contains(purpose) else {
            throw .field("\(f).purpose", "must be voluntary, event or compliance")
        }
        for k in ["period_from", "period_to"] {
            guard let d = e[k]?.stringValue, RuleContext.days(from: d, to: d) != nil else { throw .field("\(f).\(k)", "must be a CST date YYYYMMDD") }
        }
        try count(e, "units", f)
        if let c = e["compliance"] {
            guard let o = c.objectValue, let scheme = o["scheme"]?.stringValue, Identifier.problem(scheme) == nil,
                  let year = o["year"]?.intValue, (2000...2100).contains(year) else {
                throw .field("\(f).compliance", "must be {scheme, year[, allowance_t, gap_t]}")
            }
        }
    }

    private static func identifier(_ e: JSONValue, _ k: String, _ f: String) throws(ProofError) {
        guard let s = e[k]?.stringValue, Identifier.problem(s) == nil else { throw .field("\(f).\(k)", "must be an identifier (SPEC.md 8.2)") }
    }

    private static func count(_ e: JSONValue, _ k: String, _ f: String) throws(ProofError) {
        guard let n = e[k]?.intValue, n >= 1, n <= JSONValue.maxSafeInteger else { throw .field("\(f).\(k)", "must be an integer from 1 to 2^53-1") }
    }
}
