import Foundation
import Testing
import LedgerCore
import LedgerDemo
import LedgerStore
@testable import CarbonLedger
import TestSupport

/// Rule sets on real ledgers: a v1 log keeps verifying under the v1 rules, and a serial is read
/// against the registered batches, whatever its batch id looks like.
@Suite struct RuleSetLedgerTests {
    func ledger(replaying h: RuleHarness, in dir: TempDir) throws -> (Ledger, [Result<AppendReceipt, RuleViolation>]) {
        try h.replayed(in: dir)
    }

    /// What v1 accepted and v2 refuses or reads otherwise, on one v1 log.
    func v1History() throws -> (Market, thief: NoteSigningKey) {
        let m = try Market(rules: .v1)
        // Another platform's consented report, aggregated by the metro's project under v1.
        try m.c.h.submit([City.trip("p-2", "metro", amount: 1_000, from: 300, to: 350, ref: "gl-metro-1")], by: m.c.city)
        try m.c.h.submit([m.request("rq-1")], by: m.c.metro)
        try m.c.h.submit([m.approve("rq-1", 14_400_000)], by: m.verifier)
        // A batch id ending in digits.
        try m.c.h.submit([m.issue("rq-1", batch: "b-1", units: 14)], by: m.issuer)
        // An admin-made holder key moves the owner's units.
        let thief = try NoteSigningKey.generate(name: "admin-made-key")
        try m.c.h.submit([City.register(thief, actor: "prj-metro", roles: ["holder"], scenarios: ["*"], regions: ["*"])], by: m.c.admin)
        try m.c.h.submit([["type": "units.transfer", "batch": "b-1", "from": "prj-metro", "to": "e-byd", "units": 14]], by: thief)
        // A compliance retirement declaring its own allowance, twice.
        for (id, lo) in [("c-1", Int64(1)), ("c-2", Int64(2))] {
            try m.c.h.submit([m.retire(id, account: "e-byd", ranges: [[lo, lo]], purpose: "compliance",
                                       extra: ["beneficiary_account": "e-byd",
                                               "compliance": ["scheme": "hubei-ets", "year": 2026, "allowance_t": 10, "gap_t": 10]], batch: "b-1")], by: m.byd)
        }
        // A redemption resent with the same ref, in another submission.
        let redeem: JSONValue = ["type": "points.redeem", "account": "p-1", "points": 1, "reward": "ride", "ref": "rd-1"]
        try m.c.h.submit([redeem], by: m.c.metro)
        try m.c.h.submit([redeem, ["type": "note", "text": "resent"]], by: m.c.metro)
        return (m, thief)
    }

    @Test func aV1LogKeepsVerifyingUnderTheV1Rules() throws {
        let (m, _) = try v1History()
        let dir = TempDir()
        let (ledger, results) = try ledger(replaying: m.c.h, in: dir)
        let failures = results.filter { !$0.isSuccess }
        #expect(failures.isEmpty, "\(failures)")
        #expect(try ledger.info().rules == .v1)
        let report = try Verifier(store: ledger.store).verify()
        #expect(report.entries == UInt64(m.c.h.applied.reduce(0) { $0 + $1.submission.events.count }) && report.stateKeysCompared > 0)
        let earned = try #require(m.c.h.get("pts/p-1/szmetro")?["earned"]?.intValue)
        #expect(try ledger.pointsBalance("p-1", platform: "szmetro") == earned - 2, "v1 debited the resend")
        #expect(try ledger.state("req/rq-1")?["count"] == 4, "v1 aggregated greenlife's report into the metro's project")

    }

