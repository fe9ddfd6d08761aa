/// The single home of the ledger's rules: a pure function of state and submission. The sequencer
/// runs it before appending, `cledger verify` re-runs it on replay; a log that breaks a rule fails
/// verification even when its hashes are intact.
public enum Reducer {

    /// The rule of each event type after genesis, in SPEC.md section 8's order.
    static let handlers: [(type: String, apply: @Sendable (RuleContext) -> (EventFields) throws -> Void)] = [
        ("key.register", RuleContext.keyRegister), ("key.revoke", RuleContext.keyRevoke),
        ("methodology.register", RuleContext.methodologyRegister), ("account.open", RuleContext.accountOpen),
        ("consent.grant", RuleContext.consentGrant), ("consent.revoke", RuleContext.consentRevoke),
        ("behaviour.report", RuleContext.behaviourReport), ("behaviour.reverse", RuleContext.behaviourReverse),
        ("points.rule", RuleContext.pointsRule), ("points.redeem", RuleContext.pointsRedeem),
        ("donation", RuleContext.donation), ("note", RuleContext.note),
        ("project.register", RuleContext.projectRegister), ("issuance.request", RuleContext.issuanceRequest),
        ("issuance.verify", RuleContext.issuanceVerify), ("issuance.issue", RuleContext.issuanceIssue),
        ("holder.authorise", RuleContext.holderAuthorise), ("units.transfer", RuleContext.unitsTransfer),
        ("units.retire", RuleContext.unitsRetire), ("offset.rule", RuleContext.offsetRule), ("units.cancel", RuleContext.unitsCancel),
        ("registry.rotate", RuleContext.registryRotate),
        ("key.recover", RuleContext.keyRecover), ("key.recover.approve", RuleContext.keyRecoverApprove),
        ("compliance.allowance", RuleContext.complianceAllowance), ("account.link", RuleContext.accountLink),
        ("footprint.register", RuleContext.footprintRegister),
    ]
    static let handlerByType = Dictionary(uniqueKeysWithValues: handlers.map { ($0.type, $0.apply) })

    /// How far a behaviour may end after the entry's time (clock skew between systems, SPEC.md
    /// 8.7 `behaviour.future`): so no behaviour is reported earlier than its start less this.
    public static let futureTolerance: Int64 = 5 * 60 * 1000

    /// The rule set that added each event type that v1 does not have.
    static let introducedIn: [String: RuleSet] = ["key.recover": .v2, "key.recover.approve": .v2, "compliance.allowance": .v2, "account.link": .v2,
                                                  "footprint.register": .v3]

    /// Every event type of the latest rule set (SPEC.md section 8).
    public static let eventTypes = eventTypes(.latest)

    /// Every event type of `rules`.
    public static func eventTypes(_ rules: RuleSet) -> [String] {
        ["genesis"] + handlers.map(\.type).filter { rules >= (introducedIn[$0] ?? .v1) }
    }

    /// Applies a whole submission and writes its effects' read models into the same `state`
    /// (`Projection`): the rules and the read models kept together, as SPEC.md section 10 lays
    /// them out today.
    public static func apply(_ submission: Submission, to ledger: LedgerState, state: StateOverlay, time: Timestamp,
                             leafHashes: [Digest], lookup: some SubmissionLookup) throws -> LedgerState {
        var effects: [Effect] = []
        let next = try apply(submission, to: ledger, state: state, time: time, leafHashes: leafHashes, lookup: lookup, effects: &effects)
        try Projection.apply(effects, to: state)
        return next
    }

