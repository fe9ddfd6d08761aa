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
