/// Everything one event is applied with: the state overlay, the entry's seq and commit time,
/// and the signer's registration. The handlers in the other files of this folder are the rules.
final class RuleContext {
    let state: StateOverlay
    let seq: UInt64
    let time: Timestamp
    /// The leaf hash of this event's entry.
    let leafHash: Digest
    let signer: NoteVerifierKey
    /// The signer's key record (nil only while applying genesis).
    let signerRecord: JSONValue?
    /// The registry key in effect: set from the ledger state before the event; a rule that
    /// changes it (`registry.rotate`) sets it, and `Reducer` carries it back into the state.
    var registryKey: NoteVerifierKey?
    /// The signer's actor id, read once per event (the rules use it several times).
    let actor: String
    /// The log's rule set: where v2 changed a rule, the handler asks.
    let rules: RuleSet
    /// The programme's windows (v3 on; nil before: no window).
    let windows: Windows?

    init(state: StateOverlay, seq: UInt64, time: Timestamp, leafHash: Digest, signer: NoteVerifierKey, signerRecord: JSONValue?, rules: RuleSet = .latest,
         windows: Windows? = nil) {
        self.state = state; self.seq = seq; self.time = time; self.leafHash = leafHash; self.signer = signer; self.signerRecord = signerRecord
        self.rules = rules
        self.windows = windows
        actor = signerRecord?.string("actor") ?? ""
    }

    static func keyPath(_ key: NoteVerifierKey) -> String { "key/\(key.name)+\(hex8(key.keyHash))" }

    lazy var roles: [String] = signerRecord?["roles"]?.arrayValue?.compactMap(\.stringValue) ?? []

    // Scans the record's list in place: building the list of strings per event showed in profiles.
    func has(_ role: ActorRole) -> Bool {
        signerRecord?["roles"]?.arrayValue?.contains { $0.stringValue == role.rawValue } ?? false
    }

    /// Requires one of `allowed` roles.
    func authorize(_ allowed: ActorRole..., for type: String) throws(RuleViolation) {
        guard allowed.contains(where: has) else {
            throw RuleViolation(field: "signer", rule: .authRole,
                                message: "\(type) needs a key with role \(allowed.map(\.rawValue).joined(separator: " or ")); \(signer.name) (actor \(actor)) has \(roles.joined(separator: ", "))")
        }
    }

    /// Requires the signer's scopes to cover `scenario` and `region`.
    func authorizeScope(scenario: String, region: String) throws(RuleViolation) {
        // The lists are scanned in place; strings are collected only for the message.
        let scenarios = signerRecord?["scenarios"]?.arrayValue ?? []
        let regions = signerRecord?["regions"]?.arrayValue ?? []
        func listed(_ list: [JSONValue]) -> String { list.compactMap(\.stringValue).joined(separator: ", ") }
        guard scenarios.contains(where: { $0.stringValue == "*" || $0.stringValue == scenario }) else {
            throw RuleViolation(field: "scenario", rule: .authScope, message: "key \(signer.name) is not scoped for scenario \(scenario) (its scenarios: \(listed(scenarios)))")
        }
        guard regions.contains(where: { $0.stringValue.map { Region.covers($0, region) } ?? false }) else {
            throw RuleViolation(field: "region", rule: .authScope, message: "key \(signer.name) is not scoped for region \(region) (its regions: \(listed(regions)))")
        }
    }

    func get(_ key: String) throws -> JSONValue? { try state.get(key) }
    func put(_ key: String, _ value: JSONValue?) { state.put(key, value) }

    /// What this event gives the read models (`Effect`), in the order it gave them.
    var effects: [Effect] = []

    /// Adds to the ledger-wide totals (a read model: statistics and summaries).
    func addTotals(_ deltas: KeyValuePairs<String, Int64>) {
        effects.append(.totals(deltas.map { Effect.Delta($0.key, $0.value) }))
    }

    /// Appends a line to an account's history.
    func history(_ account: String, _ record: JSONValue) {
        effects.append(.history(seq: seq, account: account, line: CanonicalJSON.encode(record)))
    }

    /// Appends a line given as its canonical bytes.
    func history(_ account: String, _ line: inout CanonicalRecord) {
        effects.append(.history(seq: seq, account: account, line: line.finish()))
    }

    /// Adds to the market statistics of this event's CST month.
    func addMarket(currency: String?, _ deltas: KeyValuePairs<String, Int64>) {
        effects.append(.market(month: String(time.cstDay.prefix(6)), currency: currency, deltas: deltas.map { Effect.Delta($0.key, $0.value) }))
    }

    /// Adds to the statistics of a behaviour's day, region and scenario.
    func bumpStats(day: String, region: String, scenario: String, _ deltas: KeyValuePairs<String, Int64>) {
        effects.append(.stats(day: day, region: region, scenario: scenario, deltas: deltas.map { Effect.Delta($0.key, $0.value) }))
    }
}
