import ArgumentParser

/// The `--where NAME=VALUE` options of a listing command, as a filter by name: each NAME one of
/// `allowed` and given once. `what` names the records in the messages (`accounts`).
public func whereFilters(_ given: [String], allowed: [String], what: String, example: String) throws -> [String: String] {
    var out: [String: String] = [:]
    for f in given {
        guard let eq = f.firstIndex(of: "="), eq != f.startIndex else { throw ValidationError("--where \(f): give NAME=VALUE, e.g. --where \(example)") }
        let name = String(f[..<eq])
        guard allowed.contains(name) else {
            throw ValidationError("--where \(f): \(what) can be filtered by \(allowed.joined(separator: ", ")), not \(name)")
        }
        guard out.updateValue(String(f[f.index(after: eq)...]), forKey: name) == nil else {
            throw ValidationError("--where \(name)=...: given twice; give each filter once")
        }
    }
    return out
}
