/// Whose intervals must not overlap: an account's, within a double-counting family
/// (`Scenario.family`).
public struct IntervalOwner: Hashable, Sendable {
    public var account: String
    public var family: String
    public init(account: String, family: String) { self.account = account; self.family = family }
}

/// An un-reversed behaviour's interval, in ms since the epoch, and the entry that reported it.
public struct IndexedInterval: Equatable, Sendable {
    public var start: Int64
    public var end: Int64
    public var seq: Int64
    public var platform: String
    public init(start: Int64, end: Int64, seq: Int64, platform: String) {
        self.start = start; self.end = end; self.seq = seq; self.platform = platform
    }
}

/// A daily cap's counter: an account's credits under one methodology on one CST day
/// (`Timestamp.cstDayNumber` of the behaviour's start).
public struct DailyCapKey: Hashable, Sendable {
    public var day: Int64
    public var account: String
    public var methodology: String
    public init(day: Int64, account: String, methodology: String) { self.day = day; self.account = account; self.methodology = methodology }
}

/// The un-reversed report holding a discrete act (v2, SPEC.md 8.7): its entry, its platform
/// and the CST day (`cstDayNumber`) of its start, which the act's identity names.
public struct IndexedAct: Equatable, Sendable {
    public var seq: Int64
    public var platform: String
    public var day: Int64
    public init(seq: Int64, platform: String, day: Int64) { self.seq = seq; self.platform = platform; self.day = day }
}

/// One change a behaviour's record makes to the index, and its inverse (for undo).
public enum BehaviourIndexChange: Equatable, Sendable {
    case addInterval(IntervalOwner, IndexedInterval)
    case removeInterval(IntervalOwner, IndexedInterval)
    case addToCap(DailyCapKey, Int64)
    /// An act by its key (`act/SCENARIO/ACT`, the record's `act`).
    case addAct(String, IndexedAct)
    case removeAct(String, IndexedAct)

    var inverse: BehaviourIndexChange {
        switch self {
        case .addInterval(let o, let i): return .removeInterval(o, i)
        case .removeInterval(let o, let i): return .addInterval(o, i)
        case .addToCap(let k, let d): return .addToCap(k, d.saturatingNegated)
        case .addAct(let k, let a): return .removeAct(k, a)
        case .removeAct(let k, let a): return .addAct(k, a)
        }
    }

    /// What replacing the record `old` by `new` (either nil: none) of the behaviour at `seq`
    /// changes, each given to `body`: what `old` contributed goes, what `new` contributes comes.
    /// (Called per report: no array is made.)
    static func forEach(from old: BehaviourRecord?, to new: BehaviourRecord?, seq: Int64, _ body: (BehaviourIndexChange) -> Void) {
        let after = new.map { Contribution($0, seq: seq) }
        let before = old.map { Contribution($0, seq: seq) }
        if before?.interval != after?.interval {
            if let i = before?.interval { body(.removeInterval(i.owner, i.interval)) }
            if let i = after?.interval { body(.addInterval(i.owner, i.interval)) }
        }
        if before?.cap != after?.cap {
            if let c = before?.cap { body(.addToCap(c.key, c.mg.saturatingNegated)) }
            if let c = after?.cap { body(.addToCap(c.key, c.mg)) }
        }
        if before?.act != after?.act {
            if let a = before?.act { body(.removeAct(a.key, a.act)) }
            if let a = after?.act { body(.addAct(a.key, a.act)) }
        }
    }

    /// What a behaviour's record puts in the index: its interval when its scenario has a family,
    /// its credit to its day's cap when a cap applied, its act when it names one; nothing once
    /// it is reversed.
    struct Contribution: Equatable {
        struct Interval: Equatable { var owner: IntervalOwner; var interval: IndexedInterval }
        struct Credit: Equatable { var key: DailyCapKey; var mg: Int64 }
        struct Act: Equatable { var key: String; var act: IndexedAct }
        var interval: Interval?
        var cap: Credit?
        var act: Act?

        init(_ b: BehaviourRecord, seq: Int64) {
            guard b.reversedSeq == nil else { return }
            if let family = Scenario(rawValue: b.scenario)?.family {
                interval = Interval(owner: IntervalOwner(account: b.account, family: family),
                                    interval: IndexedInterval(start: b.start.millisecondsSinceEpoch, end: b.end.millisecondsSinceEpoch, seq: seq, platform: b.platform))
            }
            if b.capped {
                cap = Credit(key: DailyCapKey(day: b.start.cstDayNumber, account: b.account, methodology: b.methodology), mg: b.creditedMg)
            }
            if let key = b.act {
                act = Act(key: key, act: IndexedAct(seq: seq, platform: b.platform, day: b.start.cstDayNumber))
            }
        }
    }
}