    /// Applies a whole submission whose first event gets seq `ledger.size`, committed at `time`:
    /// every event or none. Rule state changes go into `state` (the caller discards the overlay
    /// on a violation); what the events give the read models is appended to `effects` only when
    /// the whole submission applies. Returns the new ledger state.
    public static func apply(_ submission: Submission, to ledger: LedgerState, state: StateOverlay, time: Timestamp,
                             leafHashes: [Digest], lookup: some SubmissionLookup, effects: inout [Effect]) throws -> LedgerState {
        precondition(leafHashes.count == submission.events.count, "one leaf hash per event")
        try admit(submission, to: ledger, lookup: lookup)
        var next = ledger
        let firstSeq = ledger.size
        // The signer's state path and text, built once per submission, not per event.
        let signer = SignerKey(submission.signer)
        // Appended in place (copying each event's effects showed in profiles of the rules
        // thread); a submission that fails leaves none.
        let effectsBefore = effects.count
        for (i, event) in submission.events.enumerated() {
            let seq = firstSeq + UInt64(i)
            do {
                try apply(event: event, seq: seq, time: time, leafHash: leafHashes[i], signer: signer, ledger: &next, state: state, effects: &effects)
            } catch {
                effects.removeSubrange(effectsBefore...)
                guard var v = error as? RuleViolation else { throw error }
                v.eventIndex = i
                throw v
            }
        }
        assert(next.size == firstSeq + UInt64(submission.events.count), "every event advances the log by one")
        return next
    }

    /// Every rule the events of `submission` break, each event judged over the state the events
    /// before it left, a refused one leaving nothing: what `cledger submit --check` reports, so a
    /// batch is mended in one go rather than one error at a time. The submission's own checks
    /// (signature, replay) come first, and when one fails it is the only finding. `state` is
    /// the caller's scratch (it holds what the accepted events wrote, rules only); the returned
    /// ledger state has the submission's entries counted, as if it were appended.
    public static func check(_ submission: Submission, to ledger: LedgerState, state: StateOverlay, time: Timestamp,
                             leafHashes: [Digest], lookup: some SubmissionLookup) throws -> (ledger: LedgerState, violations: [RuleViolation]) {
        precondition(leafHashes.count == submission.events.count, "one leaf hash per event")
        do { try admit(submission, to: ledger, lookup: lookup) } catch let v as RuleViolation { return (ledger, [v]) }
        var next = ledger
        let signer = SignerKey(submission.signer)
        var found: [RuleViolation] = []
        var ignored: [Effect] = []
        for (i, event) in submission.events.enumerated() {
            let seq = ledger.size + UInt64(i)
            state.beginSavepoint()
            do {
                try apply(event: event, seq: seq, time: time, leafHash: leafHashes[i], signer: signer, ledger: &next, state: state, effects: &ignored)
                state.commitSavepoint()
            } catch var v as RuleViolation {
                state.rollback()
                v.eventIndex = i
                found.append(v)
                // The later events keep the seqs they would have in the log.
                next.size = seq + 1
            }
        }
        return (next, found)
    }

    /// The checks of a submission as a whole, before its events: its signature for this ledger
    /// and that the log does not hold it already.
    static func admit(_ submission: Submission, to ledger: LedgerState, lookup: some SubmissionLookup) throws {
        let firstSeq = ledger.size
        let origin: String
        if firstSeq == 0 {
            origin = try genesisOrigin(submission)
        } else {
            guard let o = ledger.origin else { preconditionFailure("state past genesis without origin") }
            origin = o
        }
        guard submission.hasValidSignature(origin: origin) else {
            throw RuleViolation(field: "signature", rule: .submissionSignature,
                                message: "not a valid Ed25519 signature by \(submission.signer) over this submission for ledger \"\(origin)\"")
        }
        if let earlier = try lookup.firstSeq(ofSubmission: submission.root), earlier != firstSeq {
            throw RuleViolation(field: "events", rule: .submissionReplay,
                                message: "the same submission (root \(submission.root.hex)) was already appended at seq \(earlier)", conflictingSeq: earlier)
        }
    }

    /// Applies one event at `seq`.
    /// A submission's signer with the strings every event's authorisation needs.
    struct SignerKey {
        let key: NoteVerifierKey
        /// `key/NAME+KEYID`, where its registration is.
        let path: String
        /// The key as registered (`NAME+KEYID+BASE64`).
        let text: String

        init(_ key: NoteVerifierKey) {
            self.key = key
            path = RuleContext.keyPath(key)
            text = key.description
        }
    }

