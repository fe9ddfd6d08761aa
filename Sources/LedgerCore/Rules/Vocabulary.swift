/// Roles a registered key can hold (SPEC.md section 8.3).
public enum ActorRole: String, CaseIterable, Sendable {
    case admin, platform, verifier, issuer, holder, exchange
}

/// Account kinds (SPEC.md section 8.5).
public enum AccountKind: String, CaseIterable, Sendable {
    case person, employee, enterprise, platform, project, welfare
}

/// Low-carbon behaviour scenarios and the double-counting family each belongs to: two
/// behaviours of one account in the same family with overlapping intervals are one real-world
/// act (a metro ride and a bus ride at the same minutes are one journey), so only the first
/// report counts. Families `nil` are discrete acts that never overlap (a second-hand sale).
public enum Scenario: String, CaseIterable, Sendable {
    case metro, bus, bike, ebike, walking
    case nevTrip = "nev_trip"
    case carNoDrive = "car_no_drive"
    case evCharging = "ev_charging"
    case digitalRefuelling = "digital_refuelling"
    case eInvoice = "e_invoice"
    case noCutleryOrder = "no_cutlery_order"
    case cleanPlate = "clean_plate"
    case garbageSorting = "garbage_sorting"
    case secondHand = "second_hand"
    case householdElectricity = "household_electricity"

    /// The double-counting family (SPEC.md section 8.7).
    public var family: String? {
        switch self {
        case .metro, .bus, .bike, .ebike, .walking, .nevTrip: return "journey"
        case .carNoDrive: return "car_day"
        case .evCharging: return "charging"
        case .householdElectricity: return "electricity"
        case .digitalRefuelling, .eInvoice, .noCutleryOrder, .cleanPlate, .garbageSorting, .secondHand: return nil
        }
    }
}

/// Units a methodology counts its activity in.
public enum ActivityUnit: String, CaseIterable, Sendable {
    case m, km, pkm, trip, wh = "Wh", kwh = "kWh", day, item, checkin = "check-in", order
}

/// Administrative region codes: `CN` or a 6-digit GB/T 2260 code (`440000` Guangdong,
/// `440300` Shenzhen, `440305` Nanshan district).
public enum Region {
    public static func isValid(_ code: String) -> Bool {
        code == "CN" || (code.utf8.count == 6 && code.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 })
    }

    /// The codes that contain `code`, most specific first: 440305, 440300, 440000, CN.
    public static func containing(_ code: String) -> [String] {
        var out: [String] = []
        _ = firstContaining(code) { out.append($0); return false }
        return out
    }

    /// True if `scope` (a region code or `*`) covers `code`.
    public static func covers(_ scope: String, _ code: String) -> Bool {
        scope == "*" || firstContaining(code) { $0 == scope } != nil
    }

    /// The first of the codes containing `code` (most specific first) that `matches`: the one
    /// definition of the hierarchy, building no list (scopes are checked per behaviour report;
    /// the codes are small strings, which allocate nothing).
    static func firstContaining(_ code: String, where matches: (String) -> Bool) -> String? {
        if matches(code) { return code }
        guard code != "CN" else { return nil }
        let digits = code.utf8
        let city = String(decoding: digits.prefix(4), as: UTF8.self) + "00"
        if city != code && matches(city) { return city }
        let province = String(decoding: digits.prefix(2), as: UTF8.self) + "0000"
        if province != city && province != code && matches(province) { return province }
        return matches("CN") ? "CN" : nil
    }
}

/// Identifiers used in events (accounts, actors, methodologies, rules): 1-64 of a-z 0-9 . _ -
/// and :, starting with a letter or digit. Runs of 11 or more digits are refused: they look
/// like phone or ID-card numbers, and the log must never hold personal data.
public enum Identifier {
    public static func problem(_ s: String) -> String? {
        let b = Array(s.utf8)
        guard (1...64).contains(b.count) else { return "must be 1 to 64 characters" }
        func ok(_ c: UInt8) -> Bool {
            (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2E || c == 0x5F || c == 0x2D || c == 0x3A
        }
        guard b.allSatisfy(ok), b[0] != 0x2E, b[0] != 0x5F, b[0] != 0x2D, b[0] != 0x3A else {
            return "must use only a-z 0-9 . _ - : and start with a letter or digit"
        }
        var run = 0
        for c in b {
            run = (c >= 0x30 && c <= 0x39) ? run + 1 : 0
            if run >= 11 { return "has a run of 11 or more digits, which looks like a phone or ID number; use a pseudonymous id" }
        }
        return nil
    }
}

extension Timestamp {
    /// Days from 1970-01-01 to this instant's calendar day in China Standard Time (UTC+08:00).
    public var cstDayNumber: Int64 {
        let ms = millisecondsSinceEpoch + 8 * 3_600_000
        return ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
    }