/// What the rules read of the index.
public protocol BehaviourIndexReading: AnyObject {
    /// Of `owner`'s intervals that start before `end`, the one that starts last. A family's
    /// intervals never overlap, so it is the only one that can overlap an interval ending at `end`.
    func latestInterval(of owner: IntervalOwner, startingBefore end: Int64) -> IndexedInterval?
    /// The mg credited under a daily cap so far (0 when none).
    func capUsed(_ key: DailyCapKey) -> Int64
    /// The un-reversed report holding the act `key` (`act/SCENARIO/ACT`), if any.
    func act(_ key: String) -> IndexedAct?
}

/// An index that takes changes: the whole index, or a layer of changes over another.
protocol BehaviourIndexWriting: BehaviourIndexReading {
    func apply(_ change: BehaviourIndexChange)
}

/// The index of the intervals and daily caps of the credited behaviours (SPEC.md section 10, "The index of
/// behaviours"): typed, in memory, and derived from the behaviours' records (`beh/`), the one
/// home of what a report credited. A report asks it whether an interval of the same account
/// and family overlaps its own (`behaviour.double_counted`) and how much its day's cap has
/// used; writing a behaviour's record (`StateOverlay.putBehaviour`) adds what the record
/// contributes, and takes it away once the record is reversed. Nothing of it is stored: a
/// writer that starts builds it from the records (`load`, in LedgerStore), the verifier as it
/// replays.
///
/// Stored as records (`iv/…`, `ivlong/…`, `cap/…`), they were two of a report's eight writes,
/// and a day-by-day search of string keys per report (Benchmarks/RESULTS.md).
///
/// The programme's report window bounds it (`age`): no report can overlap an interval that
/// ended before the first day a report may start on, nor reach an earlier day's cap, and that
/// day only moves forward; so what it lets go of could never change a rule's answer, and an
/// undo that would bring such an entry back leaves it out.
///
/// This is the whole index: the state in memory's (`ResidentState.index`), the verifier's, or
/// a fresh state's; `BehaviourIndexLayer` holds changes over one.
public final class BehaviourIndex: BehaviourIndexWriting {
    /// Each owner's intervals, by start.
    private var intervals: [IntervalOwner: [IndexedInterval]] = [:]
    /// The caps' counters by day, then account and methodology.
    private var caps: [Int64: [CapOwner: Int64]] = [:]
    private struct CapOwner: Hashable { var account: String; var methodology: String }
    /// The owners of the intervals by the CST day (`cstDayNumber`) of their last instant (an
    /// interval ending at midnight is the day before's), for `age`; kept only
    /// when the log has windows (or once aged: a state made before its log's genesis).
    private var ownersByEndDay: [Int64: [IntervalOwner]] = [:]
    /// The acts held, by key, and their keys by the CST day of their behaviour (for `age`).
    private var acts: [String: IndexedAct] = [:]
    private var actsByDay: [Int64: [String]] = [:]
    private var ages: Bool
    /// The first CST day (`cstDayNumber`) in use: intervals that ended before it began, and the
    /// caps of the days before it, are let go of.
    public private(set) var firstDay: Int64?
    /// Intervals held.
    public private(set) var intervalCount = 0

    /// `ages`: whether the log has windows, so that the index will be aged (`age`): else the
    /// days the intervals end on are not listed until a first `age`.
    public init(ages: Bool) { self.ages = ages }

    /// Cap counters held.
    public var capCount: Int { caps.values.reduce(0) { $0 + $1.count } }

    public func latestInterval(of owner: IntervalOwner, startingBefore end: Int64) -> IndexedInterval? {
        guard let list = intervals[owner] else { return nil }
        // Reports come about in time order: the last is almost always the one.
        var i = list.count - 1
        while i >= 0 && list[i].start >= end { i -= 1 }
        return i >= 0 ? list[i] : nil
    }

    public func capUsed(_ key: DailyCapKey) -> Int64 {
        caps[key.day]?[CapOwner(account: key.account, methodology: key.methodology)] ?? 0
    }

