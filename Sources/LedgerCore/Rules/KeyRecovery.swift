/// Keys that move units under rule set v2 (SPEC.md section 8.17): only an account's own holder
/// keys, and the keys of exchanges it authorised, move its units, so no single admin can give
/// such an actor a key once it has had one (or, for an account, holds units). A new one is a
/// recovery: proposed by one admin, effective only when an admin of another actor approves it;
/// the actor's old keys of that role are revoked then.
extension RuleContext {
    /// The roles whose keys move units.
    static let unitMovingRoles: [ActorRole] = [.holder, .exchange]

    /// `hkeys/ACTOR` (holder) or `xkeys/ACTOR` (exchange): every key of the role the actor has
    /// had, revoked ones included.
    static func roleKeysPath(_ role: ActorRole, _ actor: String) -> String { statePath(role == .holder ? "hkeys" : "xkeys", actor) }
    /// `held/ACCOUNT`: the units the account holds now, over all batches (v2).
    static func heldPath(_ account: String) -> String { statePath("held", account) }

    /// Adds `delta` units to what `account` holds (v2 keeps the count for the rule above).
    func countHeld(_ account: String, _ delta: Int64) throws {
        guard rules >= .v2, delta != 0 else { return }
        let held = try state.record(UnitsCountRecord.self, at: Self.heldPath(account))?.value ?? 0
        state.putRecord(Self.heldPath(account), UnitsCountRecord(held.saturatingAdding(delta)))
    }

    /// v2: refuses a `key.register` that would hand units to whoever holds the new key.
    func checkHolderRegistration(actor: String, roles: [String]) throws {
        let moving = Self.unitMovingRoles.filter { roles.contains($0.rawValue) }
        guard rules >= .v2, !moving.isEmpty else { return }
        guard !roles.contains(ActorRole.admin.rawValue) else {
            throw RuleViolation(field: "roles", rule: .keyHolderRole, message: "a key that moves units (holder, exchange) cannot also be an admin key: register them separately")
        }
        for role in moving {
            let recover = "a new \(role.rawValue) key for it takes key.recover, proposed by one admin and approved by an admin of another actor"
            if let known = try state.record(KeyListRecord.self, at: Self.roleKeysPath(role, actor)) {
                let names = known.values.joined(separator: ", ")
                throw RuleViolation(field: "key", rule: .keyHolderExists, message: "\(actor) already has \(role.rawValue) keys (\(names)); \(recover)")
            }
            let held = role == .holder ? try state.record(UnitsCountRecord.self, at: Self.heldPath(actor))?.value ?? 0 : 0
            if held > 0 {
                throw RuleViolation(field: "key", rule: .keyHolderExists, message: "account \(actor) holds \(held) units and has no holder key; \(recover)")
            }
        }
    }

    /// Records a key of each unit-moving role it has in its actor's lists (v2).
    func rememberUnitMovingKey(_ key: NoteVerifierKey, actor: String, roles: [String]) throws {
        guard rules >= .v2 else { return }
        for role in Self.unitMovingRoles where roles.contains(role.rawValue) {
            let path = Self.roleKeysPath(role, actor)
            let keys = try state.record(KeyListRecord.self, at: path)?.values ?? []
            state.putRecord(path, KeyListRecord(keys + [key.description]))
        }
    }

    /// Refuses a key that cannot be registered: registered, revoked, or colliding (SPEC.md 8.3).
    func checkUnregistered(_ key: NoteVerifierKey, field: String) throws {
        guard let existing = try keyRecord(key) else { return }
        if existing.key != key.description {
            throw RuleViolation(field: field, rule: .keyCollision, message: "another key with the name \(key.name) and key id \(hex8(key.keyHash)) is registered; choose another name")
        }
        if let revoked = existing.revokedSeq {
            throw RuleViolation(field: field, rule: .keyRevoked, message: "key \(key.name) was revoked at seq \(revoked); revoked keys cannot be registered again, generate a new key")
        }
        throw RuleViolation(field: field, rule: .keyDuplicate, message: "key \(key.name) is already registered (seq \(existing.registeredSeq))")
    }