    @Test func aSerialIsReadAgainstTheRegisteredBatches() throws {
        // Under v1, batches b and b-1 of one project and vintage make "...-b-1-5" read two ways.
        let m = try Market(rules: .v1)
        try m.c.h.submit([m.request("rq-1")], by: m.c.metro)
        try m.c.h.submit([m.approve("rq-1", 4_800_000)], by: m.verifier)
        try m.c.h.submit([m.issue("rq-1", batch: "b", units: 4)], by: m.issuer)
        m.c.h.time = Timestamp(rfc3339: "2026-11-24T02:00:00.000Z")!
        try m.c.h.submit([City.trip("p-1", "metro", amount: 100_000, from: 24 * 60, to: 24 * 60 + 50, ref: "day-2")], by: m.c.metro)
        m.c.h.time = Timestamp(rfc3339: "2026-11-25T02:00:00.000Z")!
        try m.c.h.submit([m.request("rq-2", from: "20261122", to: "20261123")], by: m.c.metro)
        try m.c.h.submit([m.approve("rq-2", 4_800_000)], by: m.verifier)
        try m.c.h.submit([m.issue("rq-2", batch: "b-1", units: 4)], by: m.issuer)
        try m.c.h.submit([m.retire("ret-1", account: "prj-metro", ranges: [[2, 3]], batch: "b")], by: m.owner)
        let dir = TempDir()
        let (ledger, results) = try ledger(replaying: m.c.h, in: dir)
        let failures = results.filter { !$0.isSuccess }
        #expect(failures.isEmpty, "\(failures)")
        let prefix = "CN-440300-metro-2026-2026-"
        func hits(_ q: String) throws -> [JSONValue] { try ledger.search(q)["results"]?.arrayValue ?? [] }
        func summary(_ q: String) throws -> [String] {
            try hits(q).map { "\($0["batch"]!.stringValue!):\($0["first"]!.intValue!)-\($0["last"]!.intValue!):\($0["state"]!.stringValue!)" }
        }
        // One unit, every block of a range (retired units name their retirement), nothing past the batch.
        #expect(try summary(prefix + "b-3") == ["b:3-3:retired"])
        #expect(try hits(prefix + "b-3").first?["retirement"] == "ret-1")
        #expect(try summary(prefix + "b-1-4") == ["b-1:4-4:held", "b:1-1:held", "b:2-3:retired", "b:4-4:held"])
        #expect(try summary(prefix + "b-1-3") == ["b-1:3-3:held", "b:1-1:held", "b:2-3:retired"])
        #expect(try summary(prefix + "b-1-2-3") == ["b-1:2-3:held"])
        #expect(try summary(prefix + "b-1-9").isEmpty, "unit 9 is past both batches (and b has no range 1-9)")
        #expect(try summary(prefix + "b-0").isEmpty && summary(prefix + "b-4-2").isEmpty && summary(prefix + "b").isEmpty)
        #expect(try summary(prefix + "b-99999999999999999999").isEmpty && summary(prefix + "b-x-1").isEmpty)
        #expect(try summary("CN-440300-metro-2026-2026-c-1").isEmpty, "no batch c")

        // The demo (v2): every serial of its retirements names exactly its retirement.
        let demo = TempDir()
        let (city, demoCity, _) = try newDemoCity(demo, origin: "carbonledger.example/shenzhen", residents: 150, days: 2)
        let report = try DemoRunner(ledger: city, sequencer: try city.sequencer(), city: demoCity).run()
        #expect(report.retirements.count == 3)
        for id in report.retirements {
            let ret = try #require(try city.state("ret/\(id)"))
            for serial in ret["serials"]!.arrayValue!.compactMap(\.stringValue) {
                let found = try city.search(serial)["results"]!.arrayValue!
                #expect(!found.isEmpty && found.allSatisfy { $0["retirement"]?.stringValue == id }, "\(serial): \(found)")
            }
        }
    }

    @Test func theAccountViewShowsItsHolderKeysAndRecoveries() throws {
        let m = try Market()
        try m.issued()
        let second = try NoteSigningKey.generate(name: "second-admin")
        let recovered = try NoteSigningKey.generate(name: "prj-metro-recovered")
        try m.c.h.submit([City.register(second, actor: "admin-2", roles: ["admin"], scenarios: ["*"], regions: ["*"]),
                          ["type": "key.recover", "proposal": "rec-1", "account": "prj-metro", "key": .string(recovered.verifierKey.description),
                           "reason": "HSM failure"]], by: m.c.admin)
        let approvedAt = try m.c.h.submit([["type": "key.recover.approve", "proposal": "rec-1", "decision": "approve"]], by: second)
        let dir = TempDir()
        let (ledger, results) = try ledger(replaying: m.c.h, in: dir)
        #expect(results.filter { !$0.isSuccess }.isEmpty)
        let view = try ledger.accountView("prj-metro")
        let keys = try #require(view["holder_keys"]?.arrayValue)
        #expect(keys.count == 2 && keys[0]["key"]?.stringValue == m.owner.verifierKey.description && keys[0]["revoked_seq"]?.intValue == Int64(approvedAt))
        #expect(keys[1]["key"]?.stringValue == recovered.verifierKey.description && keys[1]["recovery"] == "rec-1" && keys[1]["revoked_seq"] == nil)
        let rec = try #require(view["recoveries"]?.arrayValue?.first)
        #expect(rec["proposal"] == "rec-1" && rec["status"] == "approved" && rec["proposed_by"] == "registry" && rec["decided_by"] == "admin-2")
        let events = view["history"]?.arrayValue?.compactMap { $0["event"]?.stringValue } ?? []
        #expect(events.contains("key.recover") && events.contains("key.recover.approve"))
        _ = try Verifier(store: ledger.store).verify()
    }
}
