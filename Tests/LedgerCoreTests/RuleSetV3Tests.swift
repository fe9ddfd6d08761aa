import Testing
@testable import LedgerCore
import TestSupport

/// Rule set v3 (SPEC.md 8.23): the programme's windows. A behaviour is reported within
/// `report_days` CST days of its day and reversed within `reversal_days`; v2 logs have no window.
@Suite struct RuleSetV3Tests {
    func at(_ rfc3339: String) -> Timestamp { Timestamp(rfc3339: rfc3339)! }

    func refused(_ c: City, _ events: [JSONValue], by key: NoteSigningKey, rule: String, field: String, mentions: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
        let before = c.h.state.writes, size = c.h.ledger.size
        let v = c.h.violation(events, by: key)
        #expect(v?.id == rule && v?.field == field, "expected \(rule) on \(field), got \(String(describing: v))", sourceLocation: sourceLocation)
        #expect(v?.message.contains(mentions) == true, "message lacks \(mentions): \(String(describing: v))", sourceLocation: sourceLocation)
        #expect(c.h.state.writes == before && c.h.ledger.size == size, "a refused submission changed the state", sourceLocation: sourceLocation)
    }

    /// Applies a genesis event as entry 0: the ledger state, or the rule it breaks.
    func genesis(_ change: (inout JSONObject) -> Void) throws -> Result<LedgerState, RuleViolation> {
        let key = try NoteSigningKey.generate(name: "registry")
        var g = Reducer.genesisEvent(origin: "x.test/o", registryKey: key.verifierKey).objectValue!
        change(&g)
        let sub = try Submission.Unsigned(events: [.object(g)]).signed(by: key, origin: "x.test/o")
        do {
            return .success(try Reducer.apply(sub, to: LedgerState(), state: StateOverlay(base: EmptyState()), time: .minimum,
                                              leafHashes: [.zero], lookup: RuleHarness.Lookup(roots: [:])))
        } catch let v as RuleViolation { return .failure(v) }
    }

