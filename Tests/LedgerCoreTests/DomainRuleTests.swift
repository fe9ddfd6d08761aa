import Testing
@testable import LedgerCore
import TestSupport

/// Every rule of SPEC.md section 8, broken once, with the exact rejection expected and the state
/// left as it was.
@Suite struct DomainRuleTests {
    /// Asserts that `events` by `key` are refused with `rule` (on `field`, at `index`) and change
    /// nothing.
    func refused(_ c: City, _ events: [JSONValue], by key: NoteSigningKey, rule: String, field: String? = nil, index: Int? = nil,
                 mentions: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        let before = c.h.state.writes
        let size = c.h.ledger.size
        let v = c.h.violation(events, by: key)
        #expect(v?.id == rule, "expected \(rule), got \(String(describing: v))", sourceLocation: sourceLocation)
        if let field { #expect(v?.field == field, "field: \(String(describing: v))", sourceLocation: sourceLocation) }
        if let index { #expect(v?.eventIndex == index, sourceLocation: sourceLocation) }
        if let m = mentions { #expect(v?.message.contains(m) == true, "message lacks \(m): \(String(describing: v))", sourceLocation: sourceLocation) }
        #expect(c.h.state.writes == before && c.h.ledger.size == size, "a refused submission changed the state", sourceLocation: sourceLocation)
    }

    // MARK: keys and roles

    @Test func keysRolesAndScopes() throws {
        let c = try City()
        let stranger = try NoteSigningKey.generate(name: "stranger")
        refused(c, [City.trip("p-1", "metro", amount: 5000, from: 0, to: 20, ref: "x")], by: stranger, rule: "auth.unknown_key", field: "signer")
        refused(c, [["type": "methodology.register", "id": "m", "version": 1, "title": "t", "scenario": "metro", "region": "440300",
                     "unit": "m", "kind": "quantitative", "factor_mg": 1, "valid_from": "2026-01-01T00:00:00.000Z"]],
                by: c.metro, rule: "auth.role", field: "signer", mentions: "admin")
        refused(c, [City.trip("p-1", "metro", amount: 5000, from: 0, to: 20, ref: "x")], by: c.admin, rule: "auth.role", mentions: "platform")
        refused(c, [City.trip("p-1", "bike", amount: 5000, from: 0, to: 20, ref: "x")], by: c.metro, rule: "auth.scope", field: "scenario")
        refused(c, [City.trip("p-1", "metro", amount: 5000, from: 0, to: 20, ref: "x", region: "310101")], by: c.metro, rule: "auth.scope", field: "region")
        refused(c, [City.register(c.metro, actor: "szmetro", scenarios: ["metro"], regions: ["440300"])], by: c.admin, rule: "key.duplicate")
        refused(c, [City.register(stranger, actor: "x", roles: ["pilot"], scenarios: ["*"], regions: ["*"])], by: c.admin, rule: "key.register.fields", field: "roles[0]")
        refused(c, [City.register(stranger, actor: "x", scenarios: ["flying"], regions: ["*"])], by: c.admin, rule: "key.register.fields", field: "scenarios[0]")
        refused(c, [["type": "key.revoke", "key": .string(stranger.verifierKey.description), "reason": "r"]], by: c.admin, rule: "key.unknown")
        refused(c, [["type": "key.revoke", "key": .string(c.admin.verifierKey.description), "reason": "r"]], by: c.admin, rule: "key.last_admin")

        // Revocation takes effect from its own entry on, even inside one submission.
        try c.h.submit([City.trip("p-1", "metro", amount: 1000, from: 0, to: 10, ref: "before-revoke")], by: c.metro)
        try c.h.submit([["type": "key.revoke", "key": .string(c.metro.verifierKey.description), "reason": "key leaked"]], by: c.admin)
        refused(c, [City.trip("p-1", "metro", amount: 1000, from: 20, to: 30, ref: "after-revoke")], by: c.metro, rule: "auth.revoked", mentions: "revoked at seq")
        refused(c, [City.register(c.metro, actor: "szmetro", scenarios: ["metro"], regions: ["440300"])], by: c.admin, rule: "key.revoked")
        // An admin added later can be revoked while another admin remains.
        let admin2 = try NoteSigningKey.generate(name: "admin-2")
        try c.h.submit([City.register(admin2, actor: "ops", roles: ["admin"], scenarios: ["*"], regions: ["*"])], by: c.admin)
        try c.h.submit([["type": "key.revoke", "key": .string(c.admin.verifierKey.description), "reason": "rotated"]], by: admin2)
        refused(c, [["type": "note", "text": "x"]], by: c.admin, rule: "auth.revoked")
        refused(c, [["type": "key.revoke", "key": .string(admin2.verifierKey.description), "reason": "r"]], by: admin2, rule: "key.last_admin")
    }

    // MARK: methodologies and accounts

    @Test func methodologiesAndAccounts() throws {
        let c = try City()
        func meth(_ extra: KeyValuePairs<String, JSONValue>) -> JSONValue {
            var o: JSONObject = ["type": "methodology.register", "id": "sz-walk", "version": 1, "title": "Walking", "scenario": "walking",
                                 "region": "440300", "unit": "m", "kind": "quantitative", "factor_mg": 40, "valid_from": "2026-01-01T00:00:00.000Z"]
            for (k, v) in extra { o[k] = v == .null ? Optional<JSONValue>.none : v }
            return .object(o)
        }
        refused(c, [meth(["id": "sz-metro", "scenario": "metro", "version": 1])], by: c.admin, rule: "methodology.duplicate")
        refused(c, [meth(["baseline_mg": 100, "project_mg": 50])], by: c.admin, rule: "methodology.register.fields", field: "factor_mg")
        refused(c, [meth(["factor_mg": .null, "baseline_mg": 50, "project_mg": 80])], by: c.admin, rule: "methodology.register.fields", field: "project_mg")
        refused(c, [meth(["factor_mg": 0])], by: c.admin, rule: "methodology.register.fields", field: "factor_mg")
        refused(c, [meth(["valid_to": "2025-01-01T00:00:00.000Z"])], by: c.admin, rule: "methodology.register.fields", field: "valid_to")
        refused(c, [meth(["unit": "furlong"])], by: c.admin, rule: "methodology.register.fields", field: "unit")
        refused(c, [meth(["id": "other-metro", "scenario": "metro"])], by: c.admin, rule: "methodology.ambiguous")
        try c.h.submit([meth([:])], by: c.admin)

        refused(c, [["type": "account.open", "account": "p-1", "kind": "person", "region": "440305"]], by: c.metro, rule: "account.duplicate")
        refused(c, [["type": "account.open", "account": "p-13800138000", "kind": "person", "region": "440305"]], by: c.metro,
                rule: "account.open.fields", field: "account", mentions: "phone")
        refused(c, [["type": "account.open", "account": "corp", "kind": "enterprise", "region": "440305"]], by: c.metro, rule: "auth.role", field: "kind")
        refused(c, [["type": "account.open", "account": "w-2", "kind": "employee", "region": "440305"]], by: c.metro, rule: "account.employer")
        refused(c, [["type": "account.open", "account": "w-2", "kind": "employee", "region": "440305", "employer": "p-1"]], by: c.metro, rule: "account.employer")
        refused(c, [["type": "account.open", "account": "p-3", "kind": "person", "region": "440305", "employer": "e-1"]], by: c.metro, rule: "account.employer")
        refused(c, [["type": "account.open", "account": "p-3", "kind": "person", "region": "310101"]], by: c.metro, rule: "auth.scope", field: "region")
        refused(c, [["type": "account.open", "account": "p-3", "kind": "person", "region": "44030"]], by: c.metro, rule: "account.open.fields", field: "region")
        refused(c, [City.consent("p-1", "bikeshare")], by: c.metro, rule: "auth.role", field: "platform")
        refused(c, [City.consent("e-1", "szmetro")], by: c.metro, rule: "account.kind")
        refused(c, [City.consent("nobody", "szmetro")], by: c.metro, rule: "account.unknown")
        refused(c, [["type": "consent.revoke", "account": "p-2", "platform": "bikeshare"]], by: c.bike, rule: "consent.missing")
    }

    /// Selection takes the most specific region with a version valid at the behaviour's start:
    /// a city methodology not yet valid falls through to the province's, and serves once valid.
    @Test func methodologySelectionFallsThroughRegionsWithoutAValidVersion() throws {
        let c = try City()
        try c.h.submit([["type": "methodology.register", "id": "sz-bus", "version": 1, "title": "Shenzhen buses", "scenario": "bus",
                         "region": "440300", "unit": "trip", "kind": "quantitative", "factor_mg": 200_000,
                         "valid_from": "2026-12-01T00:00:00.000Z"]], by: c.admin)
        let before = try c.h.submit([City.trip("p-2", "bus", amount: 1, from: 0, to: 30, ref: "b-1")], by: c.metro)
        #expect(c.h.get("beh/\(pad(before))")?["methodology"] == "gd-bus")
        c.h.time = Timestamp(rfc3339: "2026-12-02T12:00:00.000Z")!
        let after = try c.h.submit([City.trip("p-2", "bus", amount: 1, from: 11 * 24 * 60, to: 11 * 24 * 60 + 30, ref: "b-2")], by: c.metro)
        #expect(c.h.get("beh/\(pad(after))")?["methodology"] == "sz-bus")
        #expect(c.account("p-2")["credited_mg"] == 571_000)  // 371,000 from gd-bus, 200,000 from sz-bus
    }

    // MARK: behaviour

    /// Every record one behaviour report writes, member by member (SPEC.md 8.7): the rules
    /// build the ones only it writes as canonical bytes, and these must stay what they were.
    @Test func aBehaviourReportWritesExactlyTheseRecords() throws {
        let c = try City()
        let seq = try c.h.submit([City.trip("p-1", "metro", amount: 12_400, from: 0, to: 25, ref: "m/1")], by: c.metro)
        let s = pad(seq)
        // SPEC.md section 10: the history line under its seq's million; its interval and its
        // credit to the daily cap are the index of behaviours', not records.
        #expect(c.h.get("beh/\(s)") == [
            "account": "p-1", "amount": 12_400, "capped": true, "credited_mg": 595_200, "day": "20261121",
            "end": "2026-11-21T08:25:00.000Z",
            "leaf": .string(c.h.leafHashes[Int(seq)].hex), "methodology": "sz-metro", "platform": "szmetro", "points": 7,
            "qualitative": false, "reduction_mg": 595_200, "region": "440305", "scenario": "metro", "start": "2026-11-21T08:00:00.000Z",
            "version": 1,
        ])
        let index = try #require(c.h.state.behaviourIndex)
        #expect(index.latestInterval(of: IntervalOwner(account: "p-1", family: "journey"), startingBefore: .max)
                == IndexedInterval(start: 1_795_248_000_000, end: 1_795_249_500_000, seq: Int64(seq), platform: "szmetro"))
        #expect(c.h.get("src/szmetro/m%2F1") == ["seq": .int(Int64(seq))])
        #expect(c.h.get("elig/sz-metro/20261121/\(s)") == ["account": "p-1", "credited_mg": 595_200, "platform": "szmetro", "region": "440305"])
        #expect(c.h.get("hist/\(s.prefix(10))/p-1/\(s)") == ["credited_mg": 595_200, "event": "behaviour.report", "points": 7, "qualitative_mg": 0, "scenario": "metro"])
        let day = Timestamp(rfc3339: "2026-11-21T08:00:00.000Z")!.cstDayNumber
        #expect(index.capUsed(DailyCapKey(day: day, account: "p-1", methodology: "sz-metro")) == 595_200)
        #expect(!c.h.lastRuleWrites.contains { $0.hasPrefix("iv/") || $0.hasPrefix("ivlong/") || $0.hasPrefix("cap/") }, "\(c.h.lastRuleWrites)")
    }

