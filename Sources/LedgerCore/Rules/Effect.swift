/// What an applied event gives the read models beside the rules' own state: a line of an
/// account's history, statistics by day, region and scenario, the market's by month, the
/// ledger-wide totals, and the credited behaviours the leaderboard ranks. The
/// reducer returns them and never reads them back; `Projection` writes them. Rules decide, read
/// models report: a read model can then be written elsewhere and later (off the write path)
/// without a rule noticing.
public enum Effect: Sendable, Equatable {
    /// A line of `account`'s history at the event's `seq`: its canonical JSON bytes.
    case history(seq: UInt64, account: String, line: [UInt8])
    /// Counters of the statistics record of (`day`, `region`, `scenario`); zero deltas are no change.
    case stats(day: String, region: String, scenario: String, deltas: [Delta])
    /// Counters of the ledger-wide totals; a zero delta still names its counter.
    case totals([Delta])
    /// Counters of the transfers of a CST month (YYYYMM): all of them (`currency` nil), or
    /// those priced in `currency` (v3).
    case market(month: String, currency: String?, deltas: [Delta])
    /// The credited mg and count of `account`'s credited behaviours of (`day`, `scenario`,
    /// `platform`, `region`): a report adds, its reversal takes away (the leaderboard's source).
    case credited(day: String, account: String, scenario: String, platform: String, region: String, mg: Int64, behaviours: Int64)

    public struct Delta: Sendable, Equatable {
        public var counter: String
        public var amount: Int64
        public init(_ counter: String, _ amount: Int64) { self.counter = counter; self.amount = amount }
    }
}