    @Test func theGenesisStatesTheWindowsAndV3IsWhatNewLedgersGet() throws {
        #expect(RuleSet.latest == .v3)
        #expect(Reducer.genesisEvent(origin: "x.test/o", registryKey: try NoteSigningKey.generate(name: "k").verifierKey)["windows"]
                == ["report_days": 30, "reversal_days": 90])
        #expect(try RuleHarness().ledger.windows == Windows(reportDays: 30, reversalDays: 90))
        #expect(try RuleHarness(rules: .v2).ledger.windows == nil)
        #expect(try genesis { $0["windows"] = ["report_days": 7, "reversal_days": 7] }.get().windows == Windows(reportDays: 7, reversalDays: 7))
        // Absent in a v3 genesis: the standard windows.
        #expect(try genesis { $0["windows"] = nil }.get().windows == .standard)
        let bad: [(JSONValue, String)] = [
            (["report_days": 0, "reversal_days": 90], "report_days must be 1 to 3660"),
            (["report_days": 30, "reversal_days": 29], "reversal_days must be report_days (30) to 3660"),
            (["report_days": 30, "reversal_days": 3661], "reversal_days must be report_days (30) to 3660"),
            (["report_days": 30], "must be {\"report_days\":N,\"reversal_days\":M}"),
            (["report_days": 30, "reversal_days": 90, "grace": 1], "must be {\"report_days\":N,\"reversal_days\":M}"),
            (["report_days": "30", "reversal_days": 90], "must be {\"report_days\":N,\"reversal_days\":M}"),
            (30, "must be {\"report_days\":N,\"reversal_days\":M}"),
        ]
        for (windows, message) in bad {
            let v = try genesis { $0["windows"] = windows }
            guard case .failure(let v) = v else { Issue.record("\(windows) was accepted"); continue }
            #expect(v.id == "genesis.windows" && v.field == "windows" && v.message.contains(message), "\(windows): \(v)")
        }
        // Before v3 a genesis has no windows member.
        let v2 = try genesis { $0["rules"] = "carbonledger/v2"; $0["windows"] = ["report_days": 30, "reversal_days": 90] }
        guard case .failure(let v) = v2 else { Issue.record("a v2 genesis with windows was accepted"); return }
        #expect(v.id == "genesis.fields")
    }

    @Test func aBehaviourIsReportedWithinTheReportWindowOfItsDay() throws {
        let c = try City()
        // The trips are on CST day 2026-11-21; day 30 after it ends at 2026-12-21T16:00Z.
        c.h.time = at("2026-12-21T15:59:59.999Z")
        try c.h.submit([City.trip("p-1", "metro", amount: 1000, from: 0, to: 30, ref: "in-window")], by: c.metro)
        c.h.time = at("2026-12-21T16:00:00.000Z")
        refused(c, [City.trip("p-1", "metro", amount: 1000, from: 60, to: 90, ref: "late")], by: c.metro,
                rule: "behaviour.late", field: "start", mentions: "more than the programme's 30 days before the ledger's day 20261222")
        // Refused before idempotence: a resend after the window is late, not a duplicate, so
        // the rules need a source ref only while its day is in the window.
        refused(c, [City.trip("p-1", "metro", amount: 1000, from: 0, to: 30, ref: "in-window"), ["type": "note", "text": "resent"]], by: c.metro,
                rule: "behaviour.late", field: "start", mentions: "too late to report")
        // A day inside the window is reported as ever.
        try c.h.submit([City.trip("p-1", "metro", amount: 1000, from: 60 * 24 * 2, to: 60 * 24 * 2 + 30, ref: "day-2")], by: c.metro)
    }

    @Test func aBehaviourIsReversedWithinTheReversalWindowOfItsDay() throws {
        let c = try City()
        let first = try c.h.submit([City.trip("p-1", "metro", amount: 1000, from: 0, to: 30, ref: "a"),
                                    City.trip("p-1", "metro", amount: 1000, from: 60, to: 90, ref: "b")], by: c.metro)
        // Day 2026-11-21 + 90 is 2027-02-19, which ends at 2027-02-19T16:00Z.
        c.h.time = at("2027-02-19T15:59:59.999Z")
        try c.h.submit([["type": "behaviour.reverse", "seq": .int(Int64(first)), "reason": "fare evasion"]], by: c.metro)
        c.h.time = at("2027-02-19T16:00:00.000Z")
        refused(c, [["type": "behaviour.reverse", "seq": .int(Int64(first + 1)), "reason": "fare evasion"]], by: c.admin,
                rule: "reverse.late", field: "seq", mentions: "more than the programme's 90 days before the ledger's day 20270220")
    }

    /// The bound a query of a period's behaviours reads to is the rule's own: the last instant
    /// a day's behaviour is still reportable.
    @Test func theLastReportOfADayIsTheRulesBound() throws {
        let day = try #require(Timestamp(cstDay: "20261121"))
        #expect(day.rfc3339 == "2026-11-20T16:00:00.000Z" && day.cstDay == "20261121")
        for w in [Windows.standard, Windows(reportDays: 1, reversalDays: 1), Windows(reportDays: 366, reversalDays: 400)] {
            let last = w.lastReport(ofDayStartingAt: day)
            #expect(w.allowsReport(start: day, at: last) && !w.allowsReport(start: day, at: Timestamp(millisecondsSinceEpoch: last.millisecondsSinceEpoch + 1)))
        }
        for bad in ["20261131", "2026112", "2026-11-21", "20260229", "abcdefgh"] { #expect(Timestamp(cstDay: bad) == nil, "\(bad)") }
    }

    @Test func aV2LogHasNoWindow() throws {
        let c = try City(rules: .v2)
        c.h.time = at("2027-11-21T12:00:00.000Z")
        let seq = try c.h.submit([City.trip("p-1", "metro", amount: 1000, from: 0, to: 30, ref: "a year late")], by: c.metro)
        try c.h.submit([["type": "behaviour.reverse", "seq": .int(Int64(seq)), "reason": "a year on"]], by: c.metro)
    }

    /// A sale states its price (8.18): both accounts' history lines carry it, and the month's
    /// market statistics count it; an unpriced transfer counts in the month's volume only.
    @Test func aTransferMayStateItsPrice() throws {
        let m = try Market()
        try m.issued()
        let transfer = { (units: Int64, price: JSONValue?) -> JSONValue in
            var o: JSONObject = ["type": "units.transfer", "batch": "b1", "from": "prj-metro", "to": "e-byd", "units": .int(units)]
            if let price { o["price"] = price }
            return .object(o)
        }
        let seq = try m.c.h.submit([transfer(4, ["amount": 16, "currency": "CNY"])], by: m.owner)
        try m.c.h.submit([transfer(2, nil)], by: m.owner)
        #expect(m.c.h.get(Projection.historyPath(seq: seq, account: "e-byd"))?["price"] == ["amount": 16, "currency": "CNY"])
        #expect(m.c.h.get(Projection.historyPath(seq: seq, account: "prj-metro"))?["price"] == ["amount": 16, "currency": "CNY"])
        // The market's month is the entry's (2026-11-23 in China).
        #expect(m.c.h.get("mkt/202611") == ["priced_units": 4, "transfers": 2, "units": 6])
        #expect(m.c.h.get("mkt/202611/CNY") == ["amount": 16, "transfers": 1, "units": 4])
        for bad: JSONValue in [["amount": -1, "currency": "CNY"], ["amount": 1, "currency": "cny"], ["amount": 1, "currency": "YUAN"],
                               ["amount": 1], ["amount": "16", "currency": "CNY"], ["amount": 1, "currency": "CNY", "per": "t"], "40 yuan"] {
            let v = m.c.h.violation([transfer(1, bad)], by: m.owner)
            #expect(v?.id == "units.transfer.fields" && v?.field == "price" && v?.message.contains("minor unit") == true, "\(bad): \(String(describing: v))")
        }
        // Before v3 a transfer has no price.
        let v2 = try Market(rules: .v2)
        try v2.issued()
        #expect(v2.c.h.violation([transfer(1, ["amount": 4, "currency": "CNY"])], by: v2.owner)?.id == "units.transfer.fields")
        // ... and no market statistics: a v2 log's projections are what they were before v3.
        try v2.c.h.submit([transfer(1, nil)], by: v2.owner)
        #expect(v2.c.h.state.writes.keys.allSatisfy { !$0.hasPrefix("mkt/") })
    }

    /// Event footprints (8.24): registered by an admin, counted toward by the retirements that
    /// name them; v2 has neither.
    @Test func retirementsCountTowardARegisteredFootprint() throws {
        let m = try Market()
        try m.issued()
        try m.c.h.submit([["type": "units.transfer", "batch": "b1", "from": "prj-metro", "to": "e-byd", "units": 10]], by: m.owner)
        let register: JSONValue = ["type": "footprint.register", "footprint": "sz-forum-2026", "title": "Shenzhen low-carbon forum 2026",
                                   "amount_kg": 8, "period_from": "20261125", "period_to": "20261126", "account": "e-byd"]
        #expect(m.c.h.violation([register], by: m.byd)?.id == "auth.role")
        var noAccount = register.objectValue!; noAccount["account"] = "nobody"
        #expect(m.c.h.violation([.object(noAccount)], by: m.c.admin)?.id == "account.unknown")
        var backwards = register.objectValue!; backwards["period_from"] = "20261127"
        #expect(m.c.h.violation([.object(backwards)], by: m.c.admin).map { ($0.id, $0.field) } ?? ("", "") == ("footprint.register.fields", "period_to"))
        var zero = register.objectValue!; zero["amount_kg"] = 0
        #expect(m.c.h.violation([.object(zero)], by: m.c.admin)?.field == "amount_kg")
        try m.c.h.submit([register], by: m.c.admin)
        #expect(m.c.h.violation([register, ["type": "note", "text": "again"]], by: m.c.admin)?.id == "footprint.duplicate")
        #expect(m.c.h.get("fp/sz-forum-2026")?["retired_kg"] == 0 && m.c.h.get("fp/sz-forum-2026")?["account"] == "e-byd")
        let toward = m.retire("ret-forum-1", account: "e-byd", ranges: [[1, 3]], purpose: "event", beneficiary: "Shenzhen low-carbon forum",
                              extra: ["footprint": "sz-forum-2026"])
        try m.c.h.submit([toward], by: m.byd)
        try m.c.h.submit([m.retire("ret-forum-2", account: "e-byd", ranges: [[4, 9]], purpose: "event", extra: ["footprint": "sz-forum-2026"])], by: m.byd)
        // More than the footprint may be retired; a retirement for no footprint leaves it alone.
        try m.c.h.submit([m.retire("ret-other", account: "e-byd", ranges: [[10, 10]])], by: m.byd)
        #expect(m.c.h.get("fp/sz-forum-2026")?["retired_kg"] == 9 && m.c.h.get("fp/sz-forum-2026")?["retirements"] == 2)
        #expect(m.c.h.get("ret/ret-forum-1")?["footprint"] == "sz-forum-2026")
        let unknown = m.c.h.violation([m.retire("ret-x", account: "prj-metro", ranges: [[11, 11]], extra: ["footprint": "no-such-event"])], by: m.owner)
        #expect(unknown?.id == "footprint.unknown" && unknown?.field == "footprint", "\(String(describing: unknown))")
        // Before v3: no such event, and no such member of a retirement.
        let v2 = try Market(rules: .v2)
        try v2.issued()
        #expect(v2.c.h.violation([register], by: v2.c.admin)?.id == "event.type")
        #expect(v2.c.h.violation([v2.retire("r", account: "prj-metro", ranges: [[1, 1]], extra: ["footprint": "x"])], by: v2.owner)?.id == "units.retire.fields")
    }
}
