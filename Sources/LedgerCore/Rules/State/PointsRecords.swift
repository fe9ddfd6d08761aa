/// A platform's points rule for a scenario (`prule/PLATFORM/SCENARIO`, SPEC.md 8.9).
public struct PointsRuleRecord: StateRecord, Equatable {
    public var pointsPerEvent: Int64
    /// 0: no points for the reduction's size.
    public var mgPerPoint: Int64
    public var seq: Int64

    public init(pointsPerEvent: Int64, mgPerPoint: Int64, seq: UInt64) {
        self.pointsPerEvent = pointsPerEvent; self.mgPerPoint = mgPerPoint; self.seq = Int64(seq)
    }

    /// The points for a behaviour credited with `reduction` mg.
    public func points(for reduction: Int64) -> Int64 { pointsPerEvent + (mgPerPoint > 0 ? reduction / mgPerPoint : 0) }

    public init?(canonical bytes: UnsafeRawBufferPointer) {
        guard var r = RecordReader(bytes) else { return nil }
        mgPerPoint = r.int("mg_per_point")
        pointsPerEvent = r.int("points_per_event")
        seq = r.int("seq")
        guard r.complete else { return nil }
    }

    public func encode(into o: inout CanonicalRecord) {
        o.int("mg_per_point", mgPerPoint)
        o.int("points_per_event", pointsPerEvent)
        o.int("seq", seq)
    }
}

/// An account's points with one platform (`pts/ACCOUNT/PLATFORM`, SPEC.md 8.9). A counter is
/// stored from its first change on, so each may be absent.
public struct PointsRecord: StateRecord, Equatable {
    public var earned: Int64?
    public var redeemed: Int64?
    public var reversed: Int64?

    public init() {}

    public var balance: Int64 { (earned ?? 0) - (reversed ?? 0) - (redeemed ?? 0) }

    /// Adds to a counter, storing it if it was absent.
    public mutating func add(_ delta: Int64, to counter: WritableKeyPath<PointsRecord, Int64?>) {
        self[keyPath: counter] = (self[keyPath: counter] ?? 0).saturatingAdding(delta)
    }

    public init?(canonical bytes: UnsafeRawBufferPointer) {
        guard var r = RecordReader(bytes) else { return nil }
        earned = r.optionalInt("earned")
        redeemed = r.optionalInt("redeemed")
        reversed = r.optionalInt("reversed")
        guard r.complete else { return nil }
    }

    public func encode(into o: inout CanonicalRecord) {
        if let earned { o.int("earned", earned) }
        if let redeemed { o.int("redeemed", redeemed) }
        if let reversed { o.int("reversed", reversed) }
    }
}
