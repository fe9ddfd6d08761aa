/// A UTC instant with millisecond precision, written as RFC 3339 `YYYY-MM-DDTHH:MM:SS.mmmZ`
/// (exactly 24 characters, so each instant has one spelling). Pure: the core never reads the
/// clock; the sequencer passes the time in.
public struct Timestamp: Comparable, Hashable, Sendable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00.000Z.
    public var millisecondsSinceEpoch: Int64

    public init(millisecondsSinceEpoch: Int64) { self.millisecondsSinceEpoch = millisecondsSinceEpoch }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.millisecondsSinceEpoch < b.millisecondsSinceEpoch }

    /// Years 0000 to 9999 only, so the text form keeps four year digits.
    public static let minimum = Timestamp(millisecondsSinceEpoch: -62_167_219_200_000)
    public static let maximum = Timestamp(millisecondsSinceEpoch: 253_402_300_799_999)

    public var description: String { rfc3339 }

    /// The RFC 3339 text.
    public var rfc3339: String {
        var out = [UInt8]()
        write(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the 24 RFC 3339 bytes.
    public func write(into out: inout [UInt8]) {
        precondition(self >= Self.minimum && self <= Self.maximum, "timestamp outside years 0000-9999")
        let ms = millisecondsSinceEpoch
        var days = ms / 86_400_000
        var rem = ms % 86_400_000
        if rem < 0 { rem += 86_400_000; days -= 1 }
        let (y, m, d) = Self.civil(fromDays: days)
        out.reserveCapacity(out.count + 24)
        // Digits straight into `out`, most significant first: no temporary array per field.
        func put(_ v: Int64, _ width: Int) {
            var divisor: Int64 = 1
            for _ in 1..<width { divisor *= 10 }
            while divisor > 0 { out.append(UInt8(ascii: "0") + UInt8(v / divisor % 10)); divisor /= 10 }
        }
        put(y, 4); out.append(UInt8(ascii: "-")); put(m, 2); out.append(UInt8(ascii: "-")); put(d, 2)
        out.append(UInt8(ascii: "T"))
        put(rem / 3_600_000, 2); out.append(UInt8(ascii: ":"))
        put(rem / 60_000 % 60, 2); out.append(UInt8(ascii: ":"))
        put(rem / 1000 % 60, 2); out.append(UInt8(ascii: "."))
        put(rem % 1000, 3); out.append(UInt8(ascii: "Z"))
    }

    /// Parses exactly `YYYY-MM-DDTHH:MM:SS.mmmZ`; nil for any other form or an impossible date.
    public init?(rfc3339 text: String) {
        let b = Array(text.utf8)
        guard b.count == 24, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"), b[19] == UInt8(ascii: "."), b[23] == UInt8(ascii: "Z")
        else { return nil }
        func num(_ from: Int, _ len: Int) -> Int64? {
            var v: Int64 = 0
            for k in from..<(from + len) {
                guard b[k] >= UInt8(ascii: "0"), b[k] <= UInt8(ascii: "9") else { return nil }
                v = v * 10 + Int64(b[k] - UInt8(ascii: "0"))
            }
            return v
        }
        guard let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2),
              let s = num(17, 2), let ms = num(20, 3) else { return nil }
        guard (1...12).contains(mo), d >= 1, d <= Self.daysIn(month: mo, year: y), h < 24, mi < 60, s < 60 else { return nil }
        let days = Self.days(fromCivil: y, mo, d)
        self.init(millisecondsSinceEpoch: ((days * 24 + h) * 60 + mi) * 60_000 + s * 1000 + ms)
    }

    static func daysIn(month m: Int64, year y: Int64) -> Int64 {
        switch m {
        case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian calendar).
    static func days(fromCivil y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