    @Test func behaviourIsQuantifiedCappedAndCredited() throws {
        let c = try City()
        // 12.4 km by metro: 12,400 m x 48 mg = 595,200 mg; points 2 + 595200/100000 = 7.
        try c.h.submit([City.trip("p-1", "metro", amount: 12_400, from: 0, to: 25, ref: "m-1")], by: c.metro)
        #expect(c.account("p-1")["credited_mg"] == 595_200)
        #expect(c.points("p-1", "szmetro") == 7)
        // The daily cap (5 kg) limits a long day; the next day is fresh.
        try c.h.submit([City.trip("p-1", "metro", amount: 100_000, from: 30, to: 90, ref: "m-2")], by: c.metro)
        #expect(c.account("p-1")["credited_mg"] == 5_000_000)
        try c.h.submit([City.trip("p-1", "metro", amount: 1_000, from: 100, to: 110, ref: "m-3")], by: c.metro)
        #expect(c.account("p-1")["credited_mg"] == 5_000_000)
        #expect(c.h.get("beh/\(pad(c.h.ledger.size - 1))")?["credited_mg"] == 0)
        c.h.time = Timestamp(rfc3339: "2026-11-22T12:00:00.000Z")!
        try c.h.submit([City.trip("p-1", "metro", amount: 1_000, from: 24 * 60, to: 24 * 60 + 10, ref: "m-4")], by: c.metro)
        #expect(c.account("p-1")["credited_mg"] == 5_048_000)
        // Region: a Guangdong methodology serves a Shenzhen district (440305 -> 440300 -> 440000).
        try c.h.submit([City.trip("p-2", "bus", amount: 1, from: 0, to: 30, ref: "b-1")], by: c.metro)
        #expect(c.account("p-2")["credited_mg"] == 371_000)
        // An employee's reductions show on the employer.
        try c.h.submit([City.trip("w-1", "metro", amount: 10_000, from: 0, to: 20, ref: "w-1")], by: c.metro)
        #expect(c.account("e-1")["employees_credited_mg"] == 480_000)
        // Qualitative: points only, never issuable.
        try c.h.submit([City.trip("p-1", "clean_plate", amount: 1, from: 200, to: 200, ref: "cp-1")], by: c.city)
        #expect(c.account("p-1")["qualitative_mg"] == 144_000 && c.account("p-1")["credited_mg"] == 5_048_000)
        #expect(c.points("p-1", "greenlife") == 5)
        let totals = c.h.get("totals")!
        #expect(totals["credited_mg"]?.intValue == 5_048_000 + 371_000 + 480_000 && totals["behaviours"] == 7)
    }

