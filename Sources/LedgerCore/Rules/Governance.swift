/// Keys and roles: genesis admins, `key.register`, `key.revoke`, `registry.rotate` (SPEC.md
/// sections 6 and 8.3).
extension RuleContext {
    /// Registers the genesis admins.
    func applyGenesisAdmins(_ admins: [NoteVerifierKey]) {
        for k in admins {
            putKeyRecord(KeyRecord(actor: k.name, key: k, roles: [.admin], scenarios: ["*"], regions: ["*"], seq: seq), for: k)
        }
        state.putRecord("admins", AdminCountRecord(Int64(admins.count)))
    }

    func keyRegister(_ f: EventFields) throws {
        try authorize(.admin, for: f.type)
        try f.require(["key", "actor", "roles", "scenarios", "regions"])
        let key = try f.verifierKey("key")
        let actor = try f.identifier("actor")
        let known = ActorRole.of(rules)
        let roles = try f.stringList("roles", max: known.count) { role in
            ActorRole(rawValue: role).map(known.contains) == true ? nil : "\"\(role)\" is not a role of \(rules.rawValue) (\(known.map(\.rawValue).joined(separator: ", ")))"
        }
        let scenarios = try f.scenarioScope("scenarios")
        let regions = try f.regionScope("regions")
        try checkUnregistered(key, field: "key")
        try checkHolderRegistration(actor: actor, roles: roles)
        putKeyRecord(KeyRecord(actor: actor, key: key, roles: roles.compactMap(ActorRole.init(rawValue:)), scenarios: scenarios, regions: regions, seq: seq), for: key)
        if roles.contains(ActorRole.admin.rawValue) { try countAdmins(1) }
        try rememberUnitMovingKey(key, actor: actor, roles: roles)
    }

    func keyRevoke(_ f: EventFields) throws {
        try authorize(.admin, for: f.type)
        try f.require(["key", "reason"])
        let key = try f.verifierKey("key")
        _ = try f.text("reason")
        guard var record = try keyRecord(key), record.key == key.description else {
            throw RuleViolation(field: "key", rule: .keyUnknown, message: "key \(key.name) is not registered")
        }
        if let revoked = record.revokedSeq {
            throw RuleViolation(field: "key", rule: .keyRevoked, message: "key \(key.name) was already revoked at seq \(revoked)")
        }
        if record.has(.admin) {
            guard try state.record(AdminCountRecord.self, at: "admins")?.value ?? 0 > 1 else {
                throw RuleViolation(field: "key", rule: .keyLastAdmin, message: "key \(key.name) is the last active admin key; register another admin first")
            }
            try countAdmins(-1)
        }
        record.revokedSeq = Int64(seq)
        putKeyRecord(record, for: key)
    }

    /// Replaces the registry key that signs checkpoints: the ledger state's key changes with
    /// this event, so the checkpoint of this very commit and all later ones must carry a
    /// signature by the new key (the sequencer adds the old key's too).
    func registryRotate(_ f: EventFields) throws {
        try authorize(.admin, for: f.type)
        try f.require(["registry_key", "reason"])
        let key = try f.verifierKey("registry_key")
        _ = try f.text("reason", max: 1024)
        guard key != registryKey else {
            throw RuleViolation(field: "registry_key", rule: .registryRotateSame, message: "\(key.name) is already the registry key")
        }
        // The registry's operator keeps acting with the new key: it gets the outgoing key's
        // registration (actor, roles, scopes) unless it is registered already. The outgoing
        // key's own registration stays; revoke it with key.revoke if it must stop acting.
        if let old = registryKey, let record = try keyRecord(old), record.revokedSeq == nil, try keyRecord(key) == nil {
            putKeyRecord(KeyRecord(actor: record.actor, key: key, roles: record.roles, scenarios: record.scenarios, regions: record.regions, seq: seq), for: key)
            if record.has(.admin) { try countAdmins(1) }
        }
        let rotations = try state.record(RegistryRecord.self, at: "registry")?.rotations ?? 0
        state.putRecord("registry", RegistryRecord(key: key.description, previousKey: registryKey?.description ?? "", rotations: rotations + 1, sinceSeq: Int64(seq)))
        registryKey = key
    }

    /// Counts admin keys becoming active (1) or revoked (-1) in `admins`.
    func countAdmins(_ delta: Int64) throws {
        let active = try state.record(AdminCountRecord.self, at: "admins")?.value ?? 0
        state.putRecord("admins", AdminCountRecord(active + delta))
    }
}
