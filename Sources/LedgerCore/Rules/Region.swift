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
