/// Holder keys under rule set v2 (SPEC.md section 8.17): only an account's own holder keys move
/// its units, so no single admin can give an account a key once it has had one or holds units.
/// A new holder key for such an account is a recovery: proposed by one admin, effective only
/// when an admin of another actor approves it; the account's old holder keys are revoked then.
extension RuleContext {
    /// `hkeys/ACCOUNT`: every holder key the account has had, revoked ones included.
    static func holderKeysPath(_ account: String) -> String { statePath("hkeys", account) }
    /// `held/ACCOUNT`: the units the account holds now, over all batches (v2).
    static func heldPath(_ account: String) -> String { statePath("held", account) }

    /// Adds `delta` units to what `account` holds (v2 keeps the count for the rule above).
    func countHeld(_ account: String, _ delta: Int64) throws {
        guard rules >= .v2, delta != 0 else { return }
        try state.updateObject(Self.heldPath(account)) { $0.add(delta, to: "units") }
    }

    /// v2: refuses a `key.register` that would hand an account's units to whoever holds the new key.
    func checkHolderRegistration(actor account: String, roles: [String]) throws {
        guard rules >= .v2, roles.contains(ActorRole.holder.rawValue) else { return }
        guard !roles.contains(ActorRole.admin.rawValue) else {
            throw RuleViolation(field: "roles", rule: "key.holder_role", message: "a holder key cannot also be an admin key: register them separately")
        }
        let recover = "a new holder key for it takes key.recover, proposed by one admin and approved by an admin of another actor"
        if let known = try get(Self.holderKeysPath(account)) {
            let names = known["keys"]?.arrayValue?.compactMap(\.stringValue).joined(separator: ", ") ?? "?"
            throw RuleViolation(field: "key", rule: "key.holder_exists", message: "account \(account) already has holder keys (\(names)); \(recover)")
        }
        let held = try get(Self.heldPath(account))?.int("units") ?? 0
        if held > 0 {
            throw RuleViolation(field: "key", rule: "key.holder_exists", message: "account \(account) holds \(held) units and has no holder key; \(recover)")
        }
    }

    /// Records a holder key in its account's list (v2).
    func rememberHolderKey(_ key: NoteVerifierKey, account: String) throws {
        guard rules >= .v2 else { return }
        let path = Self.holderKeysPath(account)
        let keys = try get(path)?["keys"]?.arrayValue ?? []
        put(path, ["keys": .array(keys + [.string(key.description)])])
    }

    /// Refuses a key that cannot be registered: registered, revoked, or colliding (SPEC.md 8.3).
    func checkUnregistered(_ key: NoteVerifierKey, field: String) throws {
        guard let existing = try get(Self.keyPath(key)) else { return }
        if existing.string("key") != key.description {
            throw RuleViolation(field: field, rule: "key.collision", message: "another key with the name \(key.name) and key id \(hex8(key.keyHash)) is registered; choose another name")
        }
        if existing["revoked_seq"] != nil {
            throw RuleViolation(field: field, rule: "key.revoked", message: "key \(key.name) was revoked at seq \(existing.int("revoked_seq")); revoked keys cannot be registered again, generate a new key")
        }
        throw RuleViolation(field: field, rule: "key.duplicate", message: "key \(key.name) is already registered (seq \(existing.int("registered_seq")))")
    }

    func keyRecover(_ f: EventFields) throws {
        try authorize(.admin, for: f.type)
        try f.require(["proposal", "account", "key", "reason"])
        let id = try f.identifier("proposal")
        let account = try f.identifier("account")
        let keyText = try f.string("key")
        let key: NoteVerifierKey
        do { key = try NoteVerifierKey(keyText) } catch { throw f.fail("key", error.description) }
        let reason = try f.text("reason", max: 1024)
        let path = statePath("recovery", id)
        if let earlier = try get(path) {
            throw RuleViolation(field: "proposal", rule: "recovery.duplicate", message: "recovery proposal \(id) already exists (seq \(earlier.int("proposed_seq")))")
        }
        guard try get(statePath("acct", account)) != nil else {
            throw RuleViolation(field: "account", rule: "account.unknown", message: "account \(account) is not open")
        }
        try checkUnregistered(key, field: "key")
        put(path, ["account": .string(account), "key": .string(key.description), "reason": .string(reason), "proposed_by": .string(actor),
                   "proposed_seq": .int(Int64(seq)), "status": "proposed"])
        history(account, ["event": "key.recover", "proposal": .string(id), "key": .string(key.description), "by": .string(actor),
                          "reason": .string(reason), "status": "proposed"])
    }

    func keyRecoverApprove(_ f: EventFields) throws {
        try authorize(.admin, for: f.type)
        try f.require(["proposal", "decision"], optional: ["reason"])
        let id = try f.identifier("proposal")
        let decision = try f.string("decision")
        guard decision == "approve" || decision == "reject" else { throw f.fail("decision", "must be approve or reject") }
        if f.obj["reason"] != nil { _ = try f.text("reason", max: 1024) }
        let path = statePath("recovery", id)
        guard let proposal = try get(path) else {
            throw RuleViolation(field: "proposal", rule: "recovery.unknown", message: "no recovery proposal \(id)")
        }
        guard proposal.string("status") == "proposed" else {
            throw RuleViolation(field: "proposal", rule: "recovery.state", message: "recovery proposal \(id) is already \(proposal.string("status") ?? "?")")
        }
        let account = proposal.string("account") ?? ""
        guard decision == "approve" else {
            put(path, proposal.with("status", "rejected").with("decided_by", .string(actor)).with("decided_seq", .int(Int64(seq))))
            history(account, ["event": "key.recover.approve", "proposal": .string(id), "by": .string(actor), "status": "rejected"])
            return
        }
        guard actor != proposal.string("proposed_by") else {
            throw RuleViolation(field: "signer", rule: "recovery.same_admin",
                                message: "recovery proposal \(id) was proposed by \(actor); an admin of another actor must approve it")
        }
        guard let keyText = proposal.string("key"), let key = try? NoteVerifierKey(keyText) else {
            throw RuleViolation(field: "proposal", rule: "recovery.state", message: "recovery proposal \(id) holds no valid key")
        }
        try checkUnregistered(key, field: "proposal")
        // The old holder keys are presumed lost or stolen: they stop acting with this event.
        var revoked: [JSONValue] = []
        for old in try get(Self.holderKeysPath(account))?["keys"]?.arrayValue ?? [] {
            guard let text = old.stringValue, let k = try? NoteVerifierKey(text), let record = try get(Self.keyPath(k)),
                  record.string("key") == text, record["revoked_seq"] == nil else { continue }
            put(Self.keyPath(k), record.with("revoked_seq", .int(Int64(seq))).with("revoked_by_recovery", .string(id)))
            revoked.append(.string(text))
        }
        put(Self.keyPath(key), Self.keyRecord(actor: account, key: key, roles: [ActorRole.holder.rawValue], scenarios: ["*"], regions: ["*"], seq: seq)
            .with("recovery", .string(id)))
        try rememberHolderKey(key, account: account)
        put(path, proposal.with("status", "approved").with("decided_by", .string(actor)).with("decided_seq", .int(Int64(seq)))
            .with("revoked_keys", .array(revoked)))
        history(account, ["event": "key.recover.approve", "proposal": .string(id), "key": .string(key.description), "by": .string(actor),
                          "status": "approved", "revoked_keys": .array(revoked)])
    }
}
