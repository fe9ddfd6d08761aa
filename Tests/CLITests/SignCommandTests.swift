import Foundation
import Testing
import CarbonLedger
import CLISupport
import LedgerCore
import TestSupport

/// `cledger sign`: a platform signs a batch for the HTTP API without writing canonical JSON or
/// UTC times by hand (issue 24, "what a newcomer trips over").
@Suite struct SignCommandTests {
    static func methodology(_ id: String, validFrom: String, scenario: String = "metro") -> String {
        #"{"events":[{"type":"methodology.register","id":"\#(id)","version":1,"title":"Trips","scenario":"\#(scenario)","region":"440300","unit":"m","kind":"quantitative","factor_mg":48,"valid_from":"\#(validFrom)"}]}"#
    }

    @Test func aBatchWithLocalTimesIsSignedInTheLedgersSpellingAndAccepted() throws {
        let d = TempDir()
        try CLI.run(["keygen", "--name", "reg", "--out", d.sub("reg.key")])
        try CLI.run(["init", "--dir", d.sub("L"), "--origin", "o.test/sign", "--key", d.sub("reg.key")])
        let batch = d.write("b.json", Self.methodology("m-1", validFrom: "2026-01-01T08:00:00+08:00"))
        let signed = try CLI.run(["sign", "--key", d.sub("reg.key"), "--dir", d.sub("L"), batch])
        #expect(signed.status == 0, "\(signed.stderr)")
        let sub = try Submission.decode(Array(signed.stdout.dropLast().utf8))
        #expect(sub.events[0]["valid_from"] == "2026-01-01T00:00:00.000Z")
        #expect(signed.stdout == CanonicalJSON.string(sub.json) + "\n", "printed as canonical JSON on one line")
        // The origin given instead of read: the same bytes (Ed25519 signatures are deterministic).
        #expect(try CLI.run(["sign", "--key", d.sub("reg.key"), "--origin", "o.test/sign", batch]).stdout == signed.stdout)
        let accepted = try CLI.run(["submit", "--dir", d.sub("L"), d.write("signed.json", signed.stdout)])
        #expect(accepted.status == 0 && accepted.stdout.contains("seq 1 (1 event)"), "\(accepted.stdout)\(accepted.stderr)")
        // `submit --sign` rewrites the times too.
        let second = d.write("b2.json", Self.methodology("m-2", validFrom: "2026-02-01T00:00:00Z", scenario: "bus"))
        let resigned = try CLI.run(["submit", "--dir", d.sub("L"), "--sign", d.sub("reg.key"), second])
        #expect(resigned.status == 0, "\(resigned.stderr)")
        let entry = try Ledger(directory: d.sub("L")).store.read { try $0.entryBytes(2) }
        #expect(entry.map { String(decoding: $0, as: UTF8.self).contains(#""valid_from":"2026-02-01T00:00:00.000Z""#) } == true)
    }

    @Test func signRefusesWhatItCannotSign() throws {
        let d = TempDir()
        try CLI.run(["keygen", "--name", "reg", "--out", d.sub("reg.key")])
        try CLI.run(["init", "--dir", d.sub("L"), "--origin", "o.test/sign", "--key", d.sub("reg.key")])
        let batch = d.write("b.json", Self.methodology("m-1", validFrom: "2026-01-01T08:00:00+08:00"))
        let signed = d.write("s.json", try CLI.run(["sign", "--key", d.sub("reg.key"), "--dir", d.sub("L"), batch]).stdout)
        for (args, status, message) in [
            (["sign", "--key", d.sub("reg.key"), "--origin", "o.test/sign", signed], Int32(1), "already signed"),
            (["sign", "--key", d.sub("reg.key"), batch], 64, "give the ledger's origin with --origin, or its directory with --dir"),
            (["sign", "--key", d.sub("reg.key"), "--origin", "o.test/sign", "--dir", d.sub("L"), batch], 64, "(one of them)"),
            (["sign", "--key", d.sub("reg.key"), "--origin", "has space", batch], 64, "printable ASCII characters without spaces"),
            (["sign", "--key", d.sub("missing.key"), "--origin", "o.test/sign", batch], 1, "missing.key"),
            (["sign", "--key", d.sub("reg.key"), "--origin", "o.test/sign", d.write("x.json", "[1]")], 1, "must be a JSON object"),
        ] {
            let r = try CLI.run(args)
            #expect(r.status == status && r.stderr.contains(message), "\(args): \(r.status) \(r.stderr)")
            #expect(r.stdout.isEmpty, "\(args) printed \(r.stdout)")
        }
        // A time that is no time is left for the rules, which name the field.
        let bad = d.write("bad.json", Self.methodology("m-3", validFrom: "2026-01-01T08:00:00+24:00"))
        let refused = try CLI.run(["submit", "--dir", d.sub("L"), "--sign", d.sub("reg.key"), bad])
        #expect(refused.status != 0 && refused.stderr.contains("valid_from"), "\(refused.stderr)")
    }

    @Test(arguments: [
        ("2026-11-21T16:00:00+08:00", "2026-11-21T08:00:00.000Z"),
        ("2026-11-21T16:00:00.5+08:00", "2026-11-21T08:00:00.500Z"),
        ("2026-11-21T00:30:00-05:30", "2026-11-21T06:00:00.000Z"),
        ("2026-11-21T08:00:00Z", "2026-11-21T08:00:00.000Z"),
        ("2026-11-21T08:00:00.25z", "2026-11-21T08:00:00.250Z"),
        ("2026-01-01T07:00:00+08:00", "2025-12-31T23:00:00.000Z"),
        ("2024-02-29T12:00:00+00:00", "2024-02-29T12:00:00.000Z"),
    ])
    func timesWithAnOffsetBecomeUTC(_ written: String, _ ledger: String) {
        #expect(EventTimes.parse(written)?.rfc3339 == ledger)
    }

    @Test(arguments: ["2026-02-30T00:00:00Z", "2025-02-29T00:00:00Z", "2026-11-21T16:00:00.1234Z", "2026-11-21T16:00:00+24:00",
                      "2026-11-21T16:00:00+08:60", "2026-11-21 16:00:00Z", "2026-11-21T16:00:00+0800", "2026-11-21T16:00:60Z",
                      "2026-11-21T16:00:00", "2026-11-21T16:00:00.Z", "", "tomorrow"])
    func whatIsNoTimeStaysAsWritten(_ text: String) {
        #expect(EventTimes.parse(text) == nil)
        #expect(EventTimes.normalised([["type": "x", "start": .string(text)]]) == [["type": "x", "start": .string(text)]])
    }
}
