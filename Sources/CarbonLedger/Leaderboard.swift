import Foundation
import LedgerCore
import LedgerStore

/// Accounts ranked by the reductions credited to them for behaviours of a period (CST days of
/// their start), net of reversals, as the platforms' and cities' leaderboards show them (快电,
/// 极氪). Account ids are the programme's pseudonyms; nothing else about a person is shown.
public struct Leaderboard: Sendable {
    public struct Row: Equatable, Sendable {
        /// Competition ranking: accounts with equal credit share a rank, the next rank skips.
        /// Nil for the account asked about when it has no credit in the period.
        public var rank: Int?
        public var account: String
        public var creditedMg: Int64
        public var behaviours: Int

        public init(rank: Int?, account: String, creditedMg: Int64, behaviours: Int) {
            self.rank = rank; self.account = account; self.creditedMg = creditedMg; self.behaviours = behaviours
        }
    }
    /// The first `top` rows, and the row of the account asked about (wherever it ranks).
    public var rows: [Row]
    public var account: Row?
    /// How many accounts have credit in the period under the filters.
    public var ranked: Int

    public var json: JSONValue {
        func row(_ r: Row) -> JSONValue {
            ["rank": r.rank.map { .int(Int64($0)) } ?? .null, "account": .string(r.account), "credited_mg": .int(r.creditedMg),
             "credited_kg": .string(Ledger.kilograms(r.creditedMg)), "behaviours": .int(Int64(r.behaviours))]
        }
        var o: JSONObject = ["rows": .array(rows.map(row)), "ranked": .int(Int64(ranked))]
        if let account { o["account"] = row(account) }
        return .object(o)
    }

    /// What a leaderboard counts: behaviours whose start is on a CST day from `from` to `to`
    /// (YYYYMMDD), optionally of one region (or under it), scenario and platform.
    public struct Query: Sendable {
        public var from: String
        public var to: String
        public var region: String?
        public var scenario: String?
        public var platform: String?
        public var top = 10
        public var account: String?

        public init(from: String, to: String) { self.from = from; self.to = to }

        /// The period given as a month (YYYYMM) or as first and last days (YYYYMMDD), one or
        /// the other; the names are the options' (`month`, `from`, `to`).
        public static func period(month: String?, from: String?, to: String?) throws(LeaderboardError) -> (from: String, to: String) {
            switch (month, from, to) {
            case (let m?, nil, nil):
                guard let days = Ledger.days(ofMonth: m) else { throw .badMonth(m) }
                return days
            case (nil, let f?, let t?):
                guard Timestamp(cstDay: f) != nil else { throw .badDay("from", f) }
                guard Timestamp(cstDay: t) != nil else { throw .badDay("to", t) }
                guard f <= t else { throw .emptyPeriod(f, t) }
                return (f, t)
            default:
                throw .noPeriod
            }
        }
    }
}

public enum LeaderboardError: Error, Equatable, CustomStringConvertible {
    case badDay(String, String)
    case badMonth(String)
    case emptyPeriod(String, String)
    case noPeriod

    /// The option or parameter at fault.
    public var field: String {
        switch self {
        case .badDay(let name, _): return name
        case .badMonth: return "month"
        case .emptyPeriod: return "from"
        case .noPeriod: return "month"
        }
    }

    public var description: String { message(naming: "") }

    /// The message with the options or parameters named as `prefix` + name (`--` on the CLI).
    public func message(naming prefix: String) -> String {
        switch self {
        case .badDay(let name, let v): return "\(prefix)\(name) \(v): give a CST day as YYYYMMDD (e.g. 20261121)"
        case .badMonth(let m): return "\(prefix)month \(m): give a month as YYYYMM (e.g. 202611)"
        case .emptyPeriod(let f, let t): return "\(prefix)from \(f) is after \(prefix)to \(t)"
        case .noPeriod: return "give the period as \(prefix)month YYYYMM, or as \(prefix)from YYYYMMDD and \(prefix)to YYYYMMDD"
        }
    }
}

extension Ledger {
    public func leaderboard(_ q: Leaderboard.Query) throws -> Leaderboard {
        _ = try Leaderboard.Query.period(month: nil, from: q.from, to: q.to)
        // The leaderboard's read model (`lb/DAY/ACCOUNT/SCENARIO/PLATFORM/REGION`, SPEC.md section
        // 10): each account's credited behaviours not reversed, by day first, so the period is
        // one range of keys.
        var credited: [String: (mg: Int64, n: Int)] = [:]
        try store.read { r in
            let start = Array("lb/\(q.from)/".utf8), prefix = Array("lb/".utf8)
            try start.withUnsafeBytes { from in
                try r.stateTxn.scan(r.store.state, from: from) { k, v in
                    guard k.starts(with: prefix) else { return false }
                    let parts = k[prefix.count...].split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
                    guard parts.count == 5 else { throw StoreError.corrupt("the leaderboard's record \(String(decoding: k, as: UTF8.self)) is not lb/DAY/ACCOUNT/SCENARIO/PLATFORM/REGION") }
                    let (day, account, scenario, platform, region) = (parts[0], parts[1], parts[2], parts[3], parts[4])
                    guard day <= q.to else { return false }
                    let row = try JSONParser.parseCanonical(Array(v))
                    guard let n = row["behaviours"]?.intValue, n > 0, let mg = row["credited_mg"]?.intValue else { return true }
                    if let s = q.scenario, scenario != s { return true }
                    if let p = q.platform, platform != p { return true }
                    if let r = q.region, !Region.covers(r, region) { return true }
                    let was = credited[account] ?? (0, 0)
                    credited[account] = (was.mg.saturatingAdding(mg), Int(clamping: Int64(was.n).saturatingAdding(n)))
                    return true
                }
            }
        }
        let ordered = credited.sorted { $0.value.mg != $1.value.mg ? $0.value.mg > $1.value.mg : $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        var rows: [Leaderboard.Row] = []
        var mine: Leaderboard.Row?
        for (i, e) in ordered.enumerated() {
            let rank = rows.last.flatMap { $0.creditedMg == e.value.mg ? $0.rank : nil } ?? i + 1
            let row = Leaderboard.Row(rank: rank, account: e.key, creditedMg: e.value.mg, behaviours: e.value.n)
            if e.key == q.account { mine = row }
            // Ranks are counted over every row, so keep building them past the top ones.
            rows.append(row)
        }
        if let a = q.account, mine == nil { mine = Leaderboard.Row(rank: nil, account: a, creditedMg: 0, behaviours: 0) }
        return Leaderboard(rows: Array(rows.prefix(q.top)), account: mine, ranked: rows.count)
    }

    /// The first and last CST days (YYYYMMDD) of a month given as YYYYMM; nil if no such month.
    public static func days(ofMonth month: String) -> (from: String, to: String)? {
        guard month.utf8.count == 6, Timestamp(cstDay: month + "01") != nil else { return nil }
        guard let last = ["31", "30", "29", "28"].first(where: { Timestamp(cstDay: month + $0) != nil }) else { return nil }
        return (month + "01", month + last)
    }
}