    @Test func behaviourRules() throws {
        let c = try City()
        refused(c, [City.trip("p-9", "metro", amount: 100, from: 0, to: 5, ref: "r")], by: c.metro, rule: "account.unknown")
        refused(c, [City.trip("e-1", "metro", amount: 100, from: 0, to: 5, ref: "r")], by: c.metro, rule: "account.kind")
        refused(c, [City.trip("p-2", "bike", amount: 100, from: 0, to: 5, ref: "r")], by: c.bike, rule: "consent.missing")
        refused(c, [City.trip("p-1", "walking", amount: 100, from: 0, to: 5, ref: "r")], by: c.metro, rule: "methodology.none")
        refused(c, [City.trip("p-1", "metro", amount: 100, from: 10, to: 5, ref: "r")], by: c.metro, rule: "behaviour.time", field: "end")
        refused(c, [City.trip("p-1", "metro", amount: 100, from: 10, to: 10, ref: "r")], by: c.metro, rule: "behaviour.time")
        refused(c, [City.trip("p-1", "metro", amount: 100, from: 0, to: 300, ref: "r")], by: c.metro, rule: "behaviour.future")
        refused(c, [City.trip("p-1", "metro", amount: JSONValue.maxSafeInteger, from: 0, to: 5, ref: "r")], by: c.metro, rule: "behaviour.amount")
        refused(c, [City.trip("p-1", "metro", amount: -1, from: 0, to: 5, ref: "r")], by: c.metro, rule: "behaviour.report.fields", field: "amount")
        var noRef = City.trip("p-1", "metro", amount: 1, from: 0, to: 5, ref: "r").objectValue!
        noRef["source_ref"] = nil
        refused(c, [.object(noRef)], by: c.metro, rule: "behaviour.report.fields", field: "source_ref")
        // Two reports of nearly 2^53-1 mg each to one account: its credit and the totals stop at
        // 2^53-1 (the integers canonical JSON carries) instead of stopping the ledger when
        // stored (the canonical encoder traps beyond them).
        let huge = JSONValue.maxSafeInteger / 140
        try c.h.submit([City.trip("p-1", "bike", amount: huge, from: 0, to: 5, ref: "huge-1"),
                        City.trip("p-1", "bike", amount: huge, from: 10, to: 15, ref: "huge-2")], by: c.bike)
        #expect(c.account("p-1")["credited_mg"] == .int(JSONValue.maxSafeInteger))
        #expect(c.h.get("totals")?["credited_mg"] == .int(JSONValue.maxSafeInteger))
        // Consent revoked: later reports are refused.
        try c.h.submit([["type": "consent.revoke", "account": "p-2", "platform": "szmetro"]], by: c.metro)
        refused(c, [City.trip("p-2", "metro", amount: 100, from: 0, to: 5, ref: "r")], by: c.metro, rule: "consent.missing")
    }

