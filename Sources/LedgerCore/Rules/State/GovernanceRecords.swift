/// The records of keys, recoveries, linked persons, compliance and event footprints (SPEC.md
/// 8.3, 8.6, 8.17, 8.20, 8.24): read by rare events, typed like the rest so that every rule
/// reads typed records.

/// `registry`: after a rotation, the registry key in effect, since when, the one before it and
/// how many rotations there were.
public struct RegistryRecord: StateRecord, Equatable {
    public var key: String
    public var previousKey: String
    public var rotations: Int64
    public var sinceSeq: Int64

    public init(key: String, previousKey: String, rotations: Int64, sinceSeq: Int64) {
        self.key = key; self.previousKey = previousKey; self.rotations = rotations; self.sinceSeq = sinceSeq
    }

    public init?(canonical bytes: UnsafeRawBufferPointer) {
        guard var r = RecordReader(bytes) else { return nil }
        key = r.string("key")
        previousKey = r.string("previous_key")
        rotations = r.int("rotations")
        sinceSeq = r.int("since_seq")
        guard r.complete else { return nil }
    }

    public func encode(into o: inout CanonicalRecord) {
        o.string("key", key)
        o.string("previous_key", previousKey)
        o.int("rotations", rotations)
        o.int("since_seq", sinceSeq)
    }
}

/// `recovery/ID` (v2): a key recovery, proposed by one admin and decided by another's.
public struct RecoveryRecord: StateRecord, Equatable {
    public enum Status: String, Sendable { case proposed, approved, rejected }

    public var account: String
    public var role: ActorRole
    public var key: String
    public var reason: String
    public var proposedBy: String
    public var proposedSeq: Int64
    public var status: Status
    public var decidedBy: String?
    public var decidedSeq: Int64?
    /// The keys of the role an approval revoked.
    public var revokedKeys: [String]?

    public init(account: String, role: ActorRole, key: String, reason: String, proposedBy: String, seq: UInt64) {
        self.account = account; self.role = role; self.key = key; self.reason = reason; self.proposedBy = proposedBy
        proposedSeq = Int64(seq); status = .proposed
    }

    public init?(canonical bytes: UnsafeRawBufferPointer) {
        guard var r = RecordReader(bytes) else { return nil }
        account = r.string("account")
        decidedBy = r.optionalString("decided_by")
        decidedSeq = r.optionalInt("decided_seq")
        key = r.string("key")
        proposedBy = r.string("proposed_by")
        proposedSeq = r.int("proposed_seq")
        reason = r.string("reason")
        revokedKeys = r.next(is: "revoked_keys") ? r.strings("revoked_keys") : nil
        guard let role = ActorRole(rawValue: r.string("role")), let status = Status(rawValue: r.string("status")) else { return nil }
        self.role = role
        self.status = status
        guard r.complete else { return nil }
    }

    public func encode(into o: inout CanonicalRecord) {
        o.string("account", account)
        if let decidedBy { o.string("decided_by", decidedBy) }
        if let decidedSeq { o.int("decided_seq", decidedSeq) }
        o.string("key", key)
        o.string("proposed_by", proposedBy)
        o.int("proposed_seq", proposedSeq)
        o.string("reason", reason)
        if let revokedKeys { o.strings("revoked_keys", revokedKeys) }
        o.string("role", role.rawValue)
        o.string("status", status.rawValue)
    }
}

/// `mid/ID`: a methodology id's scenario and kind, whatever its versions.
public struct MethodologyIDRecord: StateRecord, Equatable {
    public var kind: MethodologyRecord.Kind
    public var scenario: String
    public init(kind: MethodologyRecord.Kind, scenario: String) { self.kind = kind; self.scenario = scenario }

    public init?(canonical bytes: UnsafeRawBufferPointer) {
        guard var r = RecordReader(bytes), let kind = MethodologyRecord.Kind(rawValue: r.string("kind")) else { return nil }
        self.kind = kind
        scenario = r.string("scenario")
        guard r.complete else { return nil }
    }

    public func encode(into o: inout CanonicalRecord) {
        o.string("kind", kind.rawValue)
        o.string("scenario", scenario)
    }
}

/// `allow/SCHEME/YEAR/ACCOUNT` (v2): the authority's statement of a company's allowance and gap (t).
public struct AllowanceRecord: StateRecord, Equatable {
    public var allowanceT: Int64
    public var authority: String
    public var gapT: Int64
    public var seq: Int64
    public init(allowanceT: Int64, authority: String, gapT: Int64, seq: UInt64) {
        self.allowanceT = allowanceT; self.authority = authority; self.gapT = gapT; self.seq = Int64(seq)
    }

    public init?(canonical bytes: UnsafeRawBufferPointer) {
        guard var r = RecordReader(bytes) else { return nil }
        allowanceT = r.int("allowance_t")
        authority = r.string("authority")
        gapT = r.int("gap_t")
        seq = r.int("seq")
        guard r.complete else { return nil }
    }

    public func encode(into o: inout CanonicalRecord) {
        o.int("allowance_t", allowanceT)
        o.string("authority", authority)
        o.int("gap_t", gapT)
        o.int("seq", seq)
    }
}

/// `rref/PLATFORM/ESC(ref)` (v2): a redemption's ref and what it redeemed.
public struct RedemptionRecord: StateRecord, Equatable {
    public var account: String
    public var points: Int64
    public var reward: String
    public var seq: Int64
    public init(account: String, points: Int64, reward: String, seq: UInt64) {
        self.account = account; self.points = points; self.reward = reward; self.seq = Int64(seq)
    }

    public init?(canonical bytes: UnsafeRawBufferPointer) {
        guard var r = RecordReader(bytes) else { return nil }
        account = r.string("account")
        points = r.int("points")
        reward = r.string("reward")
        seq = r.int("seq")
        guard r.complete else { return nil }
    }

    public func encode(into o: inout CanonicalRecord) {
        o.string("account", account)
        o.int("points", points)
        o.string("reward", reward)
        o.int("seq", seq)
    }
}

/// `fp/ID` (v3): a registered event footprint and the retirements counted toward it.
public struct FootprintRecord: StateRecord, Equatable {
    public var footprint: String
    public var title: String
    public var amountKg: Int64
    public var periodFrom: String
    public var periodTo: String
    public var account: String
    public var seq: Int64
    public var retiredKg: Int64 = 0
    public var retirements: Int64 = 0

    public init(footprint: String, title: String, amountKg: Int64, periodFrom: String, periodTo: String, account: String, seq: UInt64) {
        self.footprint = footprint; self.title = title; self.amountKg = amountKg; self.periodFrom = periodFrom; self.periodTo = periodTo
        self.account = account; self.seq = Int64(seq)
    }

    public init?(canonical bytes: UnsafeRawBufferPointer) {
        guard var r = RecordReader(bytes) else { return nil }
        account = r.string("account")
        amountKg = r.int("amount_kg")
        footprint = r.string("footprint")
        periodFrom = r.string("period_from")
        periodTo = r.string("period_to")
        retiredKg = r.int("retired_kg")
        retirements = r.int("retirements")
        seq = r.int("seq")
        title = r.string("title")
        guard r.complete else { return nil }
    }

    public func encode(into o: inout CanonicalRecord) {
        o.string("account", account)
        o.int("amount_kg", amountKg)
        o.string("footprint", footprint)
        o.string("period_from", periodFrom)
        o.string("period_to", periodTo)
        o.int("retired_kg", retiredKg)
        o.int("retirements", retirements)
        o.int("seq", seq)
        o.string("title", title)
    }
}
