/// ArgumentParser keeps the last of an option given twice, so `--dir a --dir b` would act on b
/// without a word; cledger refuses it instead (exit 64), except for the options that take
/// several values. The CLI sweep test checks this list against ArgumentParser's own view of
/// every option (`--experimental-dump-help`), so it cannot drift.
enum RepeatedOptions {
    static let repeatable: [String: Set<String>] = ["init": ["--admin"], "proof verify": ["--key"], "verify": ["--trusted"], "list": ["--where"], "retirements": ["--where"]]
    static let groups: Set<String> = ["proof", "certificate"]

    /// The message for the first option given twice in `arguments` (the command line after the
    /// program name), or nil.
    static func problem(in arguments: [String]) -> String? {
        guard let first = arguments.first else { return nil }
        let command = groups.contains(first) && arguments.count > 1 ? "\(first) \(arguments[1])" : first
        let allowed = repeatable[command] ?? []
        var seen = Set<String>()
        for token in arguments {
            if token == "--" { break }
            guard token.hasPrefix("--"), token.count > 2 else { continue }
            let name = String(token.split(separator: "=", maxSplits: 1).first ?? "")
            if !allowed.contains(name), !seen.insert(name).inserted {
                return "\(name) is given twice; give it once"
            }
        }
        return nil
    }
}
