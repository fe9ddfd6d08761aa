import Testing
@testable import LedgerCore
import TestSupport

@Suite struct TimestampTests {
    @Test func knownInstants() {
        #expect(Timestamp(millisecondsSinceEpoch: 0).rfc3339 == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(millisecondsSinceEpoch: 1_700_000_000_123).rfc3339 == "2023-11-14T22:13:20.123Z")
        #expect(Timestamp(millisecondsSinceEpoch: -1).rfc3339 == "1969-12-31T23:59:59.999Z")
        #expect(Timestamp(millisecondsSinceEpoch: 951_782_400_000).rfc3339 == "2000-02-29T00:00:00.000Z")
        #expect(Timestamp.maximum.rfc3339 == "9999-12-31T23:59:59.999Z")
        #expect(Timestamp.minimum.rfc3339 == "0000-01-01T00:00:00.000Z")
        var out = Array("x".utf8)
        Timestamp(millisecondsSinceEpoch: 1_700_000_000_123).write(into: &out)
        #expect(out == Array("x2023-11-14T22:13:20.123Z".utf8))
        #expect(Timestamp.minimum.rfc3339 == "0000-01-01T00:00:00.000Z")
    }

    @Test func roundTripsAcrossCenturies() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<20_000 {
            let t = Timestamp(millisecondsSinceEpoch: Int64.random(in: Timestamp.minimum.millisecondsSinceEpoch...Timestamp.maximum.millisecondsSinceEpoch, using: &rng))
            #expect(Timestamp(rfc3339: t.rfc3339) == t)
        }
    }

    @Test func cstDayAgreesWithTheCalendar() {
        var rng = SplitMix64(seed: 8)
        for _ in 0..<20_000 {
            let t = Timestamp(millisecondsSinceEpoch: Int64.random(in: 0...4_102_444_800_000, using: &rng))
            let shifted = Array(Timestamp(millisecondsSinceEpoch: t.millisecondsSinceEpoch + 8 * 3_600_000).rfc3339.utf8)
            #expect(t.cstDay == String(decoding: shifted[0..<4] + shifted[5..<7] + shifted[8..<10], as: UTF8.self))
        }
        #expect(Timestamp(rfc3339: "2026-11-20T16:00:00.000Z")!.cstDay == "20261121")
        #expect(Timestamp(rfc3339: "2026-11-20T15:59:59.999Z")!.cstDay == "20261120")
    }

    /// SPEC.md 1: days of the proleptic Gregorian calendar only (leap days of leap years).
    @Test func leapDaysOfLeapYearsAreTimes() {
        for t in ["2028-02-29T00:00:00.000Z", "2000-02-29T23:59:59.999Z", "0000-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z"] {
            #expect(Timestamp(rfc3339: t)?.rfc3339 == t)
        }
        #expect(Timestamp(rfc3339: "2026-02-30T00:00:00.000Z") == nil && Timestamp(rfc3339: "2100-02-29T00:00:00.000Z") == nil)
    }

    @Test(arguments: ["2023-11-14T22:13:20Z", "2023-11-14T22:13:20.12Z", "2023-11-14 22:13:20.123Z", "2023-11-14T22:13:20.123+00:00",
                      "2023-02-29T00:00:00.000Z", "1900-02-29T00:00:00.000Z", "2023-13-01T00:00:00.000Z", "2023-11-14T24:00:00.000Z",
                      "2023-11-14T22:60:00.000Z", "2023-11-14T22:13:60.000Z", "2023-11-14t22:13:20.123z", "2023-11-00T00:00:00.000Z"])
    func rejectsOtherForms(text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }
}

@Suite struct EntryTests {
    static let key = try! NoteSigningKey(SignedNoteTests.skey)

    static func sample(index: Int = 0) -> Entry {
        Entry(seq: 5, prev: Digest(hex: String(repeating: "01", count: 32))!, time: Timestamp(millisecondsSinceEpoch: 1_700_000_000_123),
              event: ["type": "behaviour.metro", "account": "acc-1", "distance_m": 12000],
              sub: SubmissionRef(root: Digest(hex: String(repeating: "02", count: 32))!, index: index, count: 2,
                                 signer: index == 0 ? key.verifierKey : nil, signature: index == 0 ? [UInt8](repeating: 3, count: 64) : nil))
    }

    @Test func encodesCanonicallyAndRoundTrips() throws {
        for i in [0, 1] {
            let e = Self.sample(index: i)
            let bytes = e.canonicalBytes
            #expect(CanonicalJSON.encode(try JSONParser.parseCanonical(bytes)) == bytes)
            #expect(try Entry.decode(bytes) == e)
        }
        let text = String(decoding: Self.sample(index: 1).canonicalBytes, as: UTF8.self)
        #expect(text == #"{"event":{"account":"acc-1","distance_m":12000,"type":"behaviour.metro"},"prev":"0101010101010101010101010101010101010101010101010101010101010101","seq":5,"sub":{"count":2,"index":1,"root":"0202020202020202020202020202020202020202020202020202020202020202"},"time":"2023-11-14T22:13:20.123Z"}"#)
    }

