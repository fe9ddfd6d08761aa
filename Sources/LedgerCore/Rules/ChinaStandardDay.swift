extension Timestamp {
    /// 00:00 in China (UTC+08:00) of a CST day written YYYYMMDD; nil if it is no such day.
    public init?(cstDay day: String) {
        let u = Array(day.utf8)
        guard u.count == 8, let utc = Timestamp(rfc3339: String(decoding: u[0..<4], as: UTF8.self) + "-" + String(decoding: u[4..<6], as: UTF8.self) + "-"
                                                + String(decoding: u[6..<8], as: UTF8.self) + "T00:00:00.000Z") else { return nil }
        self.init(millisecondsSinceEpoch: utc.millisecondsSinceEpoch - 8 * 3_600_000)
    }

    /// Days from 1970-01-01 to this instant's calendar day in China Standard Time (UTC+08:00).
    public var cstDayNumber: Int64 {
        let ms = millisecondsSinceEpoch + 8 * 3_600_000
        return ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
    }

    /// The calendar day in China Standard Time (UTC+08:00) as YYYYMMDD, the day daily caps and
    /// statistics use.
    public var cstDay: String {
        let s = String(cstDate)
        return s.utf8.count >= 8 ? s : String(repeating: "0", count: 8 - s.utf8.count) + s
    }

    /// `cstDay` as the number YYYYMMDD: what state keys indexed by day are compared by.
    public var cstDate: Int {
        let (y, m, d) = Timestamp.civil(fromDays: cstDayNumber)
        return Int(y * 10_000 + m * 100 + d)
    }
}
