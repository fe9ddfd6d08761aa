/// A credited behaviour report (`beh/SEQ16`, SPEC.md 8.7): what it credited and why, which with
/// its act's key determines its other records' keys (`RuleContext.eligiblePath(of:seq:)`), so
/// that a reversal undoes exactly them, and what it puts in the index of behaviours (its
/// interval, its credit to a daily cap: `BehaviourIndex`); then the request that locked it, the
/// batch it was issued in and the reversal that undid it.
public struct BehaviourRecord: StateRecord, Equatable {
    public var account: String
    public var platform: String
    public var scenario: String
    public var region: String
    /// The CST day of its start (`YYYYMMDD`).
    public var day: String
    public var start: Timestamp
    public var end: Timestamp
    public var amount: Int64
    public var methodology: String
    public var version: Int64
    public var reductionMg: Int64
    public var creditedMg: Int64
    public var points: Int64
    public var qualitative: Bool
    /// Its entry's leaf hash: a lineage leaf of the request that locks it.
    public var leaf: Digest
    /// Its act's key in the index of behaviours (`act/SCENARIO/ACT`, v2), when it names one.
    public var act: String?
    /// Whether a daily cap applied to it (its credit counts toward its day's cap in the index).
    public var capped = false
    /// The issuance request that locked it, the batch it was issued in and how much of it.
    public var request: String?
    public var batch: String?
    public var issuedMg: Int64?
    public var reversedSeq: Int64?

    public init(account: String, platform: String, scenario: String, region: String, day: String, start: Timestamp, end: Timestamp, amount: Int64,
                methodology: String, version: Int64, reductionMg: Int64, creditedMg: Int64, points: Int64, qualitative: Bool, leaf: Digest) {
        self.account = account; self.platform = platform; self.scenario = scenario; self.region = region; self.day = day
        self.start = start; self.end = end; self.amount = amount; self.methodology = methodology; self.version = version
        self.reductionMg = reductionMg; self.creditedMg = creditedMg; self.points = points; self.qualitative = qualitative; self.leaf = leaf
    }

    public init?(canonical bytes: UnsafeRawBufferPointer) {
        guard var r = RecordReader(bytes) else { return nil }
        account = r.string("account")
        act = r.optionalString("act")
        amount = r.int("amount")
        batch = r.optionalString("batch")
        // Written only when true: a stored `false` is not this record's encoding.
        if let c = r.optionalBool("capped") {
            guard c else { return nil }
            capped = true
        }
        creditedMg = r.int("credited_mg")
        day = r.string("day")
        guard let end = r.time("end") else { return nil }
        self.end = end
        issuedMg = r.optionalInt("issued_mg")
        guard let leaf = r.digest("leaf") else { return nil }
        self.leaf = leaf
        methodology = r.string("methodology")
        platform = r.string("platform")
        points = r.int("points")
        qualitative = r.bool("qualitative")
        reductionMg = r.int("reduction_mg")
        region = r.string("region")
        request = r.optionalString("request")
        reversedSeq = r.optionalInt("reversed_seq")
        scenario = r.string("scenario")
        guard let start = r.time("start") else { return nil }
        self.start = start
        version = r.int("version")
        guard r.complete else { return nil }
    }

    public func encode(into o: inout CanonicalRecord) {
        o.string("account", account)
        if let act { o.string("act", act) }
        o.int("amount", amount)
        if let batch { o.string("batch", batch) }
        if capped { o.bool("capped", true) }
        o.int("credited_mg", creditedMg)
        o.string("day", day)
        o.time("end", end)
        if let issuedMg { o.int("issued_mg", issuedMg) }
        o.hex("leaf", leaf)
        o.string("methodology", methodology)
        o.string("platform", platform)
        o.int("points", points)
        o.bool("qualitative", qualitative)
        o.int("reduction_mg", reductionMg)
        o.string("region", region)
        if let request { o.string("request", request) }
        if let reversedSeq { o.int("reversed_seq", reversedSeq) }
        o.string("scenario", scenario)
        o.time("start", start)
        o.int("version", version)
    }
}