    public func act(_ key: String) -> IndexedAct? { acts[key] }

    /// Acts held.
    public var actCount: Int { acts.count }

    /// The instant the first day in use begins: an interval ending by then is let go of.
    private var cutoff: Int64? { firstDay.map(Self.dayStart) }

    /// The CST day of an interval's last instant: it is let go of once the day after begins.
    static func lastDay(_ i: IndexedInterval) -> Int64 {
        Timestamp(millisecondsSinceEpoch: max(i.start, i.end - 1)).cstDayNumber
    }

    /// 00:00 in China of a CST day number.
    public static func dayStart(_ day: Int64) -> Int64 { day * 86_400_000 - 8 * 3_600_000 }

    func apply(_ change: BehaviourIndexChange) {
        switch change {
        case .addInterval(let owner, let interval):
            if let cutoff, interval.end <= cutoff { return }
            Self.insert(interval, into: &intervals[owner, default: []])
            intervalCount += 1
            if ages { ownersByEndDay[Self.lastDay(interval), default: []].append(owner) }
        case .removeInterval(let owner, let interval):
            guard let i = intervals[owner]?.lastIndex(of: interval) else {
                // Let go of (`age`): nothing a rule can see changes.
                return
            }
            intervals[owner]?.remove(at: i)
            intervalCount -= 1
            if intervals[owner]?.isEmpty == true { intervals.removeValue(forKey: owner) }
        case .addToCap(let key, let delta):
            if let firstDay, key.day < firstDay { return }
            let owner = CapOwner(account: key.account, methodology: key.methodology)
            let used = (caps[key.day]?[owner] ?? 0).saturatingAdding(delta)
            if used == 0 {
                caps[key.day]?.removeValue(forKey: owner)
                if caps[key.day]?.isEmpty == true { caps.removeValue(forKey: key.day) }
            } else {
                caps[key.day, default: [:]][owner] = used
            }
        case .addAct(let key, let act):
            if let firstDay, act.day < firstDay { return }
            acts[key] = act
            if ages { actsByDay[act.day, default: []].append(key) }
        case .removeAct(let key, let act):
            // Absent once let go of (`age`).
            if acts[key] == act { acts.removeValue(forKey: key) }
        }
    }

    /// Makes room for what `behaviours` records contribute, before a load adds them: growing
    /// the tables rehashed every key so far.
    public func reserveCapacity(behaviours: Int) {
        // Most of a window's behaviours are an account's journeys of a few families.
        intervals.reserveCapacity(behaviours / 4)
        if ages { ownersByEndDay.reserveCapacity(64) }
    }

    /// Adds what the record of the behaviour at `seq` contributes (a load from the records).
    public func add(_ record: BehaviourRecord, seq: Int64) {
        BehaviourIndexChange.forEach(from: nil, to: record, seq: seq, apply)
    }

    /// Lets go of what no report can reach under `windows` once the log has committed entries
    /// up to `time`: every later batch's time is at least that (`Windows.firstReportDay`). What
    /// a writer and the verifier call as they go.
    public func age(under windows: Windows, committedThrough time: Timestamp) {
        age(firstDay: windows.firstReportDay(at: time))
    }

    /// Lets go of the intervals that ended before CST day `day` (`cstDayNumber`) began and of
    /// the caps of the days before it: the first day a report may start on from now on
    /// (`Windows.firstReportDay`). A day never comes back.
    public func age(firstDay day: Int64) {
        guard firstDay.map({ $0 < day }) ?? true else { return }
        if !ages {
            for (owner, list) in intervals {
                for i in list { ownersByEndDay[Self.lastDay(i), default: []].append(owner) }
            }
            for (key, act) in acts { actsByDay[act.day, default: []].append(key) }
            ages = true
        }
        firstDay = day
        let cutoff = Self.dayStart(day)
        for d in caps.keys.filter({ $0 < day }) { caps.removeValue(forKey: d) }
        // An act's identity names its day: no report of an earlier day can be made any more.
        for d in actsByDay.keys.filter({ $0 < day }) {
            for key in actsByDay.removeValue(forKey: d) ?? [] where acts[key].map({ $0.day < day }) == true { acts.removeValue(forKey: key) }
        }
        for d in ownersByEndDay.keys.filter({ $0 < day }) {
            for owner in ownersByEndDay.removeValue(forKey: d) ?? [] {
                // A family's intervals do not overlap: ordered by start, they are by end too.
                guard let gone = intervals[owner]?.prefix(while: { $0.end <= cutoff }).count, gone > 0 else { continue }
                intervals[owner]?.removeFirst(gone)
                intervalCount -= gone
                if intervals[owner]?.isEmpty == true { intervals.removeValue(forKey: owner) }
            }
        }
    }

