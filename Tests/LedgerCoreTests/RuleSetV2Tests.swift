import Foundation
import Testing
@testable import LedgerCore
import TestSupport

/// The holes issue 21 found, closed by rule set v2 (SPEC.md 8.23): each test breaks the v2 rule
/// and shows that a v1 log keeps its old meaning.
@Suite struct RuleSetV2Tests {
    func refused(_ c: City, _ events: [JSONValue], by key: NoteSigningKey, rule: String, field: String? = nil, mentions: String? = nil,
                 sourceLocation: SourceLocation = #_sourceLocation) {
        let before = c.h.state.writes
        let size = c.h.ledger.size
        let v = c.h.violation(events, by: key)
        #expect(v?.id == rule, "expected \(rule), got \(String(describing: v))", sourceLocation: sourceLocation)
        if let field { #expect(v?.field == field, "field: \(String(describing: v))", sourceLocation: sourceLocation) }
        if let m = mentions { #expect(v?.message.contains(m) == true, "message lacks \(m): \(String(describing: v))", sourceLocation: sourceLocation) }
        #expect(c.h.state.writes == before && c.h.ledger.size == size, "a refused submission changed the state", sourceLocation: sourceLocation)
    }

    /// The same events again in another submission: a submission sent twice is a replay
    /// (`submission.replay`), so event-level idempotence is about events resent among others.
    static func resent(_ events: [JSONValue]) -> [JSONValue] { events + [["type": "note", "text": "resent"]] }

    @Test func theGenesisBindsTheRuleSetAndV1HasNoneOfV2sEvents() throws {
        #expect(try RuleHarness(rules: .v1).ledger.rules == .v1)
        #expect(try RuleHarness(rules: .v2).ledger.rules == .v2 && RuleHarness().ledger.rules == .latest)
        let c = try City(rules: .v1)
        refused(c, [["type": "account.link", "account": "p-1", "person": .string(String(repeating: "ab", count: 32))]], by: c.metro,
                rule: "event.type", mentions: "carbonledger/v1")
        refused(c, [City.register(try NoteSigningKey.generate(name: "dee"), actor: "gd-dee", roles: ["authority"], scenarios: ["*"], regions: ["*"])],
                by: c.admin, rule: "key.register.fields", mentions: "not a role of carbonledger/v1")
        #expect(!Reducer.eventTypes(.v1).contains("key.recover") && Reducer.eventTypes(.v2).contains("key.recover"))
        // Anything else in `rules` is no rule set.
        let key = try NoteSigningKey.generate(name: "registry")
        var genesis = Reducer.genesisEvent(origin: "x.test/o", registryKey: key.verifierKey).objectValue!
        genesis["rules"] = "carbonledger/v9"
        let sub = try Submission.Unsigned(events: [.object(genesis)]).signed(by: key, origin: "x.test/o")
        #expect(throws: RuleViolation.self) {
            _ = try Reducer.apply(sub, to: LedgerState(), state: StateOverlay(base: EmptyState()), time: .minimum,
                                  leafHashes: [.zero], lookup: RuleHarness.Lookup(roots: [:]))
        }
    }

    // 1. Serials read one way: no batch id ends in -DIGITS.
    @Test func batchIdsEndingInDigitsAreRefusedUnderV2() throws {
        for (rules, batch) in [(RuleSet.v2, "b-1"), (.v2, "2026"), (.v1, "b-1")] {
            let m = try Market(rules: rules)
            try m.c.h.submit([m.request("rq-1")], by: m.c.metro)
            try m.c.h.submit([m.approve("rq-1", 14_400_000)], by: m.verifier)
            if rules == .v2 {
                refused(m.c, [m.issue("rq-1", batch: batch, units: 14)], by: m.issuer, rule: "issuance.batch_id", field: "batch", mentions: "ends in a dash and digits")
                try m.c.h.submit([m.issue("rq-1", batch: "\(batch)-x", units: 14)], by: m.issuer)
            } else {
                try m.c.h.submit([m.issue("rq-1", batch: batch, units: 14)], by: m.issuer)
                #expect(m.c.h.get("batch/b-1")?["serial_prefix"] == "CN-440300-metro-2026-2026-b-1")
            }
        }
    }

    // 2. The allowance is the authority's, the cap counts every retirement, eligibility is the scheme's.
    @Test func complianceAllowancesComeFromTheAuthorityAndUnitsMustBeEligible() throws {
        let m = try Market()
        let authority = try NoteSigningKey.generate(name: "gd-dee-key")
        try m.c.h.submit([City.register(authority, actor: "gd-dee", roles: ["authority"], scenarios: ["*"], regions: ["440000"]),
                          ["type": "offset.rule", "scheme": "hubei-ets", "max_permille": 100, "gap_limited": true, "regions": ["420000"],
                           "scenarios": ["*"], "vintage_from": 2020, "vintage_to": 2035, "description": "Hubei: Hubei units only"],
                          ["type": "offset.rule", "scheme": "bike-ets", "max_permille": 100, "gap_limited": false, "regions": ["*"],
                           "scenarios": ["bike"], "vintage_from": 2020, "vintage_to": 2035, "description": "bike projects only"],
                          ["type": "offset.rule", "scheme": "old-ets", "max_permille": 100, "gap_limited": false, "regions": ["*"],
                           "scenarios": ["*"], "vintage_from": 2020, "vintage_to": 2025, "description": "vintages up to 2025"]], by: m.c.admin)
        try m.issued()
        try m.c.h.submit([["type": "units.transfer", "batch": "b1", "from": "prj-metro", "to": "e-byd", "units": 14]], by: m.owner)
        func allowance(_ scheme: String, _ t: Int64, gap: Int64 = 5) -> JSONValue {
            ["type": "compliance.allowance", "company": "e-byd", "scheme": .string(scheme), "year": 2026, "allowance_t": .int(t), "gap_t": .int(gap)]
        }
        func compliance(_ id: String, _ ranges: [[Int64]], scheme: String = "strict-ets", block: JSONValue? = nil) -> JSONValue {
            m.retire(id, account: "e-byd", ranges: ranges, purpose: "compliance",
                     extra: ["beneficiary_account": "e-byd", "compliance": block ?? ["scheme": .string(scheme), "year": 2026]])
        }
        // The company declares nothing: v1's block is refused, and without the authority's statement nothing passes.
        refused(m.c, [compliance("c-0", [[1, 1]], block: ["scheme": "strict-ets", "year": 2026, "allowance_t": 100_000, "gap_t": 100_000])],
                by: m.byd, rule: "units.retire.fields", field: "compliance")
        refused(m.c, [compliance("c-0", [[1, 1]])], by: m.byd, rule: "compliance.allowance", mentions: "no 2026 allowance for e-byd")
        // Only the authority states allowances, within its regions, for open enterprises and known schemes.
        refused(m.c, [allowance("strict-ets", 1)], by: m.c.admin, rule: "auth.role")
        refused(m.c, [allowance("nope-ets", 1)], by: authority, rule: "compliance.scheme")
        refused(m.c, [allowance("strict-ets", 1).with("company", "p-1")], by: authority, rule: "compliance.company")
        try m.c.h.submit([allowance("strict-ets", 1), allowance("hubei-ets", 1000), allowance("bike-ets", 1000), allowance("old-ets", 1000)], by: authority)
        // 0.5% of 1 t is 5 kg over all of the year's retirements: 4, then 1, then no more.
        try m.c.h.submit([compliance("c-1", [[1, 4]])], by: m.byd)
        try m.c.h.submit([compliance("c-2", [[5, 5]])], by: m.byd)
        refused(m.c, [compliance("c-3", [[6, 6]])], by: m.byd, rule: "compliance.limit", mentions: "would offset 6 kg")
        // A later statement replaces the allowance for later retirements.
        try m.c.h.submit([allowance("strict-ets", 2)], by: authority)
        try m.c.h.submit([compliance("c-3", [[6, 6]])], by: m.byd)
        // Shenzhen units are not Hubei's; metro is not a bike project; 2026 is past old-ets' vintages.
        refused(m.c, [compliance("c-4", [[7, 7]], scheme: "hubei-ets")], by: m.byd, rule: "compliance.eligibility", mentions: "region 440300")
        refused(m.c, [compliance("c-4", [[7, 7]], scheme: "bike-ets")], by: m.byd, rule: "compliance.eligibility", mentions: "metro")
        refused(m.c, [compliance("c-4", [[7, 7]], scheme: "old-ets")], by: m.byd, rule: "compliance.eligibility", mentions: "vintage 2026")
        // The registry shows the block with the allowance used and the year's total.
        let shown = m.c.h.get("ret/c-3")?["compliance"]
        #expect(shown == ["allowance_seq": .int(Int64(m.c.h.ledger.size) - 2), "allowance_t": 2, "gap_t": 5, "offset_kg": 6, "scheme": "strict-ets", "year": 2026])
        // The statement is a line of the company's history.
        #expect(m.c.h.state.writes.keys.contains { $0.hasPrefix("hist/") && $0.contains("/e-byd/") && m.c.h.get($0)?["event"] == "compliance.allowance" })
    }

    // 3. Only the holder's keys move its units; a new one takes two admins.
    @Test func anAdminCannotTakeOverAnAccountsUnitsAndRecoveryTakesTwoAdmins() throws {
        let m = try Market()
        try m.issued()
        let thief = try NoteSigningKey.generate(name: "admin-made-key")
        let takeover = City.register(thief, actor: "prj-metro", roles: ["holder"], scenarios: ["*"], regions: ["*"])
        refused(m.c, [takeover], by: m.c.admin, rule: "key.holder_exists", mentions: "already has holder keys (prj-metro-key")
        // An account that holds units but never had a key is no easier to take.
        try m.c.h.submit([["type": "account.open", "account": "e-2", "kind": "enterprise", "region": "440305"]], by: m.c.admin)
        try m.c.h.submit([["type": "units.transfer", "batch": "b1", "from": "prj-metro", "to": "e-2", "units": 3]], by: m.owner)
        refused(m.c, [City.register(thief, actor: "e-2", roles: ["holder"], scenarios: ["*"], regions: ["*"])], by: m.c.admin,
                rule: "key.holder_exists", mentions: "holds 3 units")
        refused(m.c, [City.register(thief, actor: "e-3", roles: ["holder", "admin"], scenarios: ["*"], regions: ["*"])], by: m.c.admin, rule: "key.holder_role")

        // Recovery: proposed by one admin, approved only by an admin of another actor.
        let other = try NoteSigningKey.generate(name: "second-admin")
        let sameActor = try NoteSigningKey.generate(name: "registry-2")
        try m.c.h.submit([City.register(other, actor: "admin-2", roles: ["admin"], scenarios: ["*"], regions: ["*"]),
                          City.register(sameActor, actor: "registry", roles: ["admin"], scenarios: ["*"], regions: ["*"])], by: m.c.admin)
        let newKey = try NoteSigningKey.generate(name: "prj-metro-new")
        let propose: JSONValue = ["type": "key.recover", "proposal": "rec-1", "account": "prj-metro", "key": .string(newKey.verifierKey.description),
                                  "reason": "the operator's HSM failed; identity re-verified in person"]
        refused(m.c, [propose], by: m.owner, rule: "auth.role")
        refused(m.c, [propose.with("account", "nobody")], by: m.c.admin, rule: "account.unknown")
        refused(m.c, [propose.with("key", .string(m.owner.verifierKey.description))], by: m.c.admin, rule: "key.duplicate")
        try m.c.h.submit([propose], by: m.c.admin)
        refused(m.c, Self.resent([propose]), by: other, rule: "recovery.duplicate")
        #expect(m.c.h.violation([["type": "units.transfer", "batch": "b1", "from": "prj-metro", "to": "e-byd", "units": 1]], by: newKey)?.id == "auth.unknown_key",
                "a proposed key does not act")
        let approve: JSONValue = ["type": "key.recover.approve", "proposal": "rec-1", "decision": "approve"]
        refused(m.c, [approve], by: m.c.admin, rule: "recovery.same_admin")
        refused(m.c, [approve], by: sameActor, rule: "recovery.same_admin", mentions: "another actor")
        refused(m.c, [approve.with("proposal", "rec-9")], by: other, rule: "recovery.unknown")
        try m.c.h.submit([approve], by: other)
        refused(m.c, Self.resent([approve]), by: other, rule: "recovery.state", mentions: "already approved")
        // The old key stops; the recovered one moves the units.
        #expect(m.c.h.violation([["type": "units.transfer", "batch": "b1", "from": "prj-metro", "to": "e-byd", "units": 1]], by: m.owner)?.id == "auth.revoked")
        try m.c.h.submit([["type": "units.transfer", "batch": "b1", "from": "prj-metro", "to": "e-byd", "units": 1]], by: newKey)
        let rec = m.c.h.get("recovery/rec-1")
        #expect(rec?["status"] == "approved" && rec?["proposed_by"] == "registry" && rec?["decided_by"] == "admin-2"
                && rec?["revoked_keys"] == [.string(m.owner.verifierKey.description)])
        let lines = m.c.h.state.writes.keys.filter { $0.hasPrefix("hist/") && $0.contains("/prj-metro/") }.compactMap { m.c.h.get($0)?["event"]?.stringValue }
        #expect(lines.contains("key.recover") && lines.contains("key.recover.approve"))
        // A rejected proposal never takes effect; the proposer may withdraw it.
        let spare = try NoteSigningKey.generate(name: "prj-metro-spare")
        try m.c.h.submit([propose.with("proposal", "rec-2").with("key", .string(spare.verifierKey.description))], by: m.c.admin)
        try m.c.h.submit([approve.with("proposal", "rec-2").with("decision", "reject")], by: m.c.admin)
        refused(m.c, [approve.with("proposal", "rec-2")], by: other, rule: "recovery.state", mentions: "rejected")
        // An account that never had a key nor holds units gets its first one from an admin.
        try m.c.h.submit([City.register(thief, actor: "e-3", roles: ["holder"], scenarios: ["*"], regions: ["*"])], by: m.c.admin)
        // An exchange the holders authorised is no back door: its second key takes a recovery too.
        let exchangeTwin = try NoteSigningKey.generate(name: "szex-twin")
        refused(m.c, [City.register(exchangeTwin, actor: "szex", roles: ["exchange"], scenarios: ["*"], regions: ["*"])], by: m.c.admin,
                rule: "key.holder_exists", mentions: "szex already has exchange keys")
        let exchangeRecovery: JSONValue = ["type": "key.recover", "proposal": "rec-x", "account": "szex", "role": "exchange",
                                           "key": .string(exchangeTwin.verifierKey.description), "reason": "exchange HSM replaced"]
        refused(m.c, [exchangeRecovery.with("account", "nobody")], by: m.c.admin, rule: "account.unknown", mentions: "never had an exchange key")
        refused(m.c, [exchangeRecovery.with("role", "admin")], by: m.c.admin, rule: "key.recover.fields")
        try m.c.h.submit([exchangeRecovery], by: m.c.admin)
        try m.c.h.submit([approve.with("proposal", "rec-x")], by: other)
        #expect(m.c.h.violation([["type": "units.transfer", "batch": "b1", "from": "prj-metro", "to": "e-byd", "units": 2]], by: m.exchange)?.id == "auth.revoked")
        #expect(m.c.h.get(RuleContext.keyPath(exchangeTwin.verifierKey))?["roles"] == ["exchange"])