    /// The calendar day in China Standard Time (UTC+08:00) as YYYYMMDD, the day daily caps and
    /// statistics use.
    public var cstDay: String {
        let (y, m, d) = Timestamp.civil(fromDays: cstDayNumber)
        let v = y * 10_000 + m * 100 + d
        let s = String(v)
        return s.utf8.count >= 8 ? s : String(repeating: "0", count: 8 - s.utf8.count) + s
    }
}

/// A state key: `parts` joined by `/`, built in one allocation. The rules build about twenty
/// keys per behaviour report; string interpolation, which grows its buffer as it appends, took
/// 200-260 ns a key against 115-155 ns for this (`swiftc -O`, keys like `cap/p-1f3a/sz-metro/20261121`).
func statePath(_ parts: String...) -> String {
    var count = parts.count - 1
    for p in parts { count += p.utf8.count }
    return String(unsafeUninitializedCapacity: count) { buffer in
        var i = 0
        for (k, p) in parts.enumerated() {
            if k > 0 { buffer[i] = UInt8(ascii: "/"); i += 1 }
            let copied: Void? = p.utf8.withContiguousStorageIfAvailable { src in
                UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[i..<(i + src.count)])
                    .copyMemory(from: UnsafeRawBufferPointer(src))
                i += src.count
            }
            if copied == nil { for b in p.utf8 { buffer[i] = b; i += 1 } }
        }
        return i
    }
}

/// Fixed-width decimal for state keys, so byte order equals numeric order.
@inlinable
func pad16(_ v: Int64) -> String {
    // Hot (several state keys per event): write the digits once, no intermediate strings.
    if v < 0 {  // never in v1 keys (every padded number is validated >= 0); kept total anyway
        let s = String(v)
        return String(repeating: "0", count: max(0, 16 - s.utf8.count)) + s
    }
    let width = max(16, v == 0 ? 1 : Int(log10Floor(v)) + 1)
    return String(unsafeUninitializedCapacity: width) { buffer in
        var x = v
        for k in stride(from: width - 1, through: 0, by: -1) {
            buffer[k] = UInt8(ascii: "0") + UInt8(x % 10)
            x /= 10
        }
        return width
    }
}

/// floor(log10(v)) for v > 0.
@usableFromInline func log10Floor(_ v: Int64) -> Int64 {
    var n: Int64 = 0, x = v
    while x >= 10 { x /= 10; n += 1 }
    return n
}

/// Text as one state-key segment: printable ASCII without `/`. Bytes outside `!`..`~`, and `/`
/// and `%` themselves, become `%XX` (uppercase hex); everything else stays as it is, so the
/// encoding is one-to-one and keeps the text's byte order apart from escaped bytes.
///
/// Why not a hash: the duplicate index (`src/`) is written once per behaviour report. Under
/// SHA-256 keys every report landed on a random page of a large B-tree, and every commit
/// rewrote thousands of pages. Platforms' references mostly grow with time (trip and order
/// numbers, dates), so their own text keeps the index's writes together: a million demo-city
/// reports wrote 5,258 bytes per event to the device instead of 9,251, at 39,355 events/s
/// instead of 26,132 (`stress-append --workload behaviour --batches 1000 --residents 200000`).
///
/// This is Foundation's `addingPercentEncoding(withAllowedCharacters:)` with `!`..`~` minus `/`
/// and `%` allowed (same output for every test string), written out because it runs once per
/// behaviour report and Foundation's took 1.5 µs against 0.36 µs here (300,000 demo references,
/// `swiftc -O`), about 5% of the rules thread.
func keySegment(_ text: String) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(text.utf8.count)
    let hex = Array("0123456789ABCDEF".utf8)
    for b in text.utf8 {
        if b > 0x20 && b < 0x7F && b != UInt8(ascii: "/") && b != UInt8(ascii: "%") {
            out.append(b)
        } else {
            out += [UInt8(ascii: "%"), hex[Int(b >> 4)], hex[Int(b & 0x0F)]]
        }
    }
    return String(decoding: out, as: UTF8.self)
}
