/// The serial numbers of issued units (SPEC.md 8.16): `CN-REGION-PROJECT-VINTAGE-BATCH` then
/// `-a` or `-a-b`. The one home of the grammar: the reducer builds prefixes and refuses batch ids
/// that would make a serial read two ways, certificates rebuild the prefix, lookups read serials.
public enum SerialNumber {
    /// The serial prefix of a batch.
    public static func prefix(region: String, project: String, vintage: String, batch: String) -> String {
        "CN-\(region)-\(project)-\(vintage)-\(batch)"
    }

    /// Whether a batch id ends in `-DIGITS` (or is all digits): then `PREFIX-a-b` could also be
    /// read as unit `b` of a batch whose id ends in `-a` (refused under rule set v2).
    public static func isAmbiguousBatchID(_ id: String) -> Bool {
        id.split(separator: "-", omittingEmptySubsequences: false).last.map(isNumber) ?? false
    }

    /// The ways `serial` can be read: a prefix with one unit (`-a`), and a prefix with a range
    /// (`-a-b`) when the group before the last is digits too. Numbers are 1 to 2^53-1 in SPEC's
    /// integer range; a reading that names no registered batch's prefix names nothing.
    public static func readings(_ serial: String) -> [(prefix: String, first: Int64, last: Int64)] {
        let parts = serial.split(separator: "-", omittingEmptySubsequences: false)
        func unit(_ s: Substring) -> Int64? {
            guard isNumber(s), let n = Int64(s), n <= JSONValue.maxSafeInteger else { return nil }
            return n
        }
        guard parts.count >= 2, let last = unit(parts[parts.count - 1]) else { return [] }
        var out = [(parts.dropLast(1).joined(separator: "-"), last, last)]
        if parts.count >= 3, let first = unit(parts[parts.count - 2]) { out.append((parts.dropLast(2).joined(separator: "-"), first, last)) }
        return out
    }

    /// The batch ids `prefix` could end with: every part after one of its dashes past `CN-REGION-`
    /// (project ids and batch ids both hold dashes, so the split is found by looking them up).
    public static func candidateBatchIDs(_ prefix: String) -> [String] {
        let parts = prefix.split(separator: "-", omittingEmptySubsequences: false)
        // CN, REGION, at least one part of the project, the vintage, at least one of the batch.
        guard parts.count >= 5 else { return [] }
        return (4..<parts.count).map { parts[$0...].joined(separator: "-") }
    }

    private static func isNumber(_ s: Substring) -> Bool { !s.isEmpty && s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
}
