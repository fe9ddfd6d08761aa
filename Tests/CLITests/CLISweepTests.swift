import Foundation
import LedgerCore
import Testing
import TestSupport

/// Every option of every subcommand, as `cledger --experimental-dump-help` lists them (a new
/// option is swept without touching this file), given boundary and hostile values: nothing
/// traps. Each run exits 0, or non-zero with a message on standard error; usage errors exit 64
/// (EX_USAGE, ArgumentParser's code: 2 is taken by FORK DETECTED and a failed verification).
@Suite struct CLISweepTests {
    static let values = ["", "-1", "0", "1", "9007199254740992", "9223372036854775808", "18446744073709551616", "-9223372036854775809",
                         "nan", "inf", "-inf", "1e308", "4e-324", "0x10", "abc", "/proc/absent/x", "relative/x", String(repeating: "9", count: 5000),
                         "r-00001", "region,region", "day,month", "2026-02-30T25:61:00Z"]

    struct Argument { let name: String; let kind: String; let optional: Bool; let repeating: Bool }

    /// Subcommands (their paths) and arguments, from ArgumentParser's own description of the tool.
    static func commands() throws -> [(path: [String], arguments: [Argument])] {
        let dump = try CLI.run(["--experimental-dump-help"])
        let doc = try JSONParser.parse(Array(dump.stdout.utf8))
        var out: [([String], [Argument])] = []
        func walk(_ c: JSONValue, _ path: [String]) {
            let args = (c["arguments"]?.arrayValue ?? []).compactMap { a -> Argument? in
                guard let kind = a["kind"]?.stringValue else { return nil }
                let name = a["names"]?.arrayValue?.first?["name"]?.stringValue ?? a["valueName"]?.stringValue ?? ""
                return Argument(name: name, kind: kind, optional: a["isOptional"]?.boolValue ?? false, repeating: a["isRepeating"]?.boolValue ?? false)
            }
            let subs = c["subcommands"]?.arrayValue ?? []
            if subs.isEmpty, path.last != "help" { out.append((path, args)) }
            for s in subs { walk(s, path + [s["commandName"]?.stringValue ?? ""]) }
        }
        walk(doc["command"] ?? .null, [])
        return out
    }

    @Test func everyOptionOfEveryCommandRefusesBadValuesWithoutATrap() throws {
        let d = TempDir()
        let city = d.sub("city")
        #expect(try CLI.run(["demo", "--dir", city, "--residents", "20", "--days", "1"]).status == 0)
        let key = d.sub("city/registry.key")
        let before = try CLI.run(["info", "--dir", city, "--json"]).stdout
        // A valid value for each required argument, so that the one under test is what is tried.
        // `serve` and `mirror` get a directory or a server that fails after their options are
        // validated, so no run starts serving or following.
        func valid(_ path: [String], _ name: String, case n: Int) -> String {
            switch (path.first ?? "", name) {
            case ("serve", "dir"): return d.sub("absent")
            case ("mirror", "from"): return "http://127.0.0.1:1/"
            case ("mirror", "dir"), ("init", "dir"), ("demo", "dir"): return d.sub("new-\(n)")
            case ("proof", "from"), (_, "seq"), ("demo", "days"): return "1"
            case ("demo", "residents"): return "2"
            case (_, "dir"): return city
            case (_, "key"): return key
            case (_, "origin"): return "sweep.example/log"
            case (_, "as-of"): return "2026-01-01T00:00:00Z"
            case (_, "out"): return d.sub("out-\(n)")
            case (_, "id"), (_, "retirement"): return "r-00001"
            case (_, "name"), (_, "reason"): return "sweep"
            default: return d.sub("absent-file")
            }
        }
        var runs = 0, refused = 0
        for (path, arguments) in try Self.commands() {
            for target in arguments where target.kind != "flag" && target.name != "h" {
                for value in Self.values {
                    runs += 1
                    var args = path
                    // Small demo cities: the defaults take minutes in a debug build.
                    let given: Set<String> = path == ["demo"] ? ["residents", "days"] : []
                    for a in arguments where a.kind != "flag" && (!a.optional || a.name == target.name || given.contains(a.name)) {
                        let v = a.name == target.name ? value : valid(path, a.name, case: runs)
                        if a.kind == "positional" { args.append(v) } else { args += ["--\(a.name)", v] }
                    }
                    // Its own working directory: what one run creates (a relative --dir) no other sees.
                    let cwd = d.sub("cwd-\(runs)")
                    try FileManager.default.createDirectory(atPath: cwd, withIntermediateDirectories: true)
                    let r = try CLI.run(args, cwd: cwd)
                    let shown = "\(path.joined(separator: " ")) --\(target.name) \(value.prefix(30)): exit \(r.status)"
                    #expect(!r.signalled, "\(shown) by a signal: \(r.stderr.suffix(500))")
                    #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Illegal instruction"), "\(shown): \(r.stderr.suffix(500))")
                    if r.status != 0 {
                        refused += 1
                        #expect(!r.stderr.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(shown) without a message")
                    }
                }
            }
        }
        print("CLI sweep: \(runs) runs, \(refused) refused with a message, no trap")
        #expect(runs > 500 && refused > 0)
        #expect(try CLI.run(["info", "--dir", city, "--json"]).stdout == before, "the city's log is unchanged")
    }

