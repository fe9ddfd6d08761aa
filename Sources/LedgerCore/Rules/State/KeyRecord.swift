/// A registered key (`key/NAME+KEYID`, SPEC.md 8.3): whose it is, its roles and scopes, and when
/// it was registered and revoked. Read for every event, to authorise its signer.
public struct KeyRecord: StateRecord, Equatable {
    public var actor: String
    /// The key as registered, `NAME+KEYID+BASE64`.
    public var key: String
    public var roles: [ActorRole]
    /// Scenario names or `*`; region codes or `*`.
    public var scenarios: [String]
    public var regions: [String]
    public var registeredSeq: Int64
    public var revokedSeq: Int64?
    /// The key recovery that registered it, or revoked it (v2).
    public var recovery: String?
    public var revokedByRecovery: String?

    public init(actor: String, key: NoteVerifierKey, roles: [ActorRole], scenarios: [String], regions: [String], seq: UInt64) {
        self.actor = actor; self.key = key.description; self.roles = roles; self.scenarios = scenarios; self.regions = regions
        registeredSeq = Int64(seq)
    }

    public func has(_ role: ActorRole) -> Bool { roles.contains(role) }

    public func covers(scenario: String) -> Bool { scenarios.contains { $0 == "*" || $0 == scenario } }

    public func covers(region: String) -> Bool { regions.contains { Region.covers($0, region) } }

    public init?(canonical bytes: UnsafeRawBufferPointer) {
        guard var r = RecordReader(bytes) else { return nil }
        actor = r.string("actor")
        key = r.string("key")
        recovery = r.optionalString("recovery")
        regions = r.strings("regions")
        registeredSeq = r.int("registered_seq")
        revokedByRecovery = r.optionalString("revoked_by_recovery")
        revokedSeq = r.optionalInt("revoked_seq")
        var roles: [ActorRole] = []
        for text in r.strings("roles") {
            guard let role = ActorRole(rawValue: text) else { return nil }
            roles.append(role)
        }
        self.roles = roles
        scenarios = r.strings("scenarios")
        guard r.complete else { return nil }
    }

    public func encode(into o: inout CanonicalRecord) {
        o.string("actor", actor)
        o.string("key", key)
        if let recovery { o.string("recovery", recovery) }
        o.strings("regions", regions)
        o.int("registered_seq", registeredSeq)
        if let revokedByRecovery { o.string("revoked_by_recovery", revokedByRecovery) }
        if let revokedSeq { o.int("revoked_seq", revokedSeq) }
        o.strings("roles", roles.map(\.rawValue))
        o.strings("scenarios", scenarios)
    }
}
