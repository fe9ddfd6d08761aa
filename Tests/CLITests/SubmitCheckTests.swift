import Foundation
import Testing
import CarbonLedger
import LedgerCore
import TestSupport

/// `cledger submit --check`: every error of every file at once, nothing appended.
@Suite struct SubmitCheckTests {
    @Test func checkListsEveryErrorAndAppendsNothing() throws {
        let d = TempDir()
        try CLI.run(["keygen", "--name", "reg", "--out", d.sub("reg.key")])
        try CLI.run(["init", "--dir", d.sub("L"), "--origin", "o.test/check", "--key", d.sub("reg.key")])
        let bad = d.write("bad.json", #"{"events":[{"type":"account.open","account":"p-1","kind":"person","region":"440305"},{"type":"account.open","account":"p-1","kind":"person","region":"440305"},{"type":"account.open","account":"p-2","kind":"alien","region":"440305"},{"type":"note","text":"fine"}]}"#)
        let good = d.write("good.json", #"{"events":[{"type":"account.open","account":"p-3","kind":"person","region":"440305"}]}"#)
        let size = try Ledger(directory: d.sub("L")).info().size
        let r = try CLI.run(["submit", "--dir", d.sub("L"), "--sign", d.sub("reg.key"), "--check", bad, good])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(r.stdout)")
        #expect(lines.first?.hasPrefix("\(bad): event 1 (account.open), field \"account\": ") == true && lines.first?.hasSuffix("[rule account.duplicate]") == true, "\(r.stdout)")
        #expect(lines.dropFirst().first?.hasPrefix("\(bad): event 2 (account.open), field \"kind\": ") == true, "\(r.stdout)")
        #expect(lines.last == "\(good): would be appended (1 event)", "\(r.stdout)")
        #expect(r.stderr.contains("check: 2 errors in 1 file of 2; nothing was appended (--check)"), "\(r.stderr)")
        #expect(try Ledger(directory: d.sub("L")).info().size == size, "--check appended")
        // Without --check the first error refuses everything, and says where the rest are.
        let plain = try CLI.run(["submit", "--dir", d.sub("L"), "--sign", d.sub("reg.key"), bad, good])
        #expect(plain.status == 1 && plain.stderr.contains("event 1, field \"account\"") && plain.stderr.contains("(submit --check lists every error)"), "\(plain.stderr)")
        let clean = try CLI.run(["submit", "--dir", d.sub("L"), "--sign", d.sub("reg.key"), "--check", good])
        #expect(clean.status == 0 && clean.stdout.contains("check: every submission would be appended; nothing was (--check)"), "\(clean.stdout)\(clean.stderr)")
        #expect(try Ledger(directory: d.sub("L")).info().size == size)
    }
}