    /// Puts `interval` in `list`, ordered by start; usually last.
    static func insert(_ interval: IndexedInterval, into list: inout [IndexedInterval]) {
        var i = list.count
        while i > 0 && list[i - 1].start > interval.start { i -= 1 }
        list.insert(interval, at: i)
    }

    /// What the index holds, whole (tests compare indexes: a writer's, a restarted writer's).
    public struct Contents: Equatable, Sendable {
        public var intervals: [IntervalOwner: [IndexedInterval]]
        public var caps: [DailyCapKey: Int64]
        public var acts: [String: IndexedAct]
        public var firstDay: Int64?
    }

    public var contents: Contents {
        var out: [DailyCapKey: Int64] = [:]
        for (day, owners) in caps { for (o, v) in owners { out[DailyCapKey(day: day, account: o.account, methodology: o.methodology)] = v } }
        return Contents(intervals: intervals, caps: out, acts: acts, firstDay: firstDay)
    }
}

/// Changes over another index, which they leave as it is: the index of a scratch overlay (a
/// check of submissions that appends nothing, a rule test's submission).
final class BehaviourIndexLayer: BehaviourIndexWriting {
    let base: BehaviourIndexReading
    /// Intervals added here, by start.
    private var added: [IntervalOwner: [IndexedInterval]] = [:]
    /// The base's intervals removed here, by start (a family's live intervals have distinct starts).
    private var removed: [IntervalOwner: Set<Int64>] = [:]
    private var capDeltas: [DailyCapKey: Int64] = [:]
    /// Acts added here, and the base's acts removed here.
    private var addedActs: [String: IndexedAct] = [:]
    private var removedActs: Set<String> = []

    init(over base: BehaviourIndexReading) { self.base = base }

    func act(_ key: String) -> IndexedAct? {
        if let a = addedActs[key] { return a }
        return removedActs.contains(key) ? nil : base.act(key)
    }

    func latestInterval(of owner: IntervalOwner, startingBefore end: Int64) -> IndexedInterval? {
        var bound = end
        var fromBase: IndexedInterval?
        while let b = base.latestInterval(of: owner, startingBefore: bound) {
            if removed[owner]?.contains(b.start) == true { bound = b.start; continue }
            fromBase = b
            break
        }
        let own = added[owner]?.last { $0.start < end }
        switch (fromBase, own) {
        case (let b?, let o?): return o.start > b.start ? o : b
        case (let b, let o): return o ?? b
        }
    }

    func capUsed(_ key: DailyCapKey) -> Int64 {
        base.capUsed(key).saturatingAdding(capDeltas[key] ?? 0)
    }

    func apply(_ change: BehaviourIndexChange) {
        switch change {
        case .addInterval(let owner, let interval):
            // The base's own interval, removed here and now put back (an undo).
            if removed[owner]?.contains(interval.start) == true,
               base.latestInterval(of: owner, startingBefore: interval.start + 1) == interval {
                removed[owner]?.remove(interval.start)
                return
            }
            BehaviourIndex.insert(interval, into: &added[owner, default: []])
        case .removeInterval(let owner, let interval):
            if let i = added[owner]?.lastIndex(of: interval) {
                added[owner]?.remove(at: i)
            } else {
                removed[owner, default: []].insert(interval.start)
            }
        case .addToCap(let key, let delta):
            capDeltas[key] = (capDeltas[key] ?? 0).saturatingAdding(delta)
        case .addAct(let key, let act):
            // The base's own act, removed here and now put back (an undo).
            if removedActs.contains(key), base.act(key) == act {
                removedActs.remove(key)
            } else {
                addedActs[key] = act
            }
        case .removeAct(let key, let act):
            if addedActs[key] == act {
                addedActs.removeValue(forKey: key)
            } else {
                removedActs.insert(key)
            }
        }
    }
}

extension Int64 {
    /// -self, and Int64.max for Int64.min.
    var saturatingNegated: Int64 { self == .min ? .max : -self }
}
