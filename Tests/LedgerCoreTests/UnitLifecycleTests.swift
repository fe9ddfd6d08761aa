import Testing
@testable import LedgerCore
import TestSupport

/// The project path on the reducer: request, verification, issuance, transfer, retirement,
/// cancellation; double issuance and double spending refused precisely.
@Suite struct UnitLifecycleTests {

    func refused(_ m: Market, _ events: [JSONValue], by key: NoteSigningKey, rule: String, mentions: String? = nil,
                 sourceLocation: SourceLocation = #_sourceLocation) {
        let before = m.c.h.state.writes
        let v = m.c.h.violation(events, by: key)
        #expect(v?.id == rule, "expected \(rule), got \(String(describing: v))", sourceLocation: sourceLocation)
        if let s = mentions { #expect(v?.message.contains(s) == true, "\(String(describing: v))", sourceLocation: sourceLocation) }
        #expect(m.c.h.state.writes == before, "a refused submission changed the state", sourceLocation: sourceLocation)
    }

    @Test func requestLocksEligibleReductionsAndCommitsToTheirLeafHashes() throws {
        let m = try Market()
        refused(m, [m.request("rq-0", from: "20261121", to: "20261123")], by: m.c.metro, rule: "issuance.period", mentions: "must have ended")
        refused(m, [m.request("rq-0", from: "20261122", to: "20261121")], by: m.c.metro, rule: "issuance.period")
        refused(m, [m.request("rq-0")], by: m.c.bike, rule: "auth.role")
        try m.c.h.submit([m.request("rq-1")], by: m.c.metro)
        let r = m.c.h.get("req/rq-1")!
        #expect(r["count"] == 3 && r["total_mg"] == 14_400_000 && r["status"] == "locked")
        // The lineage root is the RFC 6962 root over the behaviour entries' leaf hashes.
        #expect(r["root"]?.stringValue == MerkleHasher().root(ofLeafHashes: m.tripSeqs.map { m.c.h.leafHashes[Int($0)] }).hex)
        #expect(m.c.available("p-1") == 0 && m.c.account("p-1")["locked_mg"] == 4_800_000)
        // Double issuance: the same reductions cannot be requested again; a later trip can.
        refused(m, [m.request("rq-2")], by: m.c.metro, rule: "issuance.empty")
        m.c.h.time = Timestamp(rfc3339: "2026-11-21T15:00:00.000Z")!
        let late = try m.c.h.submit([City.trip("p-2", "metro", amount: 1_000, from: 300, to: 310, ref: "late")], by: m.c.metro)
        m.c.h.time = Timestamp(rfc3339: "2026-11-23T02:00:00.000Z")!
        try m.c.h.submit([m.request("rq-2")], by: m.c.metro)
        #expect(m.c.h.get("req/rq-2")?["count"] == 1 && m.c.h.get("beh/\(pad(late))")?["request"] == "rq-2")
        // Locked reductions cannot be reversed or donated.
        refused(m, [["type": "behaviour.reverse", "seq": .int(Int64(m.tripSeqs[0])), "reason": "x"]], by: m.c.metro, rule: "reverse.locked",
                mentions: "locked in issuance request rq-1: it can be reversed only if the verifier rejects that request")
        refused(m, [["type": "donation", "account": "p-1", "to": "yangtze-fish", "amount_mg": 1]], by: m.c.metro, rule: "donation.insufficient")
        // A rejection releases the locks; the reductions can be requested again.
        refused(m, [["type": "issuance.verify", "request": "rq-2", "decision": "reject", "report_hash": .string(String(repeating: "cd", count: 32)),
                     "lineage_root": .string(m.root("rq-2"))]], by: m.c.admin, rule: "auth.role")
        try m.c.h.submit([["type": "issuance.verify", "request": "rq-2", "decision": "reject", "report_hash": .string(String(repeating: "cd", count: 32)),
                           "lineage_root": .string(m.root("rq-2"))]], by: m.verifier)
        #expect(m.c.account("p-2")["locked_mg"] == 4_800_000)  // only rq-1's lock remains
        try m.c.h.submit([m.request("rq-3")], by: m.c.metro)
        #expect(m.c.h.get("req/rq-3")?["count"] == 1)
    }

    @Test func verificationAndIssuanceAreChecked() throws {
        let m = try Market()
        try m.c.h.submit([m.request("rq-1")], by: m.c.metro)
        var wrongRoot = m.approve("rq-1", 1).objectValue!; wrongRoot["lineage_root"] = .string(String(repeating: "00", count: 32))
        refused(m, [.object(wrongRoot)], by: m.verifier, rule: "issuance.lineage")
        refused(m, [m.approve("rq-1", 14_400_001)], by: m.verifier, rule: "issuance.amount")
        refused(m, [m.issue("rq-1", batch: "b1", units: 14)], by: m.issuer, rule: "issuance.state", mentions: "not approved")
        try m.c.h.submit([m.approve("rq-1", 14_400_000)], by: m.verifier)
        // The refusal of a reversal says what is left to do as the request goes on.
        let reverse: [JSONValue] = [["type": "behaviour.reverse", "seq": .int(Int64(m.tripSeqs[0])), "reason": "fraud found late"]]
        refused(m, reverse, by: m.c.metro, rule: "reverse.locked", mentions: "locked in issuance request rq-1: the request was approved, so it can no longer be reversed")
        refused(m, [m.approve("rq-1", 1)], by: m.verifier, rule: "issuance.state")
        refused(m, [m.issue("rq-1", batch: "b1", units: 15)], by: m.issuer, rule: "issuance.units", mentions: "14 whole units")
        refused(m, [m.issue("rq-1", batch: "b1", units: 14)], by: m.verifier, rule: "auth.role")
        var wrongVintage = m.issue("rq-1", batch: "b1", units: 14).objectValue!; wrongVintage["vintage"] = "2025"
        refused(m, [.object(wrongVintage)], by: m.issuer, rule: "issuance.vintage")
        try m.c.h.submit([m.issue("rq-1", batch: "b1", units: 14)], by: m.issuer)
        let b = m.c.h.get("batch/b1")!
        #expect(b["units"] == 14 && b["serial_prefix"] == "CN-440300-metro-2026-2026-b1" && b["owner"] == "prj-metro")
        refused(m, reverse + [["type": "note", "text": "again"]], by: m.c.metro, rule: "reverse.locked",
                mentions: "units were issued from it (batch b1), so it can no longer be reversed; an admin may cancel units of the batch instead (units.cancel)")
        #expect(m.holdings("prj-metro") == [[1, 14]])
        // 14 kg issued, 0.4 kg of the last reduction stays with its account.
        #expect(m.c.account("w-1")["issued_mg"] == 4_400_000 && m.c.available("w-1") == 400_000 && m.c.account("w-1")["locked_mg"] == 0)
        refused(m, [m.issue("rq-1", batch: "b2", units: 14)], by: m.issuer, rule: "issuance.state")
    }

    @Test func transfersSplitBlocksAndRetirementsAreFinal() throws {
        let m = try Market()
        try m.issued()
        refused(m, [["type": "units.transfer", "batch": "b1", "from": "prj-metro", "to": "e-byd", "units": 15]], by: m.owner, rule: "units.insufficient", mentions: "holds 14")
        refused(m, [["type": "units.transfer", "batch": "b1", "from": "prj-metro", "to": "e-byd", "units": 1]], by: m.byd, rule: "auth.role")
        refused(m, [["type": "units.transfer", "batch": "b1", "from": "prj-metro", "to": "e-byd", "units": 1]], by: m.exchange, rule: "auth.role")
        try m.c.h.submit([["type": "holder.authorise", "account": "prj-metro", "exchange": "szex", "allow": true]], by: m.owner)
        try m.c.h.submit([["type": "units.transfer", "batch": "b1", "from": "prj-metro", "to": "e-byd", "units": 5]], by: m.exchange)
        #expect(m.holdings("e-byd") == [[1, 5]] && m.holdings("prj-metro") == [[6, 14]])
        // Retire explicit serials; the block splits around them.
        try m.c.h.submit([m.retire("ret-1", account: "e-byd", ranges: [[2, 3]])], by: m.byd)
        #expect(m.holdings("e-byd") == [[1, 1], [4, 5]])
        #expect(m.c.h.get("ret/ret-1")?["serials"] == ["CN-440300-metro-2026-2026-b1-2-3"])
        // Double spend: the same serials again, overlapping, or held by someone else.
        refused(m, [m.retire("ret-2", account: "e-byd", ranges: [[3, 4]])], by: m.byd, rule: "units.double_spend", mentions: "retirement ret-1")
        refused(m, [m.retire("ret-2", account: "e-byd", ranges: [[6, 6]])], by: m.byd, rule: "units.not_held", mentions: "held by account prj-metro")
        refused(m, [m.retire("ret-1", account: "e-byd", ranges: [[4, 4]])], by: m.byd, rule: "retirement.duplicate")
        refused(m, [m.retire("ret-2", account: "e-byd", ranges: [[4, 5], [5, 5]])], by: m.byd, rule: "units.retire.fields")
        // Retired units cannot move: e-byd holds 3 now.
        refused(m, [["type": "units.transfer", "batch": "b1", "from": "e-byd", "to": "prj-metro", "units": 4]], by: m.byd, rule: "units.insufficient", mentions: "holds 3")
        // Two retirements of the same units in one submission: the second is a double spend.
        refused(m, [m.retire("ret-a", account: "e-byd", ranges: [[4, 4]]), m.retire("ret-b", account: "e-byd", ranges: [[4, 4]])], by: m.byd,
                rule: "units.double_spend", mentions: "ret-a")
        let b = m.c.h.get("batch/b1")!
        #expect(b["held"] == 12 && b["retired"] == 2 && b["cancelled"] == 0)
    }

    /// Rule set v1: each retirement declares the allowance (v2's authority statements are in
    /// RuleSetV2Tests); a v1 log keeps replaying under these rules.
    @Test func complianceRetirementsFollowTheSchemeRuleCumulatively() throws {
        let m = try Market(rules: .v1)
        try m.issued()
        try m.c.h.submit([["type": "units.transfer", "batch": "b1", "from": "prj-metro", "to": "e-byd", "units": 14]], by: m.owner)
        func compliance(_ id: String, _ ranges: [[Int64]], scheme: String, allowance: Int64 = 1, gap: Int64 = 5, company: String = "e-byd") -> JSONValue {
            m.retire(id, account: "e-byd", ranges: ranges, purpose: "compliance",
                     extra: ["beneficiary_account": .string(company), "compliance": ["scheme": .string(scheme), "year": 2026, "allowance_t": .int(allowance), "gap_t": .int(gap)]])
        }
        refused(m, [compliance("c-0", [[1, 1]], scheme: "shanghai-ets")], by: m.byd, rule: "compliance.scheme")
        refused(m, [compliance("c-0", [[1, 1]], scheme: "hubei-ets", company: "p-1")], by: m.byd, rule: "compliance.company")
        refused(m, [m.retire("c-0", account: "e-byd", ranges: [[1, 1]], purpose: "compliance")], by: m.byd, rule: "units.retire.fields")
        refused(m, [m.retire("v-0", account: "e-byd", ranges: [[1, 1]], extra: ["compliance": ["scheme": "hubei-ets"]])], by: m.byd, rule: "units.retire.fields")
        // Hubei: the gap bounds it (a 0 t gap allows nothing).
        refused(m, [compliance("c-0", [[1, 1]], scheme: "hubei-ets", allowance: 50, gap: 0)], by: m.byd, rule: "compliance.limit", mentions: "allowance gap")
        // 0.5% of a 1 t allowance is 5 kg: 4 kg, then 1 kg pass; the next kg in the same scheme-year does not.
        try m.c.h.submit([compliance("c-1", [[1, 4]], scheme: "strict-ets")], by: m.byd)
        try m.c.h.submit([compliance("c-2", [[5, 5]], scheme: "strict-ets")], by: m.byd)
        refused(m, [compliance("c-3", [[6, 6]], scheme: "strict-ets")], by: m.byd, rule: "compliance.limit", mentions: "would offset 6 kg")
        #expect(m.c.h.get("comp/strict-ets/2026/e-byd")?["units"] == 5)
        // A voluntary retirement of the same units is not limited; the retired ones are gone.
        try m.c.h.submit([m.retire("v-1", account: "e-byd", ranges: [[6, 14]])], by: m.byd)
        refused(m, [compliance("c-3", [[1, 1]], scheme: "hubei-ets")], by: m.byd, rule: "units.double_spend", mentions: "c-1")
    }

    @Test func cancellationKeepsTheSupplyExact() throws {
        let m = try Market()
        try m.issued()
        refused(m, [["type": "units.cancel", "batch": "b1", "account": "prj-metro", "ranges": [[13, 14]], "units": 2, "reason": "x"]], by: m.owner, rule: "auth.role")
        try m.c.h.submit([["type": "units.cancel", "batch": "b1", "account": "prj-metro", "ranges": [[13, 14]], "units": 2,
                           "reason": "exported to the national registry"]], by: m.c.admin)
        refused(m, [m.retire("r", account: "prj-metro", ranges: [[14, 14]])], by: m.owner, rule: "units.double_spend", mentions: "cancelled")
        let b = m.c.h.get("batch/b1")!
        #expect(b["held"] == 12 && b["cancelled"] == 2)
        #expect(m.holdings("prj-metro") == [[1, 12]])
    }

    /// Issue 22: any set of units held may be retired or cancelled in one event: several ranges
    /// in one block, and one range over blocks received separately.
    @Test func rangesSplitTheBlocksAsTheyStandAndMaySpanBlocks() throws {
        let m = try Market()
        try m.issued()
        try m.c.h.submit([m.retire("r-1", account: "prj-metro", ranges: [[1, 2], [3, 4], [8, 10]])], by: m.owner)
        #expect(m.holdings("prj-metro") == [[5, 7], [11, 14]])
        #expect(m.c.h.get("ret/r-1")?["serials"] == ["CN-440300-metro-2026-2026-b1-1-2", "CN-440300-metro-2026-2026-b1-3-4", "CN-440300-metro-2026-2026-b1-8-10"])
        try m.c.h.submit([["type": "units.cancel", "batch": "b1", "account": "prj-metro", "ranges": [[5, 5], [7, 7]], "units": 2, "reason": "two units found double-issued"]], by: m.c.admin)
        #expect(m.holdings("prj-metro") == [[6, 6], [11, 14]])
        // Units 11 and 12, then 13, reach BYD by two transfers: two blocks, one range.
        try m.c.h.submit([["type": "units.transfer", "batch": "b1", "from": "prj-metro", "to": "e-byd", "units": 3]], by: m.owner)
        try m.c.h.submit([["type": "units.transfer", "batch": "b1", "from": "prj-metro", "to": "e-byd", "units": 2]], by: m.owner)
        #expect(m.holdings("e-byd") == [[6, 6], [11, 12], [13, 14]])
        refused(m, [m.retire("r-2", account: "e-byd", ranges: [[6, 12]])], by: m.byd, rule: "units.double_spend", mentions: "unit 7, cancelled")
        try m.c.h.submit([m.retire("r-2", account: "e-byd", ranges: [[11, 14]])], by: m.byd)
        #expect(m.holdings("e-byd") == [[6, 6]])
        refused(m, [m.retire("r-3", account: "prj-metro", ranges: [[6, 6]])], by: m.owner, rule: "units.not_held", mentions: "unit 6 is held by account e-byd")
        let b = m.c.h.get("batch/b1")!
        #expect(b["held"] == 1 && b["retired"] == 11 && b["cancelled"] == 2)
    }
}