    /// An option given twice is refused (ArgumentParser would keep the last silently), except
    /// those ArgumentParser itself says take several values.
    @Test func anOptionGivenTwiceIsRefusedUnlessItRepeats() throws {
        var checked = 0
        for (path, arguments) in try Self.commands() {
            for a in arguments where a.kind == "option" || (a.kind == "flag" && a.name != "h") {
                let once = a.kind == "option" ? ["--\(a.name)", "x"] : ["--\(a.name)"]
                let r = try CLI.run(path + once + once)
                let refused = r.status == 64 && r.stderr.contains("--\(a.name) is given twice")
                #expect(refused == !a.repeating, "\(path.joined(separator: " ")) --\(a.name) twice: \(r.status) \(r.stderr.prefix(300))")
                checked += 1
            }
        }
        #expect(checked > 40)
    }

    @Test func conflictingAndOutOfRangeOptionsAreRefused() throws {
        let d = TempDir()
        let city = d.sub("city")
        #expect(try CLI.run(["demo", "--dir", city, "--residents", "20", "--days", "1"]).status == 0)
        for args in [["stats", "--dir", city, "--by", "region,region"], ["stats", "--dir", city, "--by", "day,month"],
                     ["stats", "--dir", city, "--by", "region", "--by", "scenario"],
                     ["proof", "consistency", "--dir", city, "--from", "5", "--to", "3"], ["proof", "inclusion", "--dir", city, "--seq", "5", "--size", "3"],
                     ["account", "--dir", city, "r-00001", "--history", "-5"], ["verify", "--dir", city, "--threads", "0"],
                     ["serve", "--dir", city, "--port", "70000"], ["serve", "--dir", city, "--idle-timeout", "0"], ["serve", "--dir", city, "--rate", "1e300"],
                     ["serve", "--dir", city, "--max-connections", "100000000"], ["serve", "--dir", city, "--checkpoint-entries", "0"],
                     ["serve", "--dir", city, "--checkpoint-seconds", "0"], ["serve", "--dir", city, "--checkpoint-seconds", "nan"],
                     ["mirror", "--from", "http://127.0.0.1:1/", "--dir", d.sub("m"), "--follow", "--interval", "-1"],
                     ["mirror", "--from", "http://127.0.0.1:1/", "--dir", d.sub("m"), "--follow", "--interval", "1e308"], ["demo", "--dir", city, "--residents", "0"]] {
            let r = try CLI.run(args, cwd: d.path)
            #expect(!r.signalled && r.status != 0 && !r.stderr.isEmpty, "\(args.dropFirst(3).joined(separator: " ")): \(r.status) \(r.stderr)")
        }
    }
}
