import LedgerCore

/// Times as a person writes them, in the event fields that hold times, rewritten to the
/// ledger's one spelling (SPEC.md section 1: UTC, milliseconds, `Z`) before the tools sign:
/// the signature covers the bytes, and the reducer accepts only that spelling. A programme in
/// Shenzhen writes `2026-11-21T16:00:00+08:00`; the log holds `2026-11-21T08:00:00.000Z`.
public enum EventTimes {
    /// The event members that are times (SPEC.md 8.4 and 8.7).
    public static let fields: Set<String> = ["start", "end", "valid_from", "valid_to"]

    /// `events` with every time member in one of the accepted spellings rewritten; anything
    /// else is left for the rules to refuse, naming the field.
    public static func normalised(_ events: [JSONValue]) -> [JSONValue] {
        events.map { event in
            guard var o = event.objectValue else { return event }
            for key in fields {
                guard let text = o[key]?.stringValue, Timestamp(rfc3339: text) == nil, let t = parse(text) else { continue }
                o[key] = .string(t.rfc3339)
            }
            return .object(o)
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS`, then optionally `.` and 1 to 3 digits, then `Z` or `+HH:MM` /
    /// `-HH:MM`. Finer fractions are refused rather than rounded: the ledger keeps milliseconds.
    public static func parse(_ text: String) -> Timestamp? {
        let b = Array(text.utf8)
        guard b.count >= 20, b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") else { return nil }
        var i = 19
        var fraction = [UInt8]()
        if b[i] == UInt8(ascii: ".") {
            i += 1
            while i < b.count, b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") { fraction.append(b[i]); i += 1 }
            guard (1...3).contains(fraction.count) else { return nil }
        }
        let zone = b[i...]
        var offsetMinutes: Int64 = 0
        if zone.count == 1, zone.first == UInt8(ascii: "Z") || zone.first == UInt8(ascii: "z") {
            offsetMinutes = 0
        } else if zone.count == 6, zone.first == UInt8(ascii: "+") || zone.first == UInt8(ascii: "-"), b[i + 3] == UInt8(ascii: ":") {
            let digits = [b[i + 1], b[i + 2], b[i + 4], b[i + 5]]
            guard digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
            let v = digits.map { Int64($0 - UInt8(ascii: "0")) }
            let hours = v[0] * 10 + v[1], minutes = v[2] * 10 + v[3]
            guard hours < 24, minutes < 60 else { return nil }
            offsetMinutes = (hours * 60 + minutes) * (zone.first == UInt8(ascii: "-") ? -1 : 1)
        } else {
            return nil
        }
        // The local date and time, checked by the strict parser (Feb 30, second 60, ...).
        let millis = fraction + [UInt8](repeating: UInt8(ascii: "0"), count: 3 - fraction.count)
        let local = Array(b[0..<10]) + [UInt8(ascii: "T")] + Array(b[11..<19]) + [UInt8(ascii: ".")] + millis + [UInt8(ascii: "Z")]
        guard let t = Timestamp(rfc3339: String(decoding: local, as: UTF8.self)) else { return nil }
        return Timestamp(millisecondsSinceEpoch: t.millisecondsSinceEpoch - offsetMinutes * 60_000)
    }
}

/// What signing the unsigned batch `bytes` ({"events":[...]}) with `key` for the ledger `origin`
/// submits, its times first given the ledger's spelling (`EventTimes`): `cledger sign` and
/// `submit --sign`. `file` names the input in the errors.
public func signedBatch(_ bytes: [UInt8], file: String, key: NoteSigningKey, origin: String) throws -> Submission {
    do {
        let (unsigned, value) = try Submission.decodeUnsigned(bytes)
        if value["signature"] != nil || value["signer"] != nil {
            throw CLIError("\(file): already signed; give the unsigned batch ({\"events\":[...]})")
        }
        return try Submission.Unsigned(events: EventTimes.normalised(unsigned.events)).signed(by: key, origin: origin)
    } catch let e as SubmissionError {
        throw CLIError("\(file): \(e)")
    }
}