    /// The white paper's problem 2: the bike app and the city platform both credit one ride.
    @Test func doubleCountingAcrossPlatformsIsRefusedNamingTheEntry() throws {
        let c = try City()
        let seq = try c.h.submit([City.trip("p-1", "bike", amount: 3_000, from: 0, to: 15, ref: "ride-77")], by: c.bike)
        refused(c, [City.trip("p-1", "bike", amount: 3_000, from: 1, to: 14, ref: "gl-ride-1")], by: c.city,
                rule: "behaviour.double_counted", field: "start", mentions: "entry \(seq)")
        // A metro trip overlapping the ride is the same journey family.
        refused(c, [City.trip("p-1", "metro", amount: 3_000, from: 10, to: 30, ref: "m-x")], by: c.metro,
                rule: "behaviour.double_counted", mentions: "entry \(seq)")
        // Overlap inside one submission is caught too, and the first event is not kept.
        refused(c, [City.trip("p-1", "metro", amount: 1, from: 40, to: 50, ref: "m-a"), City.trip("p-1", "metro", amount: 1, from: 45, to: 55, ref: "m-b")],
                by: c.metro, rule: "behaviour.double_counted", index: 1)
        // Back-to-back journeys do not overlap.
        try c.h.submit([City.trip("p-1", "metro", amount: 1_000, from: 15, to: 30, ref: "m-after")], by: c.metro)
        // The same (platform, source_ref) again is an idempotent duplicate: appended, no effect.
        let credited = c.account("p-1")["credited_mg"]
        try c.h.submit([City.trip("p-1", "bike", amount: 3_000, from: 0, to: 15, ref: "ride-77"),
                        City.trip("w-1", "bike", amount: 2_000, from: 100, to: 110, ref: "ride-90")], by: c.bike)
        #expect(c.account("p-1")["credited_mg"] == credited)
        #expect(c.h.get("totals")?["duplicates"] == 1)
        // Another account may ride at the same time.
        try c.h.submit([City.trip("w-1", "bike", amount: 3_000, from: 0, to: 15, ref: "ride-78")], by: c.bike)
    }

