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
    let signerRecord: KeyRecord?
    /// The registry key in effect: set from the ledger state before the event; a rule that
    /// changes it (`registry.rotate`) sets it, and `Reducer` carries it back into the state.
    var registryKey: NoteVerifierKey?
    /// The signer's actor id, read once per event (the rules use it several times).
    let actor: String
    /// The log's rule set: where v2 changed a rule, the handler asks.
    let rules: RuleSet
    /// The programme's windows (v3 on; nil before: no window).
    let windows: Windows?

    init(state: StateOverlay, seq: UInt64, time: Timestamp, leafHash: Digest, signer: NoteVerifierKey, signerRecord: KeyRecord?, rules: RuleSet = .latest,
         windows: Windows? = nil) {
        self.state = state; self.seq = seq; self.time = time; self.leafHash = leafHash; self.signer = signer; self.signerRecord = signerRecord
        self.rules = rules
        self.windows = windows
        actor = signerRecord?.actor ?? ""
    }

    static func keyPath(_ key: NoteVerifierKey) -> String { "key/\(key.name)+\(hex8(key.keyHash))" }

    /// The signer's roles, for messages.
    var roles: [String] { signerRecord?.roles.map(\.rawValue) ?? [] }

    func has(_ role: ActorRole) -> Bool { signerRecord?.has(role) ?? false }

    /// Requires one of `allowed` roles.
    func authorize(_ allowed: ActorRole..., for type: String) throws(RuleViolation) {
        guard allowed.contains(where: has) else {
            throw RuleViolation(field: "signer", rule: .authRole,
                                message: "\(type) needs a key with role \(allowed.map(\.rawValue).joined(separator: " or ")); \(signer.name) (actor \(actor)) has \(roles.joined(separator: ", "))")
        }
    }

    /// Requires the signer's scopes to cover `scenario` and `region`.
    func authorizeScope(scenario: String, region: String) throws(RuleViolation) {
        guard signerRecord?.covers(scenario: scenario) == true else {
            throw RuleViolation(field: "scenario", rule: .authScope,
                                message: "key \(signer.name) is not scoped for scenario \(scenario) (its scenarios: \((signerRecord?.scenarios ?? []).joined(separator: ", ")))")
        }
        try authorizeRegion(region)
    }

    /// Requires the signer's scopes to cover `region`.
    func authorizeRegion(_ region: String) throws(RuleViolation) {
        guard signerRecord?.covers(region: region) == true else {
            throw RuleViolation(field: "region", rule: .authScope,
                                message: "key \(signer.name) is not scoped for region \(region) (its regions: \((signerRecord?.regions ?? []).joined(separator: ", ")))")
        }
    }

    func get(_ key: String) throws -> JSONValue? { try state.get(key) }

    /// The registration of `key` (`key/NAME+KEYID`), or nil.
    func keyRecord(_ key: NoteVerifierKey) throws -> KeyRecord? { try state.record(KeyRecord.self, at: Self.keyPath(key)) }
    func putKeyRecord(_ record: KeyRecord, for key: NoteVerifierKey) { state.putRecord(Self.keyPath(key), record) }

    /// The credited behaviour of entry `seq` (`beh/SEQ16`), or nil.
    func behaviour(_ seq: Int64) throws -> BehaviourRecord? { try state.record(BehaviourRecord.self, at: Self.behaviourPath(seq)) }
    /// Writes the record of the behaviour at `seq`, which was `old` (nil: none): the index of
    /// behaviours follows (`StateOverlay.putBehaviour`).
    func putBehaviour(_ seq: Int64, _ record: BehaviourRecord, replacing old: BehaviourRecord?) {
        state.putBehaviour(Self.behaviourPath(seq), seq: seq, record, replacing: old)
    }

    /// The index of behaviours' intervals and daily caps (`BehaviourIndex`).
    var behaviourIndex: BehaviourIndexReading {
        get throws {
            guard let index = state.behaviourIndex else {
                throw StateRecordError(key: "beh/", expected: "a state with its index of behaviours (a rule ran over a store without one)")
            }
            return index
        }
    }
    static func behaviourPath(_ seq: Int64) -> String { statePath("beh", pad16(seq)) }

    /// The consent of account `id` to `platform` (`consent/ACCOUNT/PLATFORM`), or nil.
    func consent(_ id: String, _ platform: String) throws -> ConsentRecord? {
        try state.record(ConsentRecord.self, at: statePath("consent", id, platform))
    }

    /// The open account `id` (`acct/ID`), or nil.
    func account(_ id: String) throws -> AccountRecord? { try state.record(AccountRecord.self, at: statePath("acct", id)) }
    func putAccount(_ id: String, _ account: AccountRecord) { state.putRecord(statePath("acct", id), account) }

    /// Changes account `id`, which is open, with one read and one write.
    func updateAccount(_ id: String, _ change: (inout AccountRecord) -> Void) throws {
        guard var a = try account(id) else { throw StateRecordError(key: statePath("acct", id), expected: "open account") }
        change(&a)
        putAccount(id, a)
    }

    /// Adds `delta` to a balance of account `id`, which is open.
    func addToAccount(_ id: String, _ balance: WritableKeyPath<AccountRecord, Int64>, _ delta: Int64) throws {
        try updateAccount(id) { $0[keyPath: balance] = $0[keyPath: balance].saturatingAdding(delta) }
    }
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

    /// Adds a credited behaviour (`behaviours` 1) or takes its reversal away (-1) from the
    /// leaderboard's read model.
    func addCredited(_ b: BehaviourRecord, behaviours: Int64) {
        effects.append(.credited(day: b.day, account: b.account, scenario: b.scenario, platform: b.platform, region: b.region,
                                 mg: behaviours < 0 ? -b.creditedMg : b.creditedMg, behaviours: behaviours))
    }

    /// Adds to the statistics of a behaviour's day, region and scenario.
    func bumpStats(day: String, region: String, scenario: String, _ deltas: KeyValuePairs<String, Int64>) {
        effects.append(.stats(day: day, region: region, scenario: scenario, deltas: deltas.map { Effect.Delta($0.key, $0.value) }))
    }
}