    func keyRecover(_ f: EventFields) throws {
        try authorize(.admin, for: f.type)
        try f.require(["proposal", "account", "key", "reason"], optional: ["role"])
        let id = try f.identifier("proposal")
        let account = try f.identifier("account")
        let role = try f.optionalString("role") ?? ActorRole.holder.rawValue
        guard let moving = ActorRole(rawValue: role), Self.unitMovingRoles.contains(moving) else {
            throw f.fail("role", "must be holder or exchange: the roles whose keys move units")
        }
        let key = try f.verifierKey("key")
        let reason = try f.text("reason", max: 1024)
        let path = statePath("recovery", id)
        if let earlier = try state.record(RecoveryRecord.self, at: path) {
            throw RuleViolation(field: "proposal", rule: .recoveryDuplicate, message: "recovery proposal \(id) already exists (seq \(earlier.proposedSeq))")
        }
        // A holder key is an open account's; an exchange key is an exchange's that had one.
        if moving == .holder {
            guard try self.account(account) != nil else {
                throw RuleViolation(field: "account", rule: .accountUnknown, message: "account \(account) is not open")
            }
        } else if try state.record(KeyListRecord.self, at: Self.roleKeysPath(.exchange, account)) == nil {
            throw RuleViolation(field: "account", rule: .accountUnknown, message: "\(account) never had an exchange key: register its first one with key.register")
        }
        try checkUnregistered(key, field: "key")
        state.putRecord(path, RecoveryRecord(account: account, role: moving, key: key.description, reason: reason, proposedBy: actor, seq: seq))
        history(account, ["event": "key.recover", "proposal": .string(id), "role": .string(role), "key": .string(key.description), "by": .string(actor),
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
        guard var proposal = try state.record(RecoveryRecord.self, at: path) else {
            throw RuleViolation(field: "proposal", rule: .recoveryUnknown, message: "no recovery proposal \(id)")
        }
        guard proposal.status == .proposed else {
            throw RuleViolation(field: "proposal", rule: .recoveryState, message: "recovery proposal \(id) is already \(proposal.status.rawValue)")
        }
        let account = proposal.account
        let role = proposal.role
        proposal.decidedBy = actor
        proposal.decidedSeq = Int64(seq)
        guard decision == "approve" else {
            proposal.status = .rejected
            state.putRecord(path, proposal)
            history(account, ["event": "key.recover.approve", "proposal": .string(id), "by": .string(actor), "status": "rejected"])
            return
        }
        guard actor != proposal.proposedBy else {
            throw RuleViolation(field: "signer", rule: .recoverySameAdmin,
                                message: "recovery proposal \(id) was proposed by \(actor); an admin of another actor must approve it")
        }
        guard let key = try? NoteVerifierKey(proposal.key) else {
            throw RuleViolation(field: "proposal", rule: .recoveryState, message: "recovery proposal \(id) holds no valid key")
        }
        try checkUnregistered(key, field: "proposal")
        // The old keys of the role are presumed lost or stolen: they stop acting with this event.
        var revoked: [String] = []
        for text in try state.record(KeyListRecord.self, at: Self.roleKeysPath(role, account))?.values ?? [] {
            guard let k = try? NoteVerifierKey(text), var record = try keyRecord(k),
                  record.key == text, record.revokedSeq == nil else { continue }
            record.revokedSeq = Int64(seq)
            record.revokedByRecovery = id
            putKeyRecord(record, for: k)
            revoked.append(text)
        }
        var registered = KeyRecord(actor: account, key: key, roles: [role], scenarios: ["*"], regions: ["*"], seq: seq)
        registered.recovery = id
        putKeyRecord(registered, for: key)
        try rememberUnitMovingKey(key, actor: account, roles: [role.rawValue])
        proposal.status = .approved
        proposal.revokedKeys = revoked
        state.putRecord(path, proposal)
        history(account, ["event": "key.recover.approve", "proposal": .string(id), "key": .string(key.description), "by": .string(actor),
                          "status": "approved", "revoked_keys": .array(revoked.map(JSONValue.string))])
    }
}
