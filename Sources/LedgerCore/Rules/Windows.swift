/// A programme's windows (rule set v3, SPEC.md 8.1): how many CST days after a behaviour's day it
/// may still be reported, and how many it may still be reversed. They are rules of the log, so
/// the verifier applies the ones the genesis event states; and they bound what the rules must
/// remember: a source ref, an act or an interval whose day left the report window can never
/// meet a new report again.
public struct Windows: Equatable, Sendable {
    public var reportDays: Int64
    public var reversalDays: Int64

    /// What a v3 genesis without `windows` means, and what `cledger init` writes by default: a
    /// month to report (platforms settle their trips monthly) and a quarter to reverse.
    public static let standard = Windows(reportDays: 30, reversalDays: 90)
    /// Ten years: a window longer than the ledger will run is no window.
    public static let maxDays: Int64 = 3660

    public init(reportDays: Int64, reversalDays: Int64) {
        self.reportDays = reportDays
        self.reversalDays = reversalDays
    }

    /// Why these windows cannot be a programme's, or nil: a behaviour reported on the last day
    /// of its window must still be reversible, so the reversal window is at least as long.
    public var problem: String? {
        guard (1...Self.maxDays).contains(reportDays) else { return "report_days must be 1 to \(Self.maxDays), not \(reportDays)" }
        guard (reportDays...Self.maxDays).contains(reversalDays) else {
            return "reversal_days must be report_days (\(reportDays)) to \(Self.maxDays), not \(reversalDays): a behaviour reported on the last day it may be must still be reversible"
        }
        return nil
    }

    /// Whether a behaviour that starts at `start` may still be reported at `time` (SPEC.md 8.7,
    /// `behaviour.late`): its CST day is at most `reportDays` before `time`'s.
    public func allowsReport(start: Timestamp, at time: Timestamp) -> Bool {
        start.cstDayNumber >= time.cstDayNumber - reportDays
    }

    /// Whether a behaviour that starts at `start` may still be reversed at `time` (SPEC.md 8.8,
    /// `reverse.late`).
    public func allowsReversal(start: Timestamp, at time: Timestamp) -> Bool {
        time.cstDayNumber <= start.cstDayNumber + reversalDays
    }

    /// The first CST day (`Timestamp.cstDayNumber`) a report may start on at `time` or later
    /// (`allowsReport`): a batch's time is never before its log's last (`Sequencer`), so no
    /// later report can overlap an interval that ended before this day began, nor reach an
    /// earlier day's cap, and the index of behaviours lets go of them (`BehaviourIndex.age`).
    public func firstReportDay(at time: Timestamp) -> Int64 {
        time.cstDayNumber - reportDays
    }

    /// The last instant at which a behaviour of the CST day that begins at `dayStart` may be
    /// reported: the end of the day `reportDays` after it. What a query of a period's behaviours
    /// need read no further than.
    public func lastReport(ofDayStartingAt dayStart: Timestamp) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: dayStart.millisecondsSinceEpoch + (reportDays + 1) * 86_400_000 - 1)
    }

    /// The genesis member: `{"report_days":N,"reversal_days":M}`.
    public var json: JSONValue { ["report_days": .int(reportDays), "reversal_days": .int(reversalDays)] }

    /// The windows a genesis `windows` member states (absent: `standard`).
    init(genesis value: JSONValue?) throws(RuleViolation) {
        guard let value else { self = .standard; return }
        guard let o = value.objectValue, o.keys == ["report_days", "reversal_days"],
              let report = o["report_days"]?.intValue, let reversal = o["reversal_days"]?.intValue else {
            throw RuleViolation(field: "windows", rule: .genesisWindows, message: "must be {\"report_days\":N,\"reversal_days\":M} with integers N and M")
        }
        self.init(reportDays: report, reversalDays: reversal)
        if let problem { throw RuleViolation(field: "windows", rule: .genesisWindows, message: problem) }
    }

    /// The windows a stored genesis event binds its log to (nil before v3).
    public static func of(genesis event: JSONValue) -> Windows? {
        guard Reducer.ruleSet(ofGenesis: event) >= .v3 else { return nil }
        return try? Windows(genesis: event["windows"])
    }
}
