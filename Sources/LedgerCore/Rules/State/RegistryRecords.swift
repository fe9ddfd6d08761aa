/// The project path's records (SPEC.md 8.13-8.19): projects, issuance requests and the
/// behaviours they lock, batches, and a batch's serial ranges and holdings.

/// `proj/ID`: a registered project.
public struct ProjectRecord: StateRecord, Equatable {
    /// Who registered it (it, or an admin, acts for the project).
    public var actor: String
    public var methodologies: [String]
    public var owner: String
    /// v2: the platforms whose consented reports it aggregates (v1: every platform's).
    public var platforms: [String]?
    public var region: String
    public var registeredSeq: Int64

    public init(actor: String, methodologies: [String], owner: String, platforms: [String]?, region: String, seq: UInt64) {
        self.actor = actor; self.methodologies = methodologies; self.owner = owner; self.platforms = platforms; self.region = region
        registeredSeq = Int64(seq)
    }

    public init?(canonical bytes: UnsafeRawBufferPointer) {
        guard var r = RecordReader(bytes) else { return nil }
        actor = r.string("actor")
        methodologies = r.strings("methodologies")
        owner = r.string("owner")
        platforms = r.next(is: "platforms") ? r.strings("platforms") : nil
        region = r.string("region")
        registeredSeq = r.int("registered_seq")
        guard r.complete else { return nil }
    }

    public func encode(into o: inout CanonicalRecord) {
        o.string("actor", actor)
        o.strings("methodologies", methodologies)
        o.string("owner", owner)
        if let platforms { o.strings("platforms", platforms) }
        o.string("region", region)
        o.int("registered_seq", registeredSeq)
    }
}

/// `req/ID`: an issuance request: what it locked, and how far verification and issuance went.
public struct RequestRecord: StateRecord, Equatable {
    public enum Status: String, Sendable { case locked, approved, rejected, issued }

    public var project: String
    public var periodFrom: String
    public var periodTo: String
    public var count: Int64
    public var totalMg: Int64
    /// Hex of the lineage root: the Merkle root of the locked behaviours' leaf hashes.
    public var root: String
    public var status: Status
    public var seq: Int64
    public var approvedMg: Int64?
    public var verifier: String?
    public var reportHash: String?
    public var batch: String?

    public init(project: String, periodFrom: String, periodTo: String, count: Int64, totalMg: Int64, root: Digest, seq: UInt64) {
        self.project = project; self.periodFrom = periodFrom; self.periodTo = periodTo; self.count = count; self.totalMg = totalMg
        self.root = root.hex; status = .locked; self.seq = Int64(seq)
    }

    public init?(canonical bytes: UnsafeRawBufferPointer) {
        guard var r = RecordReader(bytes) else { return nil }
        approvedMg = r.optionalInt("approved_mg")
        batch = r.optionalString("batch")
        count = r.int("count")
        periodFrom = r.string("period_from")
        periodTo = r.string("period_to")
        project = r.string("project")
        reportHash = r.optionalString("report_hash")
        root = r.string("root")
        seq = r.int("seq")
        guard let status = Status(rawValue: r.string("status")) else { return nil }
        self.status = status
        totalMg = r.int("total_mg")
        verifier = r.optionalString("verifier")
        guard r.complete else { return nil }
    }

    public func encode(into o: inout CanonicalRecord) {
        if let approvedMg { o.int("approved_mg", approvedMg) }
        if let batch { o.string("batch", batch) }
        o.int("count", count)
        o.string("period_from", periodFrom)
        o.string("period_to", periodTo)
        o.string("project", project)
        if let reportHash { o.string("report_hash", reportHash) }
        o.string("root", root)
        o.int("seq", seq)
        o.string("status", status.rawValue)
        o.int("total_mg", totalMg)
        if let verifier { o.string("verifier", verifier) }
    }
}

/// `reqm/ID/SEQ16`: a behaviour a request locked: its account, credit and lineage leaf.
public struct RequestMemberRecord: StateRecord, Equatable {
    public var account: String
    public var creditedMg: Int64
    public var leaf: Digest

