/// The small records a behaviour report keeps so that later reports and requests find it
/// (SPEC.md section 10): what its act and eligibility hold (its source reference is a
/// single-member record, `SeqRecord`; its interval and daily cap are in the index of
/// behaviours, `BehaviourIndex`, not records). The act matters only while the report window
/// is open.

/// `act/SCENARIO/ACT` (v2): the un-reversed report holding a discrete act.
public struct ActRecord: StateRecord, Equatable {
    public var platform: String
    public var seq: Int64
    public init(platform: String, seq: UInt64) { self.platform = platform; self.seq = Int64(seq) }

    public init?(canonical bytes: UnsafeRawBufferPointer) {
        guard var r = RecordReader(bytes) else { return nil }
        platform = r.string("platform")
        seq = r.int("seq")
        guard r.complete else { return nil }
    }

    public func encode(into o: inout CanonicalRecord) {
        o.string("platform", platform)
        o.int("seq", seq)
    }
}

/// `elig/METHODOLOGY/DAY/SEQ16`: a credited, unlocked, unreversed behaviour an issuance
/// request may aggregate (SPEC.md 8.13).
public struct EligibleRecord: StateRecord, Equatable {
    public var account: String
    public var creditedMg: Int64
    public var platform: String
    public var region: String
    public init(account: String, creditedMg: Int64, platform: String, region: String) {
        self.account = account; self.creditedMg = creditedMg; self.platform = platform; self.region = region
    }

    public init?(canonical bytes: UnsafeRawBufferPointer) {
        guard var r = RecordReader(bytes) else { return nil }
        account = r.string("account")
        creditedMg = r.int("credited_mg")
        platform = r.string("platform")
        region = r.string("region")
        guard r.complete else { return nil }
    }

    public func encode(into o: inout CanonicalRecord) {
        o.string("account", account)
        o.int("credited_mg", creditedMg)
        o.string("platform", platform)
        o.string("region", region)
    }
}