    static func apply(event: JSONValue, seq: UInt64, time: Timestamp, leafHash: Digest, signer signerKey: SignerKey, ledger: inout LedgerState,
                      state: StateOverlay, effects: inout [Effect]) throws {
        let signer = signerKey.key
        guard let obj = event.objectValue else {
            throw RuleViolation(field: "(event)", rule: .eventObject, message: "an event must be a JSON object, got \(event.typeName)")
        }
        guard let type = obj["type"]?.stringValue else {
            throw RuleViolation(field: "type", rule: .eventType, message: "missing or not a string")
        }
        if seq == 0 {
            let admins = try applyGenesis(obj, signer: signer, state: &ledger)
            RuleContext(state: state, seq: seq, time: time, leafHash: leafHash, signer: signer, signerRecord: nil).applyGenesisAdmins(admins)
            ledger.size = 1
            return
        }
        guard type != "genesis" else {
            throw RuleViolation(field: "type", rule: .genesisFirst, message: "only entry 0 may be a genesis event")
        }
        // Authorisation is read per event, so a key revoked by an earlier event of the same
        // submission cannot sign the events after it.
        guard let record = try state.record(KeyRecord.self, at: signerKey.path), record.key == signerKey.text else {
            throw RuleViolation(field: "signer", rule: .authUnknownKey, message: "key \(signer) is not registered with this ledger")
        }
        if let revoked = record.revokedSeq {
            throw RuleViolation(field: "signer", rule: .authRevoked, message: "key \(signer.name) was revoked at seq \(revoked)")
        }
        let ctx = RuleContext(state: state, seq: seq, time: time, leafHash: leafHash, signer: signer, signerRecord: record, rules: ledger.rules,
                              windows: ledger.windows)
        ctx.registryKey = ledger.registryKey
        let f = EventFields(obj: obj, type: type)
        guard let handler = handlerByType[type], ledger.rules >= (introducedIn[type] ?? .v1) else {
            let types = eventTypes(ledger.rules).dropFirst().joined(separator: ", ")
            throw RuleViolation(field: "type", rule: .eventType,
                                message: "\"\(type)\" is not an event type of rule set \(ledger.rules.rawValue) (\(types))")
        }
        // The rule appends to the caller's effects, moved in and back (not copied); what a
        // refused event appended the caller drops with the submission.
        ctx.effects = effects
        effects = []
        defer { effects = ctx.effects }
        try handler(ctx)(f)
        ledger.registryKey = ctx.registryKey
        ledger.size = seq + 1
    }

    /// Where a key's registration is in the state (`key/NAME+KEYID`).
    public static func keyStatePath(_ key: NoteVerifierKey) -> String { RuleContext.keyPath(key) }

    /// A stored account record's available balance (`AccountRecord.availableMg`, SPEC.md 8.5),
    /// for the queries; 0 for a value that is not an account record.
    public static func available(_ account: JSONValue) -> Int64 {
        AccountRecord(record: account)?.availableMg ?? 0
    }

    /// The supply invariant of one batch over any state (the verifier runs it on the live
    /// projections of every batch): throws `supply.invariant` when it does not hold.
    public static func checkSupply(batch: String, state: StateReader) throws {
        let overlay = StateOverlay(base: state)
        // No event is applied: the context only reads state, so its signer is a placeholder.
        let nobody = try NoteVerifierKey(name: "supply-check", publicKey: Ed25519PublicKey(raw: [UInt8](repeating: 0, count: 32)))
        let ctx = RuleContext(state: overlay, seq: 0, time: .minimum, leafHash: .zero, signer: nobody, signerRecord: nil)
        try ctx.checkSupply(batch, assertOnFailure: false)
    }