    public init(account: String, creditedMg: Int64, leaf: Digest) { self.account = account; self.creditedMg = creditedMg; self.leaf = leaf }

    public init?(canonical bytes: UnsafeRawBufferPointer) {
        guard var r = RecordReader(bytes) else { return nil }
        account = r.string("account")
        creditedMg = r.int("credited_mg")
        guard let leaf = r.digest("leaf") else { return nil }
        self.leaf = leaf
        guard r.complete else { return nil }
    }

    public func encode(into o: inout CanonicalRecord) {
        o.string("account", account)
        o.int("credited_mg", creditedMg)
        o.hex("leaf", leaf)
    }
}

/// `batch/ID`: an issued batch and where its units are.
public struct BatchRecord: StateRecord, Equatable {
    public var project: String
    public var request: String
    public var vintage: String
    public var region: String
    public var owner: String
    public var units: Int64
    public var held: Int64
    public var retired: Int64 = 0
    public var cancelled: Int64 = 0
    public var serialPrefix: String
    public var issuedSeq: Int64

    public init(project: String, request: String, vintage: String, region: String, owner: String, units: Int64, serialPrefix: String, seq: UInt64) {
        self.project = project; self.request = request; self.vintage = vintage; self.region = region; self.owner = owner
        self.units = units; held = units; self.serialPrefix = serialPrefix; issuedSeq = Int64(seq)
    }

    public init?(canonical bytes: UnsafeRawBufferPointer) {
        guard var r = RecordReader(bytes) else { return nil }
        cancelled = r.int("cancelled")
        held = r.int("held")
        issuedSeq = r.int("issued_seq")
        owner = r.string("owner")
        project = r.string("project")
        region = r.string("region")
        request = r.string("request")
        retired = r.int("retired")
        serialPrefix = r.string("serial_prefix")
        units = r.int("units")
        vintage = r.string("vintage")
        guard r.complete else { return nil }
    }

    public func encode(into o: inout CanonicalRecord) {
        o.int("cancelled", cancelled)
        o.int("held", held)
        o.int("issued_seq", issuedSeq)
        o.string("owner", owner)
        o.string("project", project)
        o.string("region", region)
        o.string("request", request)
        o.int("retired", retired)
        o.string("serial_prefix", serialPrefix)
        o.int("units", units)
        o.string("vintage", vintage)
    }
}

/// `rng/BATCH/FIRST16`: a range of a batch's serials (its first is in the key): held by an
/// account, or retired or cancelled (from an account) by a record at a seq.
public struct RangeRecord: StateRecord, Equatable {
    public enum State: Equatable, Sendable {
        case held
        case retired(retirement: String, seq: Int64)
        case cancelled(cancellation: String, seq: Int64)
    }

    public var last: Int64
    public var account: String
    public var state: State

    public init(last: Int64, account: String, state: State) { self.last = last; self.account = account; self.state = state }

    public var stateName: String {
        switch state { case .held: "held"; case .retired: "retired"; case .cancelled: "cancelled" }
    }

    public init?(canonical bytes: UnsafeRawBufferPointer) {
        guard var r = RecordReader(bytes) else { return nil }
        account = r.string("account")
        let cancellation = r.optionalString("cancellation")
        last = r.int("last")
        let retirement = r.optionalString("retirement")
        let seq = r.optionalInt("seq")
        switch (r.string("state"), cancellation, retirement, seq) {
        case ("held", nil, nil, nil): state = .held
        case ("retired", nil, let id?, let seq?): state = .retired(retirement: id, seq: seq)
        case ("cancelled", let id?, nil, let seq?): state = .cancelled(cancellation: id, seq: seq)
        default: return nil
        }
        guard r.complete else { return nil }
    }

    public func encode(into o: inout CanonicalRecord) {
        o.string("account", account)
        if case .cancelled(let id, _) = state { o.string("cancellation", id) }
        o.int("last", last)
        if case .retired(let id, _) = state { o.string("retirement", id) }
        switch state {
        case .held: break
        case .retired(_, let seq), .cancelled(_, let seq): o.int("seq", seq)
        }
        o.string("state", stateName)
    }
}