    @Test func rejectsExtraMissingOrMalformedFields() throws {
        var v = try JSONParser.parse(Self.sample(index: 1).canonicalBytes).objectValue!
        let bad: [(String, JSONValue?)] = [("extra", 1), ("seq", nil), ("seq", -1), ("seq", "5"), ("prev", "01"), ("time", "2023-11-14T22:13:20Z"),
                                           ("event", "x"), ("sub", ["count": 2, "index": 2, "root": .string(String(repeating: "02", count: 32))]),
                                           ("sub", ["count": 2, "index": 0, "root": .string(String(repeating: "02", count: 32))])]
        for (k, value) in bad {
            let saved = v[k]
            v[k] = value
            #expect(throws: EntryError.self, "\(k) = \(String(describing: value))") { _ = try Entry.decode(CanonicalJSON.encode(.object(v))) }
            v[k] = saved
        }
        var spaced = Self.sample().canonicalBytes
        spaced.insert(0x20, at: 1)
        #expect(throws: EntryError.json(.notCanonical(offset: 1))) { _ = try Entry.decode(spaced) }
    }
}

@Suite struct ReducerTests {
    /// The region hierarchy (district, city, province, nation), and `Region.covers`, which walks
    /// it without building the list, agreeing with the list for every pair of codes (digits drawn
    /// mostly from 0 and 4, so that cities, provinces and the nation all occur).
    @Test func regionCoverageAgreesWithTheContainingRegions() {
        var rng = SplitMix64(seed: 440305)
        let digits: [Character] = ["0", "0", "0", "4", "4", "1"]
        func code() -> String { Int.random(in: 0..<10, using: &rng) == 0 ? "CN" : String((0..<6).map { _ in digits.randomElement(using: &rng)! }) }
        var covered = 0
        for _ in 0..<20_000 {
            let scope = code(), c = code()
            let expected = Region.containing(c).contains(scope)
            #expect(Region.covers(scope, c) == expected, "\(scope) covers \(c)")
            if expected && scope != c { covered += 1 }
        }
        #expect(covered > 1000, "too few pairs where a larger region covers a smaller one: \(covered)")
        #expect(Region.containing("440305") == ["440305", "440300", "440000", "CN"])
        #expect(Region.containing("440300") == ["440300", "440000", "CN"] && Region.containing("440005") == ["440005", "440000", "CN"])
        #expect(Region.containing("440000") == ["440000", "CN"] && Region.containing("001234") == ["001234", "001200", "000000", "CN"])
        #expect(Region.containing("CN") == ["CN"])
        #expect(Region.covers("*", "440305") && Region.covers("440300", "440305") && Region.covers("440000", "440305"))
        #expect(!Region.covers("440305", "440300") && !Region.covers("440300", "CN") && !Region.covers("310000", "440305"))
    }

    static let platform = try! NoteSigningKey.generate(name: "metro-app")
    static let origin = "carbonledger.test/rules"

    @Test func genesisSetsOriginKeyAndAdmins() throws {
        let admin = try NoteSigningKey.generate(name: "admin-1")
        let h = try RuleHarness(origin: Self.origin, admins: [admin.verifierKey])
        #expect(h.ledger.origin == Self.origin && h.ledger.registryKey == h.registry.verifierKey && h.ledger.size == 1)
        let kid = admin.verifierKey.description.split(separator: "+")[1]
        #expect(h.get("key/admin-1+\(kid)")?["roles"] == ["admin"])
        // The registry key is not an admin unless listed.
        #expect(h.violation([["type": "note", "text": "hi"]], by: h.registry)?.id == "auth.unknown_key")
        #expect(h.violation([["type": "note", "text": "hi"]], by: admin) == nil)
    }

