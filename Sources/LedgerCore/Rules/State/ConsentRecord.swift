/// A live consent (`consent/ACCOUNT/PLATFORM`, SPEC.md 8.6): the scenarios the account lets the
/// platform report and whether its reductions may be aggregated into issuance requests.
public struct ConsentRecord: StateRecord, Equatable {
    public var aggregate: Bool
    public var grantedSeq: Int64
    /// Scenario names or `*`.
    public var scenarios: [String]

    public init(scenarios: [String], aggregate: Bool, seq: UInt64) {
        self.scenarios = scenarios; self.aggregate = aggregate; grantedSeq = Int64(seq)
    }

    public func covers(scenario: String) -> Bool { scenarios.contains { $0 == "*" || $0 == scenario } }

    public init?(canonical bytes: UnsafeRawBufferPointer) {
        guard var r = RecordReader(bytes) else { return nil }
        aggregate = r.bool("aggregate")
        grantedSeq = r.int("granted_seq")
        scenarios = r.strings("scenarios")
        guard r.complete else { return nil }
    }

    public func encode(into o: inout CanonicalRecord) {
        o.bool("aggregate", aggregate)
        o.int("granted_seq", grantedSeq)
        o.strings("scenarios", scenarios)
    }
}
