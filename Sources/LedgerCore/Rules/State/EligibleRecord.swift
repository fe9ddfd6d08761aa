/// `elig/METHODOLOGY/DAY/SEQ16`: a credited, unlocked, unreversed behaviour an issuance
/// request may aggregate (SPEC.md 8.13). The other records a report keeps beside its own are
/// its source reference's (`SeqRecord`); its interval, daily cap and act are the index of
/// behaviours' (`BehaviourIndex`), not records.
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