    @Test func genesisRules() throws {
        let registry = try NoteSigningKey.generate(name: "registry")
        let good = Reducer.genesisEvent(origin: Self.origin, registryKey: registry.verifierKey)
        func tryGenesis(_ events: [JSONValue], signer: NoteSigningKey? = nil) -> String? {
            do {
                let origin = events.first?["origin"]?.stringValue ?? "x"
                let sub = try Submission.Unsigned(events: events).signed(by: signer ?? registry, origin: origin)
                _ = try Reducer.apply(sub, to: LedgerState(), state: StateOverlay(base: EmptyState()), time: .minimum,
                                      leafHashes: sub.eventBytes.map { _ in Digest.zero }, lookup: RuleHarness.Lookup(roots: [:]))
                return nil
            } catch let v as RuleViolation { return v.id } catch { return "\(error)" }
        }
        #expect(tryGenesis([good]) == nil)
        #expect(tryGenesis([good], signer: Self.platform) == "genesis.signer")
        #expect(tryGenesis([good, ["type": "note"]]) == "genesis.alone")
        #expect(tryGenesis([["type": "note", "origin": "o"]]) == "genesis.first")
        var extra = good.objectValue!; extra["more"] = 1
        #expect(tryGenesis([.object(extra)]) == "genesis.fields")
        var badOrigin = good.objectValue!; badOrigin["origin"] = "has space"
        #expect(tryGenesis([.object(badOrigin)]) == "genesis.origin")
        var badRules = good.objectValue!; badRules["rules"] = "v0"
        #expect(tryGenesis([.object(badRules)]) == "genesis.rules")
        var badKey = good.objectValue!; badKey["registry_key"] = "registry+00000000+AAAA"
        #expect(tryGenesis([.object(badKey)]) == "genesis.registry_key")
        var noAdmins = good.objectValue!; noAdmins["admins"] = []
        #expect(tryGenesis([.object(noAdmins)]) == "genesis.admins")
        var dupAdmins = good.objectValue!; dupAdmins["admins"] = [.string(registry.verifierKey.description), .string(registry.verifierKey.description)]
        #expect(tryGenesis([.object(dupAdmins)]) == "genesis.admins")
    }

    @Test func envelopeRulesNameTheEventAndField() throws {
        let h = try RuleHarness(origin: Self.origin)
        let admin = h.registry
        #expect(h.violation([["type": "note", "text": "a"], ["type": "Bad Type"]], by: admin) ==
                RuleViolation(eventIndex: 1, field: "type", rule: .eventType, message: "\"Bad Type\" is not an event type of rule set \(RuleSet.latest.rawValue) (\(Reducer.eventTypes.dropFirst().joined(separator: ", ")))"))
        #expect(h.violation([["kind": "x"]], by: admin)?.id == "event.type")
        #expect(h.violation([["type": "genesis"]], by: admin)?.id == "genesis.first")
        #expect(h.violation([["type": "note", "text": "a"]], by: Self.platform)?.id == "auth.unknown_key")
        let wrongOrigin = try Submission.Unsigned(events: [["type": "note", "text": "a"]]).signed(by: admin, origin: "another/ledger")
        #expect(throws: RuleViolation.self) { try h.apply(wrongOrigin) }
        let sub = try Submission.Unsigned(events: [["type": "note", "text": "once"]]).signed(by: admin, origin: Self.origin)
        #expect(try h.apply(sub) == 1)
        do { try h.apply(sub); Issue.record("replay accepted") } catch let v as RuleViolation { #expect(v.id == "submission.replay" && v.message.contains("seq 1")) }
        #expect(h.ledger.size == 2)
    }

    @Test func submissionWireFormat() throws {
        let sub = try Submission.Unsigned(events: [["type": "a"], ["type": "b"]]).signed(by: Self.platform, origin: Self.origin)
        let wire = CanonicalJSON.encode(sub.json)
        let back = try Submission.decode(wire)
        #expect(back.root == sub.root && back.signature == sub.signature && back.signer == sub.signer)
        #expect(back.hasValidSignature(origin: Self.origin))
        #expect(!back.hasValidSignature(origin: "other"))
        // Whitespace and key order of the file do not change the signed root.
        let pretty = "{ \"signer\": \"\(sub.signer)\",\n \"events\": [ {\"type\" : \"a\"}, {\"type\":\"b\"} ],\n \"signature\": \"\(Base64.encode(sub.signature))\" }"
        #expect(try Submission.decode(Array(pretty.utf8)).hasValidSignature(origin: Self.origin))
        #expect(throws: SubmissionError.eventCount(0)) { _ = try Submission.Unsigned(events: []) }
        #expect(throws: SubmissionError.eventCount(10_001)) { _ = try Submission.Unsigned(events: Array(repeating: ["type": "a"], count: 10_001)) }
        #expect(throws: SubmissionError.field("events[1]", "must be a JSON object, got integer")) { _ = try Submission.Unsigned(events: [["type": "a"], 5]) }
        #expect(throws: SubmissionError.field("extra", "unknown field (allowed: events, signature, signer)")) {
            _ = try Submission.decode(Array(#"{"events":[{"type":"a"}],"extra":1}"#.utf8))
        }
        #expect(throws: SubmissionError.self) { _ = try Submission.decode(Array(#"{"events":[{"type":"a"}]}"#.utf8)) }
    }
}
