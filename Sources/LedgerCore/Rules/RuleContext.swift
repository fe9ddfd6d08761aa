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

    init(state: StateOverlay, seq: UInt64, time: Timestamp, leafHash: Digest, signer: NoteVerifierKey, signerRecord: JSONValue?, rules: RuleSet = .latest) {
        self.state = state; self.seq = seq; self.time = time; self.leafHash = leafHash; self.signer = signer; self.signerRecord = signerRecord
        self.rules = rules
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

    /// Adds to the ledger-wide totals (a single record, for invariant checks and statistics).
    func addTotals(_ deltas: KeyValuePairs<String, Int64>) throws {
        try state.updateObject("totals") { for (k, d) in deltas { $0.add(d, to: k) } }
    }

    /// Appends a line to an account's history.
    func history(_ account: String, _ record: JSONValue) {
        put(historyPath(account), record)
    }

    /// Where this event's line of `account`'s history goes: under the million of its seq first
    /// (the first 10 digits of SEQ16), so the index's writes stay within the current million's
    /// lines instead of spreading over every account's place in the whole index (SPEC.md
    /// section 10). A day is no bound: at full speed a million entries take half a minute.
    func historyPath(_ account: String) -> String {
        let s = pad16(Int64(seq))
        return statePath("hist", String(s.prefix(10)), account, s)
    }
}