    /// Checks the genesis event; returns its admin keys.
    private static func applyGenesis(_ obj: JSONObject, signer: NoteVerifierKey, state: inout LedgerState) throws(RuleViolation) -> [NoteVerifierKey] {
        guard obj["type"]?.stringValue == "genesis" else {
            throw RuleViolation(field: "type", rule: .genesisFirst, message: "entry 0 must be the genesis event")
        }
        // v3 on, the programme's windows may be stated (absent: Windows.standard).
        // (An unknown rule set is refused below, as genesis.rules, whatever its members.)
        let v3 = obj["rules"]?.stringValue.flatMap(RuleSet.init(rawValue:)).map { $0 >= .v3 } ?? true
        guard obj.keys == ["admins", "origin", "registry_key", "rules", "type"] || (v3 && obj.keys == ["admins", "origin", "registry_key", "rules", "type", "windows"]) else {
            throw RuleViolation(field: "(event)", rule: .genesisFields,
                                message: "genesis must have exactly admins, origin, registry_key, rules, type\(v3 ? " and optionally windows" : ""); has \(obj.keys)")
        }
        guard let origin = obj["origin"]?.stringValue, isValidOrigin(origin) else {
            throw RuleViolation(field: "origin", rule: .genesisOrigin,
                                message: "must be 1 to 255 printable ASCII characters without spaces")
        }
        guard let keyText = obj["registry_key"]?.stringValue, let key = try? NoteVerifierKey(keyText) else {
            throw RuleViolation(field: "registry_key", rule: .genesisRegistryKey, message: "must be a signed-note verifier key name+keyid+base64")
        }
        guard let rules = obj["rules"]?.stringValue.flatMap(RuleSet.init(rawValue:)) else {
            throw RuleViolation(field: "rules", rule: .genesisRules,
                                message: "must be one of \(RuleSet.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
        }
        guard let list = obj["admins"]?.arrayValue, (1...16).contains(list.count) else {
            throw RuleViolation(field: "admins", rule: .genesisAdmins, message: "must list 1 to 16 admin verifier keys")
        }
        var admins: [NoteVerifierKey] = []
        for (i, v) in list.enumerated() {
            guard let t = v.stringValue, let k = try? NoteVerifierKey(t) else {
                throw RuleViolation(field: "admins[\(i)]", rule: .genesisAdmins, message: "must be a verifier key name+keyid+base64")
            }
            guard !admins.contains(where: { $0.name == k.name && $0.keyHash == k.keyHash }) else {
                throw RuleViolation(field: "admins[\(i)]", rule: .genesisAdmins, message: "key \(k.name) is listed twice")
            }
            admins.append(k)
        }
        guard signer == key else {
            throw RuleViolation(field: "signer", rule: .genesisSigner, message: "the genesis submission must be signed by the registry key it names")
        }
        let windows = rules >= .v3 ? try Windows(genesis: obj["windows"]) : nil
        state.origin = origin
        state.registryKey = key
        state.rules = rules
        state.windows = windows
        return admins
    }

    /// The origin a genesis submission declares (its statement is signed for that origin).
    private static func genesisOrigin(_ submission: Submission) throws -> String {
        guard submission.events.count == 1 else {
            throw RuleViolation(field: "events", rule: .genesisAlone, message: "the genesis submission must hold exactly one event")
        }
        guard let origin = submission.events[0]["origin"]?.stringValue else {
            throw RuleViolation(eventIndex: 0, field: "origin", rule: .genesisOrigin, message: "missing or not a string")
        }
        return origin
    }

    /// Origins are checkpoint first lines: printable ASCII, no spaces, at most 255 bytes.
    public static func isValidOrigin(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 255 && s.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }

    /// The genesis event for a new ledger; `admins` default to the registry key alone.
    public static func genesisEvent(origin: String, registryKey: NoteVerifierKey, admins: [NoteVerifierKey]? = nil,
                                    rules: RuleSet = .latest, windows: Windows? = nil) -> JSONValue {
        var o: JSONObject = ["type": "genesis", "admins": .array((admins ?? [registryKey]).map { .string($0.description) }), "origin": .string(origin),
                             "registry_key": .string(registryKey.description), "rules": .string(rules.rawValue)]
        // A v3 log says its windows, so a reader need not know the defaults.
        if rules >= .v3 { o["windows"] = (windows ?? .standard).json }
        return .object(o)
    }

    /// The rule set a genesis event names (v1 for anything else: `apply` refuses it anyway).
    public static func ruleSet(ofGenesis event: JSONValue) -> RuleSet {
        event["rules"]?.stringValue.flatMap(RuleSet.init(rawValue:)) ?? .v1
    }
}