    /// The overlap check sees every interval, whatever its length and however many midnights it
    /// spans (SPEC.md section 10, the index of behaviours). Random rides of a few minutes to
    /// five days, across midnights, some reversed, are checked after every step against a plain
    /// list: refused exactly when they overlap a live interval, naming the live interval that
    /// starts last before the new one ends.
    @Test func overlapIsFoundAcrossDaysWhateverTheIntervalsLength() throws {
        // Months of rides reported at one time: a window that long.
        let c = try City(windows: Windows(reportDays: 3660, reversalDays: 3660))
        c.h.time = Timestamp(rfc3339: "2027-04-01T00:00:00.000Z")!
        var rng = SplitMix64(seed: 20261121)
        var live: [(from: Int64, to: Int64, seq: UInt64)] = []
        var refusedCount = 0, reversals = 0, long = 0
        for i in 0..<600 {
            if !live.isEmpty, rng.next() % 8 == 0 {
                let victim = live.remove(at: Int(rng.next() % UInt64(live.count)))
                try c.h.submit([["type": "behaviour.reverse", "seq": .int(Int64(victim.seq)), "reason": "test"]], by: c.bike)
                reversals += 1
                continue
            }
            let from = Int64(rng.next() % (120 * 1440))
            let length: Int64 = switch rng.next() % 10 {
            case 0..<6: Int64(1 + rng.next() % 600)
            case 6..<8: [1439, 1440, 1441][Int(rng.next() % 3)]
            default: Int64(1441 + rng.next() % (5 * 1440))
            }
            let to = from + length
            let overlapping = live.filter { $0.from < to && $0.to > from }
            let ride = City.trip("p-1", "bike", amount: 10, from: from, to: to, ref: "ride-\(i)")
            if overlapping.isEmpty {
                let seq = try c.h.submit([ride], by: c.bike)
                live.append((from, to, seq))
                if length > 1440 { long += 1 }
            } else {
                let v = c.h.violation([ride], by: c.bike)
                let named = live.filter { $0.from < to }.max { $0.from < $1.from }!
                #expect(v?.id == "behaviour.double_counted" && v?.conflictingSeq == named.seq,
                        "ride \(i) \(from)-\(to) overlaps \(overlapping.map(\.seq)): \(String(describing: v))")
                refusedCount += 1
            }
        }
        // Every kind of case happened.
        #expect(refusedCount > 50 && reversals > 20 && long > 5 && live.count > 50, "\(refusedCount) \(reversals) \(long) \(live.count)")
        // The index holds exactly the live intervals, in order; reversed ones are gone.
        let base: Int64 = 1_795_248_000_000
        let index = try #require(c.h.state.behaviourIndex as? BehaviourIndex)
        #expect(index.contents.intervals[IntervalOwner(account: "p-1", family: "journey")]?.map(\.seq) == live.sorted { $0.from < $1.from }.map { Int64($0.seq) })
        #expect(index.contents.intervals[IntervalOwner(account: "p-1", family: "journey")]?.map(\.start) == live.map { base + $0.from * 60_000 }.sorted())
        #expect(index.intervalCount == live.count)
    }

    /// Source references are compared as exact bytes: references that differ only in `/`, `%`,
    /// spaces or non-ASCII text are different reports; the same bytes again are a duplicate.
    @Test func sourceReferencesAreComparedExactly() throws {
        let c = try City()
        let refs = ["a/b", "a%2Fb", "a%252Fb", "a b", "a%20b", "é", "e\u{301}", "碳普惠/2026-11-21/1", "%", "%25"]
        for (i, ref) in refs.enumerated() {
            try c.h.submit([City.trip("p-1", "metro", amount: 1_000, from: Int64(i * 10), to: Int64(i * 10 + 5), ref: ref)], by: c.metro)
        }
        #expect(c.account("p-1")["behaviours"] == .int(Int64(refs.count)))
        // Sent again, all in one submission (a new one, so not a replay): duplicates only.
        try c.h.submit(refs.enumerated().map { i, ref in
            City.trip("p-1", "metro", amount: 1_000, from: Int64(i * 10), to: Int64(i * 10 + 5), ref: ref)
        }, by: c.metro)
        #expect(c.account("p-1")["behaviours"] == .int(Int64(refs.count)))
        #expect(c.h.get("totals")?["duplicates"] == .int(Int64(refs.count)))
        // The index keeps the platform's own text (escaped), so ordered references stay together.
        #expect(c.h.get("src/szmetro/a%2Fb") != nil && c.h.get("src/szmetro/%25") != nil)
    }

    @Test func keySegmentsArePrintableOneToOneAndBounded() {
        let samples = ["", "a", "a/b", "a%2Fb", "%", "%25", " ", "\u{0}", "\u{7f}", "~", "!", "é", "e\u{301}", "碳", "\u{1F600}", "A-Z_09.:"]
        var seen: [String: String] = [:]
        for s in samples {
            let k = keySegment(s)
            #expect(k.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") }, "\(s) -> \(k)")
            #expect(seen[k] == nil, "\(s) and \(seen[k] ?? "") share \(k)")
            seen[k] = s
        }
        #expect(keySegment("SZMTR-d5-r123-am") == "SZMTR-d5-r123-am")
        #expect(keySegment("a/b c%") == "a%2Fb%20c%25")
        // The longest reference (128 bytes, all escaped) gives a 384-byte segment.
        #expect(keySegment(String(repeating: "碳", count: 42) + "\u{0}\u{0}").utf8.count == 384)
    }

    @Test func reversalRestoresBalancesAndFreesTheInterval() throws {
        let c = try City()
        let seq = try c.h.submit([City.trip("p-1", "metro", amount: 10_000, from: 0, to: 20, ref: "m-1")], by: c.metro)
        #expect(c.available("p-1") == 480_000 && c.points("p-1", "szmetro") == 6)
        refused(c, [["type": "behaviour.reverse", "seq": .int(Int64(seq)), "reason": "fraud"]], by: c.bike, rule: "auth.role", field: "seq")
        refused(c, [["type": "behaviour.reverse", "seq": 1, "reason": "x"]], by: c.metro, rule: "reverse.unknown")
        try c.h.submit([["type": "behaviour.reverse", "seq": .int(Int64(seq)), "reason": "card cloned"]], by: c.metro)
        #expect(c.available("p-1") == 0 && c.points("p-1", "szmetro") == 0)
        #expect(c.account("p-1")["reversed_mg"] == 480_000)
        refused(c, [["type": "behaviour.reverse", "seq": .int(Int64(seq)), "reason": "again"]], by: c.admin, rule: "reverse.already")
        // The interval is free again; the daily cap was given back.
        try c.h.submit([City.trip("p-1", "bike", amount: 1_000, from: 5, to: 15, ref: "ride-1")], by: c.bike)
        #expect(try #require(c.h.state.behaviourIndex).capUsed(DailyCapKey(day: Timestamp(rfc3339: "2026-11-21T08:00:00.000Z")!.cstDayNumber, account: "p-1", methodology: "sz-metro")) == 0)
        // Reductions already donated, or points already redeemed, cannot be reversed.
        let s2 = try c.h.submit([City.trip("p-1", "metro", amount: 10_000, from: 30, to: 50, ref: "m-2")], by: c.metro)
        try c.h.submit([["type": "points.redeem", "account": "p-1", "points": 6, "reward": "metro day pass", "ref": "rd-1"]], by: c.metro)
        refused(c, [["type": "behaviour.reverse", "seq": .int(Int64(s2)), "reason": "x"]], by: c.metro, rule: "reverse.points_spent")
        let s3 = try c.h.submit([City.trip("w-1", "metro", amount: 5_000, from: 60, to: 70, ref: "w-m")], by: c.metro)
        try c.h.submit([["type": "donation", "account": "w-1", "to": "yangtze-fish", "amount_mg": 200_000]], by: c.metro)
        refused(c, [["type": "behaviour.reverse", "seq": .int(Int64(s3)), "reason": "x"]], by: c.metro, rule: "reverse.spent")
    }

    @Test func pointsAndDonations() throws {
        let c = try City()
        try c.h.submit([City.trip("p-1", "metro", amount: 20_000, from: 0, to: 30, ref: "m-1")], by: c.metro)
        #expect(c.points("p-1", "szmetro") == 11)
        refused(c, [["type": "points.redeem", "account": "p-1", "points": 12, "reward": "r", "ref": "x"]], by: c.metro, rule: "points.insufficient")
        refused(c, [["type": "points.redeem", "account": "p-1", "points": 1, "reward": "r", "ref": "x"]], by: c.bike, rule: "points.insufficient")
        try c.h.submit([["type": "points.redeem", "account": "p-1", "points": 11, "reward": "bus ticket", "ref": "x"]], by: c.metro)
        #expect(c.points("p-1", "szmetro") == 0)
        refused(c, [["type": "points.rule", "scenario": "metro", "points_per_event": 0]], by: c.metro, rule: "points.rule.fields")

        refused(c, [["type": "donation", "account": "p-1", "to": "e-1", "amount_mg": 1]], by: c.metro, rule: "donation.recipient")
        refused(c, [["type": "donation", "account": "p-1", "to": "yangtze-fish", "amount_mg": 960_001]], by: c.metro, rule: "donation.insufficient")
        try c.h.submit([["type": "donation", "account": "p-1", "to": "yangtze-fish", "amount_mg": 500_000,
                         "sponsor": ["name": "Wuhan sponsor", "pledge_fen_per_g": 100]]], by: c.metro)
        #expect(c.available("p-1") == 460_000)
        #expect(c.account("yangtze-fish")["received_mg"] == 500_000)
        #expect(c.h.get("don/\(pad(c.h.ledger.size - 1))")?["pledge_fen"] == 50_000)  // 500 g x 1 yuan
        refused(c, [["type": "donation", "account": "p-1", "to": "yangtze-fish", "amount_mg": 1, "sponsor": ["name": "x"]]], by: c.metro,
                rule: "donation.fields", field: "sponsor")
        // A pledge too large for the ledger's integers is refused (it used to trap the sequencer).
        refused(c, [["type": "donation", "account": "p-1", "to": "yangtze-fish", "amount_mg": .int(JSONValue.maxSafeInteger),
                     "sponsor": ["name": "a boastful sponsor", "pledge_fen_per_g": .int(JSONValue.maxSafeInteger)]]], by: c.metro, rule: "donation.fields", field: "sponsor")
        refused(c, [["type": "donation", "account": "p-1", "to": "yangtze-fish", "amount_mg": 2_000,
                     "sponsor": ["name": "just over", "pledge_fen_per_g": .int(JSONValue.maxSafeInteger / 2 + 1)]]], by: c.metro, rule: "donation.fields", field: "sponsor")
    }

    @Test func notesNeedARegisteredKeyAndText() throws {
        let c = try City()
        try c.h.submit([["type": "note", "text": "registry notice: methodology sz-metro v2 from 2027"]], by: c.admin)
        refused(c, [["type": "note"]], by: c.admin, rule: "note.fields", field: "text")
        refused(c, [["type": "note", "text": "x", "extra": 1]], by: c.admin, rule: "note.fields", field: "extra")
    }
}

func pad(_ v: UInt64) -> String {
    let s = String(v)
    return String(repeating: "0", count: 16 - s.count) + s
}
