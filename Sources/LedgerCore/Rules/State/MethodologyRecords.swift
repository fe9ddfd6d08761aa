/// A registered methodology version (`meth/ID/VERSION16`, SPEC.md 8.4): the registration's
/// members, with the factor it computes to and the seq that registered it.
public struct MethodologyRecord: StateRecord, Equatable {
    public var id: String
    public var version: Int64
    public var title: String
    public var scenario: String
    public var region: String
    public var unit: String
    public var kind: Kind
    /// mg CO2e per unit of activity: given, or baseline − project.
    public var factorMg: Int64
    public var baselineMg: Int64?
    public var projectMg: Int64?
    public var dailyCapMg: Int64?
    public var validFrom: Timestamp
    public var validTo: Timestamp?
    public var registeredSeq: Int64

    public enum Kind: String, Sendable {
        /// Credited in mg (and issuable).
        case quantitative
        /// Counted for points only, never credited.
        case qualitative
    }

    public init(id: String, version: Int64, title: String, scenario: String, region: String, unit: String, kind: Kind, factorMg: Int64,
                validFrom: Timestamp, seq: UInt64) {
        self.id = id; self.version = version; self.title = title; self.scenario = scenario; self.region = region; self.unit = unit
        self.kind = kind; self.factorMg = factorMg; self.validFrom = validFrom; registeredSeq = Int64(seq)
    }

    public init?(canonical bytes: UnsafeRawBufferPointer) {
        guard var r = RecordReader(bytes) else { return nil }
        baselineMg = r.optionalInt("baseline_mg")
        dailyCapMg = r.optionalInt("daily_cap_mg")
        factorMg = r.int("factor_mg")
        id = r.string("id")
        guard let kind = Kind(rawValue: r.string("kind")) else { return nil }
        self.kind = kind
        projectMg = r.optionalInt("project_mg")
        region = r.string("region")
        registeredSeq = r.int("registered_seq")
        scenario = r.string("scenario")
        title = r.string("title")
        unit = r.string("unit")
        guard let from = r.time("valid_from") else { return nil }
        validFrom = from
        if r.next(is: "valid_to") {
            guard let t = r.time("valid_to") else { return nil }
            validTo = t
        }
        version = r.int("version")
        guard r.complete else { return nil }
    }

    public func encode(into o: inout CanonicalRecord) {
        if let baselineMg { o.int("baseline_mg", baselineMg) }
        if let dailyCapMg { o.int("daily_cap_mg", dailyCapMg) }
        o.int("factor_mg", factorMg)
        o.string("id", id)
        o.string("kind", kind.rawValue)
        if let projectMg { o.int("project_mg", projectMg) }
        o.string("region", region)
        o.int("registered_seq", registeredSeq)
        o.string("scenario", scenario)
        o.string("title", title)
        o.string("unit", unit)
        o.time("valid_from", validFrom)
        if let validTo { o.time("valid_to", validTo) }
        o.int("version", version)
    }
}

/// The methodology versions registered for a scenario and region (`msel/SCENARIO/REGION`),
/// with their validity as integers too: selection runs for every behaviour and should not
/// parse text.
public struct MethodologyVersions: StateRecord, Equatable {
    public struct Version: Equatable, Sendable {
        public var id: String
        public var version: Int64
        public var validFrom: Timestamp
        public var validTo: Timestamp?

        public init(id: String, version: Int64, validFrom: Timestamp, validTo: Timestamp?) {
            self.id = id; self.version = version; self.validFrom = validFrom; self.validTo = validTo
        }

        /// Whether it is valid at `time`: from its start, up to but not including its end.
        public func isValid(at time: Timestamp) -> Bool { validFrom <= time && validTo.map { time < $0 } ?? true }

        /// Whether its validity overlaps [from, to) (`to` nil: open-ended).
        public func overlaps(from: Timestamp, to: Timestamp?) -> Bool { (to.map { validFrom < $0 } ?? true) && (validTo.map { from < $0 } ?? true) }

        init?(canonical bytes: UnsafeRawBufferPointer) {
            guard var r = RecordReader(bytes) else { return nil }
            let fromMs = r.int("from_ms")
            id = r.string("id")
            let toMs = r.optionalInt("to_ms")
            guard let from = r.time("valid_from"), from.millisecondsSinceEpoch == fromMs else { return nil }
            validFrom = from
            if r.next(is: "valid_to") {
                guard let to = r.time("valid_to"), to.millisecondsSinceEpoch == toMs else { return nil }
                validTo = to
            } else if toMs != nil {
                return nil
            }
            version = r.int("version")
            guard r.complete else { return nil }
        }

        var canonical: [UInt8] {
            var o = CanonicalRecord(capacity: 128)
            o.int("from_ms", validFrom.millisecondsSinceEpoch)
            o.string("id", id)
            if let validTo { o.int("to_ms", validTo.millisecondsSinceEpoch) }
            o.time("valid_from", validFrom)
            if let validTo { o.time("valid_to", validTo) }
            o.int("version", version)
            return o.finish()
        }
    }

    public var versions: [Version]

    public init(versions: [Version] = []) { self.versions = versions }

    /// The highest version valid at `time`, if any.
    public func best(at time: Timestamp) -> Version? {
        var best: Version?
        for v in versions where v.isValid(at: time) && v.version > (best?.version ?? Int64.min) { best = v }
        return best
    }

    public init?(canonical bytes: UnsafeRawBufferPointer) {
        guard var r = RecordReader(bytes) else { return nil }
        versions = r.objects("versions", Version.init(canonical:))
        guard r.complete else { return nil }
    }

    public func encode(into o: inout CanonicalRecord) {
        o.records("versions", versions.map(\.canonical))
    }
}