        // v1: the takeover that issue 21 found is what a v1 log may hold.
        let old = try Market(rules: .v1)
        try old.issued()
        try old.c.h.submit([takeover], by: old.c.admin)
        try old.c.h.submit([["type": "units.transfer", "batch": "b1", "from": "prj-metro", "to": "e-byd", "units": 14]], by: thief)
    }

    // 4. One discrete act counts once, whoever reports it; linked accounts share their intervals.
    @Test func oneDiscreteActIsCreditedOnceWhicheverPlatformReportsIt() throws {
        for rules in [RuleSet.v2, .v1] {
            let c = try City(rules: rules)
            let bank = try NoteSigningKey.generate(name: "bank-key")
            try c.h.submit([City.register(bank, actor: "bank", scenarios: ["no_cutlery_order"], regions: ["440000"]),
                            ["type": "methodology.register", "id": "gd-no-cutlery", "version": 1, "title": "Takeaway without cutlery",
                             "scenario": "no_cutlery_order", "region": "440000", "unit": "order", "kind": "quantitative", "factor_mg": 50_000,
                             "valid_from": "2026-01-01T00:00:00.000Z"]], by: c.admin)
            try c.h.submit([City.consent("p-1", "bank"), City.consent("p-2", "bank")], by: bank)
            let act = rules == .v2 ? City.actID("no_cutlery_order", merchant: "91440300MA5F0001X", order: "TO-20261121-0042", day: "20261121") : ""
            let order = { (account: String, ref: String) in City.trip(account, "no_cutlery_order", amount: 1, from: 60, to: 60, ref: ref, act: act) }
            let first = try c.h.submit([order("p-1", "app-0042")], by: c.city)
            let credited = c.account("p-1").int("credited_mg")
            if rules == .v2 {
                // The bank's card-linked report, the app's retry with a new ref: the same act.
                refused(c, [order("p-2", "bank-771")], by: bank, rule: "behaviour.double_counted", field: "act", mentions: "entry \(first) (reported by greenlife)")
                refused(c, [order("p-1", "app-0042-retry")], by: c.city, rule: "behaviour.double_counted", mentions: "entry \(first)")
                // The same ref again is the idempotent duplicate it always was.
                try c.h.submit(Self.resent([order("p-1", "app-0042")]), by: c.city)
                #expect(c.account("p-1").int("credited_mg") == credited)
                refused(c, [City.trip("p-1", "no_cutlery_order", amount: 1, from: 60, to: 60, ref: "no-act", act: "")], by: c.city,
                        rule: "behaviour.report.fields", field: "act")
                refused(c, [City.trip("p-1", "metro", amount: 1, from: 0, to: 10, ref: "m-act").with("act", .string(act))], by: c.metro,
                        rule: "behaviour.report.fields", field: "act")
                // A reversed report frees its act for the right one.
                try c.h.submit([["type": "behaviour.reverse", "seq": .int(Int64(first)), "reason": "reported for the wrong resident"]], by: c.city)
                try c.h.submit([order("p-2", "bank-771")], by: bank)
                #expect(c.account("p-2").int("credited_mg") == 50_000)
            } else {
                // v1 counted the act once per platform and ref: three credits.
                try c.h.submit([order("p-2", "bank-771")], by: bank)
                try c.h.submit([order("p-1", "app-0042-retry")], by: c.city)
                #expect(c.account("p-1").int("credited_mg") == 2 * credited && c.account("p-2").int("credited_mg") == credited)
            }
        }
    }

    @Test func linkedAccountsOfOnePersonShareTheirIntervals() throws {
        let c = try City()
        try c.h.submit([["type": "account.open", "account": "q-1", "kind": "person", "region": "440305"]], by: c.metro)
        try c.h.submit([City.consent("q-1", "bikeshare")], by: c.bike)
        // Unlinked, a metro ride of p-1 and a bike ride of q-1 at the same minutes both count.
        try c.h.submit([City.trip("p-1", "metro", amount: 1000, from: 0, to: 30, ref: "m-1")], by: c.metro)
        try c.h.submit([City.trip("q-1", "bike", amount: 1000, from: 10, to: 20, ref: "b-1")], by: c.bike)
        let person = ActIdentity.person(salt: City.salt, identity: "resident 440305-0001")
        let link = { (account: String) -> JSONValue in ["type": "account.link", "account": .string(account), "person": .string(person)] }
        refused(c, [link("q-1")], by: c.metro, rule: "consent.missing")
        refused(c, [link("e-1")], by: c.admin, rule: "account.kind")
        refused(c, [link("q-1").with("person", "not-hex")], by: c.bike, rule: "account.link.fields")
        try c.h.submit([link("p-1")], by: c.metro)
        let linkedAt = try c.h.submit([link("q-1")], by: c.bike)
        try c.h.submit(Self.resent([link("q-1")]), by: c.bike)  // attested again: no effect
        refused(c, [link("q-1").with("person", .string(String(repeating: "0f", count: 32)))], by: c.bike, rule: "link.conflict", mentions: "seq \(linkedAt)")
        // Linked, one person's overlapping journeys on two platforms count once, either way round.
        let metro = try c.h.submit([City.trip("p-1", "metro", amount: 1000, from: 100, to: 130, ref: "m-2")], by: c.metro)
        refused(c, [City.trip("q-1", "bike", amount: 1000, from: 110, to: 120, ref: "b-2")], by: c.bike, rule: "behaviour.double_counted",
                mentions: "account p-1, linked to q-1 as one person, already has a journey behaviour overlapping")
        let bike = try c.h.submit([City.trip("q-1", "bike", amount: 1000, from: 200, to: 220, ref: "b-3")], by: c.bike)
        refused(c, [City.trip("p-1", "metro", amount: 1000, from: 190, to: 210, ref: "m-3")], by: c.metro, rule: "behaviour.double_counted",
                mentions: "entry \(bike)")
        // Back to back is no overlap.
        try c.h.submit([City.trip("q-1", "bike", amount: 1000, from: 130, to: 140, ref: "b-4")], by: c.bike)
        #expect(c.h.get("person/\(person)")?["accounts"] == ["p-1", "q-1"] && metro > 0)
    }

    // 5. A resent redemption is debited once.
    @Test func aResentRedemptionIsDebitedOnce() throws {
        for rules in [RuleSet.v2, .v1] {
            let c = try City(rules: rules)
            try c.h.submit([City.trip("p-1", "metro", amount: 10_000, from: 0, to: 30, ref: "m-1")], by: c.metro)
            let redeem: JSONValue = ["type": "points.redeem", "account": "p-1", "points": 2, "reward": "one metro ride", "ref": "rd-1"]
            let first = try c.h.submit([redeem], by: c.metro)
            try c.h.submit(Self.resent([redeem]), by: c.metro)
            let redeemed = c.h.get("pts/p-1/szmetro")!.int("redeemed")
            if rules == .v2 {
                #expect(redeemed == 2 && c.h.get("totals")?.int("redeem_duplicates") == 1)
                refused(c, [redeem.with("points", 1)], by: c.metro, rule: "points.ref_reused", field: "ref", mentions: "seq \(first)")
                // Refs are per platform: another platform's rd-1 is its own.
                try c.h.submit([City.trip("p-1", "clean_plate", amount: 1, from: 40, to: 40, ref: "cp-1")], by: c.city)
                try c.h.submit([redeem.with("points", 5)], by: c.city)
                #expect(c.h.get("pts/p-1/greenlife")!.int("redeemed") == 5)
            } else {
                #expect(redeemed == 4, "v1 debited a resent redemption again")
            }
        }
    }

    // 7. A project aggregates only what its residents consented its platforms to aggregate.
    @Test func aProjectLocksOnlyReportsItsPlatformsResidentsConsentedToIt() throws {
        for rules in [RuleSet.v2, .v1] {
            let m = try Market(rules: rules)
            // greenlife (scope *) reports a metro trip of p-2, who consented to aggregation with greenlife.
            let other = try m.c.h.submit([City.trip("p-2", "metro", amount: 100_000, from: 300, to: 350, ref: "gl-metro-1")], by: m.c.city)
            let otherMg = m.c.h.get("beh/\(String(format: "%016llu", other))")?["credited_mg"]
            m.c.h.time = Timestamp(rfc3339: "2026-11-23T03:00:00.000Z")!
            try m.c.h.submit([m.request("rq-1")], by: m.c.metro)
            let r = m.c.h.get("req/rq-1")!
            if rules == .v2 {
                #expect(r["count"] == 3 && r["total_mg"] == 14_400_000, "only szmetro's own reports: \(r)")
                #expect(m.c.h.get("proj/metro-2026")?["platforms"] == ["szmetro"])
                let project: JSONValue = ["type": "project.register", "project": "city-2026", "owner": "prj-metro", "methodologies": ["sz-metro"],
                                          "region": "440300", "description": "the programme's own project"]
                refused(m.c, [project], by: m.c.admin, rule: "project.platforms", mentions: "an admin's project names the platforms")
                refused(m.c, [project.with("platforms", ["szmetro"])], by: m.c.city, rule: "project.platforms", mentions: "[\"greenlife\"]")
                // The programme's project names greenlife: it gets greenlife's report, which no other request locked.
                try m.c.h.submit([project.with("platforms", ["greenlife"])], by: m.c.admin)
                try m.c.h.submit([m.request("rq-2").with("project", "city-2026")], by: m.c.admin)
                #expect(m.c.h.get("req/rq-2")?["count"] == 1 && m.c.h.get("req/rq-2")?["total_mg"] == otherMg && otherMg != nil)
            } else {
                #expect(r["count"] == 4, "v1 aggregated every platform's consented reports")
                let v = m.c.h.violation([["type": "project.register", "project": "x", "owner": "prj-metro", "methodologies": ["sz-metro"],
                                          "region": "440300", "description": "x", "platforms": ["szmetro"]]], by: m.c.metro)
                #expect(v?.id == "project.register.fields")
            }
        }
    }
}
