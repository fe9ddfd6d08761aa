import Foundation
import Testing
import LedgerCore
import LedgerStore
import CarbonLedger
import TestSupport

@Suite struct CommandTests {
    /// keygen, init, submit, info, checkpoint, proof inclusion/consistency/verify and verify, as
    /// the README shows them.
    @Test func fullFlow() throws {
        let d = TempDir()
        let keygen = try CLI.run(["keygen", "--name", "test-registry", "--out", d.sub("reg.key")])
        #expect(keygen.status == 0)
        let vkey = keygen.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try NoteVerifierKey(vkey)
        let attrs = try FileManager.default.attributesOfItem(atPath: d.sub("reg.key"))
        #expect((attrs[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try CLI.run(["keygen", "--name", "x", "--out", d.sub("reg.key")]).status != 0)  // never overwrites a key

        #expect(try CLI.run(["init", "--dir", d.sub("L"), "--origin", "carbonledger.test/cli", "--key", d.sub("reg.key")]).status == 0)
        let b1 = d.write("b1.json", #"{"events":[{"type":"note","text":"first"},{"type":"note","text":"second","ref":"r-3000"}]}"#)
        let b2 = d.write("b2.json", #"{"events":[{"type":"note","text":"third"}]}"#)
        let submit = try CLI.run(["submit", "--dir", d.sub("L"), "--sign", d.sub("reg.key"), b1, b2])
        #expect(submit.status == 0, "\(submit.stderr)")
        #expect(submit.stdout.contains("b1.json: seq 1-2 (2 events)") && submit.stdout.contains("b2.json: seq 3 (1 event)"))

        let info = try CLI.run(["info", "--dir", d.sub("L"), "--json"])
        let infoJSON = try JSONParser.parse(Array(info.stdout.utf8))
        #expect(infoJSON["size"] == 4 && infoJSON["origin"] == "carbonledger.test/cli" && infoJSON["registry_key"] == .string(vkey))

        let cp = try CLI.run(["checkpoint", "--dir", d.sub("L")])
        #expect(try Checkpoint.open(cp.stdout, key: NoteVerifierKey(vkey)).size == 4)

        let proof = try CLI.run(["proof", "inclusion", "--dir", d.sub("L"), "--seq", "2"])
        #expect(proof.status == 0)
        let proofFile = d.write("p.json", proof.stdout)
        let ok = try CLI.run(["proof", "verify", proofFile, "--key", vkey])
        #expect(ok.status == 0 && ok.stdout.contains("inclusion proof valid: entry 2"))
        let vkeyFile = d.write("reg.vkey", vkey + "\n")
        #expect(try CLI.run(["proof", "verify", proofFile, "--key", vkeyFile]).status == 0)
        let forged = d.write("forged.json", proof.stdout.replacingOccurrences(of: "r-3000", with: "r-30000"))
        let bad = try CLI.run(["proof", "verify", forged, "--key", vkey])
        #expect(bad.status != 0 && bad.stderr.contains("INVALID"))
        let otherKey = try NoteSigningKey.generate(name: "test-registry").verifierKey.description
        #expect(try CLI.run(["proof", "verify", proofFile, "--key", otherKey]).status != 0)

        let cons = try CLI.run(["proof", "consistency", "--dir", d.sub("L"), "--from", "1"])
        let consFile = d.write("c.json", cons.stdout)
        let consOK = try CLI.run(["proof", "verify", consFile, "--key", vkey])
        #expect(consOK.status == 0 && consOK.stdout.contains("tree size 1 is a prefix of tree size 4"))

        let verify = try CLI.run(["verify", "--dir", d.sub("L")])
        #expect(verify.status == 0 && verify.stdout.contains("OK: 4 entries, 3 submissions"))

        // An auditor names the key it trusts: the log must be signed under it.
        #expect(try CLI.run(["verify", "--dir", d.sub("L"), "--key", vkeyFile]).status == 0)
        let stranger = try CLI.run(["verify", "--dir", d.sub("L"), "--key", otherKey])
        #expect(stranger.status == 1 && stranger.stderr.contains("not signed under the key you trust"), "\(stranger.stderr)")
        // A bare checkpoint verifies offline, under its key and origin only.
        let cpFile = d.write("cp.txt", cp.stdout)
        let cpOK = try CLI.run(["checkpoint", "verify", cpFile, "--key", vkey, "--origin", "carbonledger.test/cli"])
        #expect(cpOK.status == 0 && cpOK.stdout.contains("checkpoint valid: carbonledger.test/cli tree size 4"), "\(cpOK.stderr)")
        #expect(try CLI.run(["checkpoint", "show", "--dir", d.sub("L")]).stdout == cp.stdout)
        for (file, key, origin) in [(cpFile, otherKey, "carbonledger.test/cli"), (cpFile, vkey, "carbonledger.test/other"),
                                    (d.write("cp-bad.txt", cp.stdout.replacingOccurrences(of: "\n4\n", with: "\n5\n")), vkey, "carbonledger.test/cli")] {
            let r = try CLI.run(["checkpoint", "verify", file, "--key", key, "--origin", origin])
            #expect(r.status == 1 && r.stderr.contains("INVALID"), "\(r.stderr)")
        }
    }

    /// Bad input: a clear error naming the file, field and reason, a non-zero exit, and nothing
    /// appended, even when other files of the same call were fine.
    @Test func badInputChangesNothing() throws {
        let d = TempDir()
        try CLI.run(["keygen", "--name", "reg", "--out", d.sub("reg.key")])
        try CLI.run(["init", "--dir", d.sub("L"), "--origin", "o.test/x", "--key", d.sub("reg.key")])
        let good = d.write("good.json", #"{"events":[{"type":"note","text":"ok"}]}"#)
        let cases: [(String, String, [String])] = [
            ("notjson.json", #"{"events":[{"type":"a"},]}"#, ["notjson.json", "offset 24"]),
            ("float.json", #"{"events":[{"type":"a","kg":0.5}]}"#, ["float.json", "not an integer"]),
            ("dupkey.json", #"{"events":[{"type":"a","type":"b"}]}"#, ["dupkey.json", "duplicate object key \"type\""]),
            ("badtype.json", #"{"events":[{"type":"note","text":"x"},{"type":"B B"}]}"#, ["badtype.json", "event 1", "field \"type\"", "event.type"]),
            ("notext.json", #"{"events":[{"type":"note"}]}"#, ["notext.json", "event 0", "field \"text\"", "note.fields"]),
            ("empty.json", #"{"events":[]}"#, ["empty.json", "1 to 10000 events"]),
            ("extra.json", #"{"events":[{"type":"note","text":"x"}],"note":1}"#, ["extra.json", "\"note\"", "unknown field"]),
        ]
        for (name, text, fragments) in cases {
            let file = d.write(name, text)
            let r = try CLI.run(["submit", "--dir", d.sub("L"), "--sign", d.sub("reg.key"), good, file])
            #expect(r.status != 0, "\(name) accepted")
            for f in fragments { #expect(r.stderr.contains(f), "\(name): stderr lacks \"\(f)\": \(r.stderr)") }
        }
        let unsigned = try CLI.run(["submit", "--dir", d.sub("L"), good])
        #expect(unsigned.status != 0 && unsigned.stderr.contains("\"signer\""))
        let info = try CLI.run(["info", "--dir", d.sub("L"), "--json"])
        #expect(try JSONParser.parse(Array(info.stdout.utf8))["size"] == 1)
        #expect(try CLI.run(["verify", "--dir", d.sub("L")]).status == 0)
        // A signature by another ledger's statement (wrong origin) is refused.
        let other = try NoteSigningKey.generate(name: "p")
        let sub = try Submission.Unsigned(events: [["type": "note", "text": "x"]]).signed(by: other, origin: "another.test/ledger")
        let f = d.write("wrongorigin.json", String(decoding: CanonicalJSON.encode(sub.json), as: UTF8.self))
        let r = try CLI.run(["submit", "--dir", d.sub("L"), f])
        #expect(r.status != 0 && r.stderr.contains("submission.signature"))
        #expect(try CLI.run(["submit", "--dir", d.sub("missing"), good]).stderr.contains("not an initialised CarbonLedger directory"))
    }

    /// The programme's windows are stated at init, shown by info, and checked before anything is
    /// created.
    @Test func initStatesTheProgrammesWindows() throws {
        let d = TempDir()
        try CLI.run(["keygen", "--name", "reg", "--out", d.sub("reg.key")])
        let made = try CLI.run(["init", "--dir", d.sub("L"), "--origin", "o.test/w", "--key", d.sub("reg.key"), "--report-days", "7", "--reversal-days", "14"])
        #expect(made.status == 0 && made.stdout.contains("rules: carbonledger/v3\nwindows: report 7 days, reverse 14 days"), "\(made.stdout)\(made.stderr)")
        let info = try JSONParser.parse(Array(try CLI.run(["info", "--dir", d.sub("L"), "--json"]).stdout.utf8))
        #expect(info["windows"] == ["report_days": 7, "reversal_days": 14] && info["rules"] == "carbonledger/v3")
        #expect(try CLI.run(["info", "--dir", d.sub("L")]).stdout.contains("windows: report 7 days, reverse 14 days"))
        try CLI.run(["init", "--dir", d.sub("D"), "--origin", "o.test/w", "--key", d.sub("reg.key")])
        #expect(try Ledger(directory: d.sub("D")).info().windows == .standard)
        for (args, message) in [(["--report-days", "30", "--reversal-days", "10"], "reversal_days must be report_days (30) to 3660"),
                                (["--report-days", "0"], "report_days must be 1 to 3660"),
                                (["--rules", "carbonledger/v2", "--report-days", "7"], "need carbonledger/v3 or later")] {
            let r = try CLI.run(["init", "--dir", d.sub("bad"), "--origin", "o.test/w", "--key", d.sub("reg.key")] + args)
            #expect(r.status != 0 && r.stderr.contains(message), "\(args): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: d.sub("bad")), "\(args): a refused init made its directory")
        }
    }

    /// The scale benchmark grows one city's ledger a million events at a time: a second run
    /// keeps the setup and reports the days after the first run's.
    @Test func behaviourWorkloadContinuesALedger() throws {
        let d = TempDir()
        try CLI.run(["keygen", "--name", "reg", "--out", d.sub("reg.key")])
        try CLI.run(["init", "--dir", d.sub("L"), "--origin", "o.test/city", "--key", d.sub("reg.key"), "--report-days", "366", "--reversal-days", "366"])
        let args = ["stress-append", "--dir", d.sub("L"), "--workload", "behaviour", "--residents", "300", "--batches", "3", "--report"]
        let first = try CLI.tool(args)
        #expect(first.status == 0 && first.stdout.contains("of days 0-"), "\(first.stderr)\(first.stdout)")
        let size = try Ledger(directory: d.sub("L")).info().size
        let second = try CLI.tool(args + ["--first-day", "30"])
        #expect(second.status == 0 && second.stdout.contains("of days 30-"), "\(second.stderr)")
        let appended = Int(second.stdout.split(separator: " ")[1]) ?? 0
        let sizeAfter = try Ledger(directory: d.sub("L")).info().size
        #expect(appended > 0 && sizeAfter == size + UInt64(appended), "the setup was appended again")
        #expect(try CLI.run(["verify", "--dir", d.sub("L")]).status == 0)
        let past = try CLI.tool(args + ["--first-day", "366"])
        #expect(past.status == 1 && past.stderr.contains("past the simulated year"), "\(past.stderr)")
        // A year of reports needs a window of a year: the default one would refuse most of it.
        try CLI.run(["init", "--dir", d.sub("W"), "--origin", "o.test/city", "--key", d.sub("reg.key")])
        let windowed = try CLI.tool(["stress-append", "--dir", d.sub("W")] + args.dropFirst(3))
        #expect(windowed.status == 1 && windowed.stderr.contains("only 30 days after its day: create the ledger with `cledger init --report-days 366 --reversal-days 366`"),
                "\(windowed.stderr)")
        #expect(try Ledger(directory: d.sub("W")).info().size == 1, "a refused run appended")
        // On the simulated clock each day is reported on its day: the default windows take it.
        let simulated = try CLI.tool(["stress-append", "--dir", d.sub("W"), "--workload", "behaviour", "--residents", "300", "--batches", "6", "--report",
                                      "--simulated-clock", "--sample-days", "1"])
        #expect(simulated.status == 0 && simulated.stdout.contains("day 0: ") && simulated.stdout.contains(" acts in memory, anonymous RSS ")
                && simulated.stdout.contains("in 6 submissions on the simulated clock"), "\(simulated.stdout)\(simulated.stderr)")
        #expect(try Ledger(directory: d.sub("W")).info().size > 6 && CLI.run(["verify", "--dir", d.sub("W")]).status == 0)
        let notes = try CLI.tool(["stress-append", "--dir", d.sub("W"), "--batches", "1", "--simulated-clock"])
        #expect(notes.status != 0 && notes.stderr.contains("--simulated-clock needs --workload behaviour"), "\(notes.stderr)")
    }

    /// `--export-only` writes the city's setup and behaviour submissions for the HTTP load test
    /// (`Benchmarks/load.sh --workload behaviour`) and appends nothing; appended in the files'
    /// order, every one is accepted and the reports are all there.
    @Test func anExportOnlyRunWritesSubmissionsThatAppendInOrder() throws {
        let d = TempDir()
        try CLI.run(["keygen", "--name", "reg", "--out", d.sub("reg.key")])
        try CLI.run(["init", "--dir", d.sub("L"), "--origin", "o.test/city", "--key", d.sub("reg.key"), "--report-days", "366", "--reversal-days", "366"])
        let r = try CLI.tool(["stress-append", "--dir", d.sub("L"), "--workload", "behaviour", "--residents", "300", "--batches", "4", "--report",
                              "--export", d.sub("work.jsonl"), "--export-setup", d.sub("setup.jsonl"), "--export-only"])
        #expect(r.status == 0 && r.stdout.hasPrefix("wrote ") && r.stdout.contains(" in 4 submissions to "), "\(r.stdout)\(r.stderr)")
        #expect(try Ledger(directory: d.sub("L")).info().size == 1, "an export-only run appended")
        func lines(_ name: String) throws -> [Submission] {
            try String(contentsOfFile: d.sub(name), encoding: .utf8).split(separator: "\n").map { try Submission.decode(Array($0.utf8)) }
        }
        let setup = try lines("setup.jsonl"), work = try lines("work.jsonl")
        #expect(setup.count > 1 && work.count == 4)
        let ledger = try Ledger(directory: d.sub("L"))
        let writer = try ledger.sequencer()
        try writer.appendAccepted(setup)
        let receipts = try writer.appendAccepted(work)
        let reports = work.reduce(0) { $0 + $1.events.count }
        #expect(receipts.reduce(0) { $0 + $1.count } == reports && reports > 100)
        #expect(try ledger.info().size == 1 + UInt64(setup.reduce(0) { $0 + $1.events.count } + reports))
        // Without a file to write, or for the note workload, it is refused.
        let noFile = try CLI.tool(["stress-append", "--dir", d.sub("L"), "--workload", "behaviour", "--batches", "1", "--report", "--export-only"])
        #expect(noFile.status != 0 && noFile.stderr.contains("--export-only needs --export"), "\(noFile.stderr)")
        let notes = try CLI.tool(["stress-append", "--dir", d.sub("L"), "--batches", "1", "--export-setup", d.sub("s.jsonl")])
        #expect(notes.status != 0 && notes.stderr.contains("need --workload behaviour"), "\(notes.stderr)")
    }

    /// `restart-time` times what a server does before it serves, and appends nothing.
    @Test func restartTimeTimesTheStepsBeforeServing() throws {
        let d = TempDir()
        try CLI.run(["keygen", "--name", "reg", "--out", d.sub("reg.key")])
        try CLI.run(["init", "--dir", d.sub("L"), "--origin", "o.test/city", "--key", d.sub("reg.key"), "--report-days", "366", "--reversal-days", "366"])
        #expect(try CLI.tool(["stress-append", "--dir", d.sub("L"), "--workload", "behaviour", "--residents", "300", "--batches", "3", "--report"]).status == 0)
        let size = try Ledger(directory: d.sub("L")).info().size
        let r = try CLI.tool(["restart-time", "--dir", d.sub("L")])
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(r.status == 0 && lines.count == 3, "\(r.stdout)\(r.stderr)")
        #expect(lines.first.map { $0.hasPrefix("opened in ") && $0.hasSuffix(" s") } == true, "\(lines)")
        #expect(lines.dropFirst().first.map { $0.hasPrefix("rule state: ") && $0.contains(" acts for \(size) entries loaded in ") } == true, "\(lines)")
        // The stress run's clean stop wrote the rules checkpoint up to its last commit.
        // Its key filter from the checkpoint's hashes of the duplicate and act keys, one per report.
        #expect(lines.dropFirst().first?.contains("from the rules checkpoint after \(size) entries and 0 entries of the log after it, key filter from ") == true, "\(lines)")
        #expect(lines.dropFirst().first?.hasSuffix(" stored key hashes; 0 entries written to the state environment") == true, "\(lines)")
        #expect(lines.last?.hasPrefix("ready to serve after ") == true, "\(lines)")
        #expect(try Ledger(directory: d.sub("L")).info().size == size)
        #expect(try CLI.tool(["restart-time", "--dir", d.sub("none")]).status != 0)
        // `verify` compares the checkpoint the clean stops wrote with its replay.
        let verify = try CLI.run(["verify", "--dir", d.sub("L")])
        #expect(verify.status == 0 && verify.stdout.contains(" records of the state after \(size) entries equal to the replay"), "\(verify.stdout)")
    }

    /// `verify --audit-state`: the first run replays everything into the directory, the next
    /// only what was appended since; a directory that is not an audit state exits 2, unchanged.
    @Test func verifyWithAnAuditStateReplaysOnlyWhatWasAppendedSince() throws {
        let d = TempDir()
        try CLI.run(["keygen", "--name", "reg", "--out", d.sub("reg.key")])
        try CLI.run(["init", "--dir", d.sub("L"), "--origin", "o.test/city", "--key", d.sub("reg.key"), "--report-days", "366", "--reversal-days", "366"])
        let args = ["stress-append", "--dir", d.sub("L"), "--workload", "behaviour", "--residents", "300", "--batches", "3", "--report"]
        #expect(try CLI.tool(args).status == 0)
        let size = try Ledger(directory: d.sub("L")).info().size
        let first = try CLI.run(["verify", "--dir", d.sub("L"), "--audit-state", d.sub("audit")])
        #expect(first.status == 0 && first.stdout.hasPrefix("OK: \(size) entries, ") && first.stdout.contains("audit state: \(d.sub("audit")) holds the replay of these \(size) entries"),
                "\(first.stdout)\(first.stderr)")
        #expect(try CLI.tool(args + ["--first-day", "30"]).status == 0)
        let grown = try Ledger(directory: d.sub("L")).info().size
        let second = try CLI.run(["verify", "--dir", d.sub("L"), "--audit-state", d.sub("audit")])
        #expect(second.status == 0 && second.stdout.hasPrefix("OK: \(grown) entries (\(grown - size) replayed from seq \(size), over the audit state)"),
                "\(second.stdout)\(second.stderr)")
        let help = try CLI.run(["verify", "--help"])
        let helpText = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(helpText.contains("--audit-state <dir>") && helpText.contains("2 the --audit-state directory cannot be used"), "\(help.stdout)")

        let before = try FileManager.default.contentsOfDirectory(atPath: d.sub("L")).sorted()
        let wrong = try CLI.run(["verify", "--dir", d.sub("L"), "--audit-state", d.sub("L")])
        #expect(wrong.status == 2 && wrong.stderr.contains("is not an audit state") && wrong.stdout.isEmpty, "\(wrong.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: d.sub("L")).sorted() == before)
    }

    @Test func verifyNamesTheFirstBadSeq() throws {
        let d = TempDir()
        try CLI.run(["keygen", "--name", "reg", "--out", d.sub("reg.key")])
        try CLI.run(["init", "--dir", d.sub("L"), "--origin", "o.test/x", "--key", d.sub("reg.key")])
        for i in 0..<3 {
            let f = d.write("b\(i).json", #"{"events":[{"type":"note","text":"a\#(i)"},{"type":"note","text":"b\#(i)"}]}"#)
            #expect(try CLI.run(["submit", "--dir", d.sub("L"), "--sign", d.sub("reg.key"), f]).status == 0)
        }
        do {
            let store = try LogStore(path: d.sub("L"))
            try store.env.write { txn in
                let key = withUnsafeBytes(of: UInt64(4).bigEndian) { Array($0) }
                var bytes = try key.withUnsafeBytes { try txn.get(store.entries, key: $0).map { Array($0) } }!
                let i = bytes.firstIndex(of: UInt8(ascii: "1"))!  // in the event text "a1"
                bytes[i] = UInt8(ascii: "7")
                try key.withUnsafeBytes { k in try bytes.withUnsafeBytes { try txn.put(store.entries, key: k, value: $0) } }
            }
        }
        let r = try CLI.run(["verify", "--dir", d.sub("L")])
        #expect(r.status == 1)
        #expect(r.stderr.contains("FAIL at seq 4:"), "\(r.stderr)")
    }

    /// The user commands `cledger --help` lists, in order; the developer tools are not among them.
    static let userCommands = ["keygen", "init", "sign", "submit", "info", "checkpoint", "proof", "verify", "account", "holdings", "list", "replay", "stats", "leaderboard", "market", "footprint", "pledges",
                               "retirements", "certificate", "lineage", "serve", "mirror", "rotate-key", "upgrade", "export", "demo"]
    static let toolCommands = ["stress-append", "bench-proofs", "restart-time", "rules-json"]

    /// `cledger-tools rules-json`, the state floor's source: every rule record as canonical JSON
    /// (the behaviours' and the other records only the rules keep included) and the read models,
    /// in a new environment; an existing --out or a ledger without a checkpoint is refused.
    @Test func rulesJSONWritesTheRuleStateAsJSON() throws {
        let d = TempDir()
        let keys = d.sub("reg.key"), dir = d.sub("L"), out = d.sub("json")
        #expect(try CLI.run(["keygen", "--name", "reg", "--out", keys]).status == 0)
        #expect(try CLI.run(["init", "--dir", dir, "--origin", "rules.json/test", "--key", keys, "--report-days", "366", "--reversal-days", "366"]).status == 0)
        try FileManager.default.removeItem(atPath: dir + "/" + RuleCheckpoints.directory)
        let refused = try CLI.tool(["rules-json", "--dir", dir, "--out", out])
        #expect(refused.status != 0 && refused.stderr.contains("no rules checkpoint") && !FileManager.default.fileExists(atPath: out), "\(refused.stderr)")
        #expect(try CLI.tool(["stress-append", "--dir", dir, "--workload", "behaviour", "--batches", "3", "--residents", "200", "--report"]).status == 0)
        let r = try CLI.tool(["rules-json", "--dir", dir, "--out", out])
        #expect(r.status == 0 && r.stdout.contains("rule records"), "\(r.stderr)")
        var prefixes: [String: Int] = [:]
        let env = try LMDBEnvironment(path: out, options: LMDBOptions())
        let state = try env.openDatabase("state")
        try env.read { txn in
            try txn.scan(state, from: nil) { k, v in
                let key = String(decoding: k, as: UTF8.self)
                prefixes[String(key.prefix { $0 != "/" }), default: 0] += 1
                #expect((try? JSONParser.parseCanonical(Array(v))) != nil, "\(key) is not canonical JSON")
                return true
            }
        }
        for p in ["beh", "src", "elig", "acct", "hist", "lb", "stat"] { #expect(prefixes[p, default: 0] > 0, "\(p): \(prefixes)") }
        #expect(try CLI.tool(["rules-json", "--dir", dir, "--out", out]).status != 0, "an existing --out is written over")
    }

    @Test func cledgerListsOnlyUserCommandsAndTheToolsTheirOwn() throws {
        func listed(_ help: String) -> [String] {
            let section = help.components(separatedBy: "SUBCOMMANDS:\n").last ?? ""
            // Command lines: two spaces, then a lower-case name (not "  See 'cledger help ...'").
            return section.split(separator: "\n").filter { $0.hasPrefix("  ") && $0.dropFirst(2).first?.isLowercase == true }
                .compactMap { $0.split(separator: " ").first.map(String.init) }
        }
        let user = try CLI.run(["--help"])
        #expect(user.status == 0 && listed(user.stdout) == Self.userCommands, "\(listed(user.stdout))")
        let tools = try CLI.tool(["--help"])
        #expect(tools.status == 0 && listed(tools.stdout) == Self.toolCommands, "\(listed(tools.stdout))")
        for t in Self.toolCommands {
            let r = try CLI.run([t, "--dir", "L"])
            #expect(r.status == 64, "cledger \(t): \(r.status) \(r.stderr)")
        }
    }

    /// A usage error found while a subcommand runs points to that subcommand's help, not the
    /// root's, with ArgumentParser's status for usage errors.
    @Test func aUsageErrorPointsToItsSubcommandsHelp() throws {
        let d = TempDir()
        try CLI.run(["keygen", "--name", "reg", "--out", d.sub("reg.key")])
        try CLI.run(["init", "--dir", d.sub("L"), "--origin", "o.test/usage", "--key", d.sub("reg.key")])
        let proof = d.write("p.json", try CLI.run(["proof", "inclusion", "--dir", d.sub("L"), "--seq", "0"]).stdout)
        for (args, help) in [(["stats", "--dir", d.sub("L"), "--by", "account"], "cledger stats --help"),
                             (["proof", "verify", proof, "--key", "not-a-key"], "cledger proof verify --help")] {
            let r = try CLI.run(args)
            #expect(r.status == 64 && r.stderr.hasPrefix("Error: ") && r.stderr.contains("See '\(help)' for more information."), "\(args): \(r.stderr)")
            #expect(!r.stderr.contains("See 'cledger --help'"), "\(args): \(r.stderr)")
        }
    }

    @Test(arguments: [["keygen"], ["init"], ["sign"], ["submit"], ["info"], ["checkpoint"], ["checkpoint", "show"], ["checkpoint", "verify"], ["proof"], ["proof", "inclusion"],
                      ["proof", "consistency"], ["proof", "verify"], ["verify"], ["account"], ["holdings"], ["list"], ["replay"], ["stats"], ["leaderboard"], ["market"], ["footprint"], ["pledges"], ["demo"], ["retirements"], ["certificate", "export"],
                      ["certificate", "verify"], ["certificate", "render"], ["lineage"], ["lineage", "show"], ["lineage", "verify"], ["serve"], ["mirror"], ["rotate-key"], ["upgrade"], ["export"], ["export", "tiles"],
                      ["stress-append"], ["bench-proofs"], ["restart-time"]])
    func everyCommandExplainsEveryOption(command: [String]) throws {
        let r = try CLI.run(command + ["--help"], executable: Self.toolCommands.contains(command[0]) ? CLI.tools : CLI.binary)
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n")
        // Every option line ("  --name <name>   text") carries help text on the same or next line.
        for (i, line) in lines.enumerated() where line.trimmingCharacters(in: .whitespaces).hasPrefix("--") && !line.contains("--help") {
            // Words after the option's own tokens (--name, <value>, -n,) are its help text.
            let words = line.split(separator: " ").drop { $0.hasPrefix("-") || $0.hasPrefix("<") }
            let parts = words.isEmpty ? [""] : ["option", words.joined(separator: " ")]
            let next = i + 1 < lines.count ? lines[i + 1].trimmingCharacters(in: .whitespaces) : ""
            #expect(parts.count >= 2 || (!next.isEmpty && !next.hasPrefix("-")), "\(command): option without help: \(line)")
        }
    }
}

/// A directory written in another layout is refused when opened, naming both formats and the
/// way to a current copy, and is left as it was.
@Suite struct FormatTests {
    @Test func aDirectoryOfAnotherFormatIsRefusedUnchanged() throws {
        let d = TempDir()
        let key = try NoteSigningKey.generate(name: "reg")
        let ledger = try Ledger.create(directory: d.sub("L"), origin: "format.test/log", key: key)
        #expect(try ledger.store.read { try $0.metaString(.format) } == LogStore.format)
        try ledger.store.write { try $0.putMeta(.format, Array("carbonledger-lmdb/1".utf8)) }
        let before = try Data(contentsOf: URL(fileURLWithPath: d.sub("L") + "/data.mdb"))
        for (args, executable) in [(["info", "--dir", d.sub("L")], CLI.binary), (["verify", "--dir", d.sub("L")], CLI.binary),
                                   (["stress-append", "--dir", d.sub("L"), "--batches", "1"], CLI.tools)] {
            let r = try CLI.run(args, executable: executable)
            #expect(r.status != 0, "\(args[0]) accepted a directory of format 1")
            #expect(r.stderr.contains("format carbonledger-lmdb/1") && r.stderr.contains(LogStore.format) && r.stderr.contains("cledger mirror"),
                    "\(args[0]): \(r.stderr)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: d.sub("L") + "/data.mdb")) == before)
    }

    /// Format 3 keyed intervals, caps and history by account first; its log is format 4's. A reader
    /// refuses it saying how to upgrade, and changes nothing; the next writer takes it over and
    /// rebuilds the state from the log, after which it verifies and answers as before. A state
    /// left in format 3 under a format 4 log (a crash during the takeover) is refused by readers.
    @Test func aFormat3DirectoryIsTakenOverByTheNextWriter() throws {
        let d = TempDir()
        let dir = d.sub("city")
        let demo = try CLI.run(["demo", "--dir", dir, "--residents", "20", "--days", "2"])
        #expect(demo.status == 0, "\(demo.stderr)")
        let account = try CLI.run(["account", "r-00001", "--json", "--dir", dir])
        #expect(account.status == 0 && account.stdout.contains("behaviour.report"), "\(account.stdout)\(account.stderr)")

        // Format 3's layout: history, intervals and caps keyed by account first, no state format.
        func moveToFormat3(_ store: LogStore) throws {
            try store.stateEnv.write { txn in
                var moved: [([UInt8], [UInt8], [UInt8])] = []
                try txn.scan(store.state, from: nil) { k, v in
                    let parts = String(decoding: k, as: UTF8.self).split(separator: "/", omittingEmptySubsequences: false)
                    if parts[0] == "hist" || parts[0] == "iv" || parts[0] == "cap" {
                        let rest = Array(parts.dropFirst(2))
                        let old = ([parts[0]] + (parts[0] == "cap" ? rest + [parts[1]] : rest)).joined(separator: "/")
                        moved.append((Array(k), Array(old.utf8), Array(v)))
                    }
                    return true
                }
                #expect(moved.count > 20)
                for (new, old, value) in moved {
                    _ = try new.withUnsafeBytes { try txn.delete(store.state, key: $0) }
                    try old.withUnsafeBytes { k in try value.withUnsafeBytes { try txn.put(store.state, key: k, value: $0) } }
                }
                _ = try Array(StateMetaKey.format.rawValue.utf8).withUnsafeBytes { try txn.delete(store.stateMeta, key: $0) }
            }
        }
        do {
            let ledger = try Ledger(directory: dir)
            try moveToFormat3(ledger.store)
            try ledger.store.write { try $0.putMeta(.format, Array("carbonledger-lmdb/3".utf8)) }
        }
        let logBefore = try Data(contentsOf: URL(fileURLWithPath: dir + "/data.mdb"))
        let stateBefore = try Data(contentsOf: URL(fileURLWithPath: dir + "/state/data.mdb"))
        for args in [["account", "r-00001", "--dir", dir], ["verify", "--dir", dir]] {
            let r = try CLI.run(args)
            #expect(r.status != 0 && r.stderr.contains("format carbonledger-lmdb/3") && r.stderr.contains("cledger upgrade --dir"),
                    "\(args[0]): \(r.stderr)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/data.mdb")) == logBefore)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/state/data.mdb")) == stateBefore)

        // `upgrade`: the format recorded, the state rebuilt in the current layout.
        let upgrade = try CLI.run(["upgrade", "--dir", dir])
        #expect(upgrade.status == 0 && upgrade.stdout.contains("format: carbonledger-lmdb/3 -> \(LogStore.format)")
                && upgrade.stdout.contains("state: rebuilt from the log"), "\(upgrade.stdout)\(upgrade.stderr)")
        do {
            let ledger = try Ledger(directory: dir)
            #expect(try ledger.store.read { try $0.metaString(.format) } == LogStore.format)
            #expect(try ledger.store.read { try $0.stateMeta(.format) } == Array(LogStore.stateFormat.utf8))
            #expect(ledger.store.tookOverFormat == nil && !ledger.openingEmptiedState)
        }
        let twice = try CLI.run(["upgrade", "--dir", dir])
        #expect(twice.status == 0 && twice.stdout.contains("(unchanged)") && twice.stdout.contains("state: already current"), "\(twice.stdout)")
        let verify = try CLI.run(["verify", "--dir", dir])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let again = try CLI.run(["account", "r-00001", "--json", "--dir", dir])
        #expect(again.stdout == account.stdout, "\(again.stdout)\(again.stderr)")

        // A takeover interrupted after its log commit: readers refuse the old state.
        do {
            let ledger = try Ledger(directory: dir)
            try moveToFormat3(ledger.store)
        }
        let stale = try CLI.run(["account", "r-00001", "--dir", dir])
        #expect(stale.status != 0 && stale.stderr.contains("state (projections) is in format 3") && stale.stderr.contains("cledger upgrade --dir"),
                "\(stale.stderr)")
    }

    /// The text account view adds up (available = credited - reversed - donated - locked -
    /// issued), shows the units held, and pages back through the history.
    @Test func theAccountViewAddsUpAndPagesBack() throws {
        let d = TempDir()
        #expect(try CLI.run(["demo", "--dir", d.sub("city"), "--residents", "20", "--days", "1"]).status == 0)
        let text = try CLI.run(["account", "--dir", d.sub("city"), "r-00001", "--history", "2"]).stdout
        func mg(_ label: String) -> Int64? {
            text.split(separator: "\n").first { $0.hasPrefix(label) }.flatMap { line in
                line.dropFirst(label.count).split(separator: " ").first { Int64($0) != nil }.flatMap { Int64($0) }
            }
        }
        let parts = try ["credited:", "reversed:", "donated:", "locked:", "issued:", "available:"].map { try #require(mg($0), "\($0) in \(text)") }
        #expect(parts[0] - parts[1] - parts[2] - parts[3] - parts[4] == parts[5] && parts[4] > 0, "\(text)")
        let header = try #require(text.split(separator: "\n").first { $0.hasPrefix("history") }.map(String.init))
        let before = try #require(header.split(separator: " ").last.flatMap { UInt64($0.dropLast(2)) }, "\(header)")
        #expect(header == "history (the newest 2 lines; older: --history-before \(before)):")
        let shown = text.split(separator: "\n").filter { $0.hasPrefix("  seq ") }
        #expect(shown.count == 2 && shown[0].hasPrefix("  seq \(before) "), "\(text)")
        let older = try CLI.run(["account", "--dir", d.sub("city"), "r-00001", "--history-before", String(before)]).stdout
        let olderSeqs = older.split(separator: "\n").filter { $0.hasPrefix("  seq ") }.compactMap { UInt64($0.split(separator: " ")[1]) }
        #expect(!olderSeqs.isEmpty && olderSeqs.allSatisfy { $0 < before } && older.contains("\nhistory:\n"), "\(older)")
        let project = try CLI.run(["account", "--dir", d.sub("city"), "prj-szmetro"]).stdout
        #expect(project.contains("units held: ") && project.contains(" of batch ") && project.contains("(1 unit = 1 kg CO2e)"), "\(project)")
        let api = try JSONParser.parse(Array(try CLI.run(["account", "--dir", d.sub("city"), "r-00001", "--history", "2", "--json"]).stdout.utf8))
        #expect(api["history_more"] == true && api["history_before"] == .int(Int64(before)))
        #expect(try CLI.run(["account", "--dir", d.sub("city"), "r-00001", "--history", "-1"]).status == 64)
    }

    /// What an auditor may be handed: the log's data file alone. `verify` checks all of it and
    /// says no projections were there to compare; a query refuses it saying how to rebuild the
    /// state; the next writer rebuilds it, and then the projections compare again.
    @Test func aCopyOfTheLogAloneVerifiesAndAWriterRebuildsItsState() throws {
        let d = TempDir()
        let demo = try CLI.run(["demo", "--dir", d.sub("city"), "--residents", "20", "--days", "1"])
        #expect(demo.status == 0, "\(demo.stderr)")
        try FileManager.default.createDirectory(atPath: d.sub("copy"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: d.sub("city") + "/data.mdb", toPath: d.sub("copy") + "/data.mdb")
        let verify = try CLI.run(["verify", "--dir", d.sub("copy")])
        #expect(verify.status == 0 && verify.stdout.contains("0 projections equal to a replay")
                && verify.stdout.contains("the directory holds no state"), "\(verify.stdout)\(verify.stderr)")
        #expect(!FileManager.default.fileExists(atPath: d.sub("copy") + "/" + LogStore.stateDirectory), "verify changed the copy")
        let query = try CLI.run(["stats", "--dir", d.sub("copy"), "--by", "scenario"])
        #expect(query.status != 0 && query.stderr.contains("rebuild it from the log"), "\(query.stderr)")
        try FileManager.default.copyItem(atPath: d.sub("city") + "/registry.key", toPath: d.sub("copy") + "/registry.key")
        let note = d.write("note.json", #"{"events":[{"type":"note","text":"after the copy"}]}"#)
        #expect(try CLI.run(["submit", "--dir", d.sub("copy"), "--sign", d.sub("copy") + "/registry.key", note]).status == 0)
        let again = try CLI.run(["verify", "--dir", d.sub("copy")])
        #expect(again.status == 0 && !again.stdout.contains("note:") && !again.stdout.contains(" 0 projections"), "\(again.stdout)\(again.stderr)")
    }

    /// The README's backup: `mdb_copy DIR COPY` (installed by scripts/setup.sh) while a writer
    /// appends gives a log that verifies in full and holds every entry acknowledged before the
    /// copy began.
    @Test func mdbCopyOfALedgerBeingWrittenVerifies() throws {
        let d = TempDir()
        #expect(try CLI.run(["keygen", "--name", "backup-registry", "--out", d.sub("reg.key")]).status == 0)
        #expect(try CLI.run(["init", "--dir", d.sub("L"), "--origin", "carbonledger.test/backup", "--key", d.sub("reg.key")]).status == 0)
        let (writer, collected) = try CLI.startStressAppend(dir: d.sub("L"), clients: 2)
        defer { if writer.isRunning { kill(writer.processIdentifier, SIGKILL); writer.waitUntilExit() } }
        func acks() -> [CrashTests.Ack] { collected.lines.compactMap(CrashTests.parseAck) }
        #expect(collected.wait(forLines: 3), "the writer ended before its third acknowledgement")
        let ackedBeforeCopy = try #require(acks().map(\.last).max(), "the writer acknowledged nothing")
        try FileManager.default.createDirectory(atPath: d.sub("copy"), withIntermediateDirectories: true)
        let copy = try CLI.run(["mdb_copy", d.sub("L"), d.sub("copy")], executable: "/usr/bin/env")
        #expect(copy.status == 0, "mdb_copy (Debian package lmdb-utils, installed by scripts/setup.sh): \(copy.stderr)")
        #expect(writer.isRunning, "the writer stopped before the copy ended: the copy was not made under load")
        kill(writer.processIdentifier, SIGKILL)
        writer.waitUntilExit()
        let verify = try CLI.run(["verify", "--dir", d.sub("copy")])
        #expect(verify.status == 0 && verify.stdout.contains("the directory holds no state"), "\(verify.stdout)\(verify.stderr)")
        // `OK: N entries, ...` (the copy holds no state, which `info` would ask to rebuild first).
        let entries = try #require(verify.stdout.split(separator: "\n").first { $0.hasPrefix("OK: ") }?.split(separator: " ").dropFirst().first.flatMap { UInt64($0) },
                                   "\(verify.stdout)")
        #expect(entries > ackedBeforeCopy, "the copy holds \(entries) entries; entry \(ackedBeforeCopy) was acknowledged before it began")
    }
}

/// Two processes on one ledger: a long-lived one whose map is small and a CLI writer that grows
/// the map. The long-lived process adopts the grown map instead of failing (MDB_MAP_RESIZED).
@Suite struct MultiProcessTests {
    @Test func longLivedProcessAdoptsAMapGrownByAnotherWriter() throws {
        let d = TempDir()
        let key = try NoteSigningKey.generate(name: "reg")
        var options = LMDBOptions()
        options.mapSize = 256 << 10
        let ledger = try Ledger.create(directory: d.sub("L"), origin: "multi.test/log", key: key, options: options)
        let before = ledger.store.env.mapSize
        // This sequencer caches its state; the other process's appends must invalidate it.
        let seq = try ledger.sequencer()
        let first = try Submission.Unsigned(events: [["type": "note", "text": "before growth"]]).signed(by: key, origin: "multi.test/log")
        #expect(try seq.append([first], now: .now())[0].get().firstSeq == 1)
        let r = try CLI.tool(["stress-append", "--dir", d.sub("L"), "--batches", "10", "--events-per-batch", "1000", "--report"])
        #expect(r.status == 0, "\(r.stderr)")
        // The timed span ends with the state on disk, and says how long that took.
        #expect(r.stdout.contains(" s of it flushing the state at the end)"), "\(r.stdout)")
        // The binary runs on jemalloc (linked in place of glibc's malloc), not just links it;
        // sanitizer builds (`--disable-default-traits`) run on the C library's allocator.
        #if Jemalloc
        #expect(r.stdout.contains("allocator jemalloc 5."), "\(r.stdout)")
        #else
        #expect(r.stdout.contains("allocator not jemalloc"), "\(r.stdout)")
        #endif
        // The report counts the bytes the ledger's device wrote: at least the entries' own.
        if FileManager.default.fileExists(atPath: "/sys/dev/block") {
            let perEvent = r.stdout.range(of: #"\d+ per event"#, options: .regularExpression)
                .flatMap { Int(r.stdout[$0].split(separator: " ")[0]) }
            #expect(r.stdout.contains("bytes written to the device") && (perEvent ?? 0) >= 100, "\(r.stdout)")
        }
        // Reads and a write from the first process still work, at the grown size.
        #expect(try ledger.info().size == 10_002)
        let sub = try Submission.Unsigned(events: [["type": "note", "text": "after growth"]]).signed(by: key, origin: "multi.test/log")
        #expect(try seq.append([sub], now: .now())[0].get().firstSeq == 10_002)
        #expect(ledger.store.env.mapSize > before)
        #expect(try Verifier(store: ledger.store).verify().entries == 10_003)
    }
}
