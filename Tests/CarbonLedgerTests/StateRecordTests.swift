import Foundation
import Testing
@testable import LedgerCore
import LedgerDemo
import LedgerStore
@testable import CarbonLedger
import TestSupport

/// The typed records of the rule state (`StateRecord`) stand for the stored JSON exactly: every
/// record a demo city's ledger stores decodes, and encodes again to the stored bytes, so the
/// rules can hold them typed without a byte of the projections changing. Each record type is
/// listed with the namespace it is stored under.
@Suite struct StateRecordTests {
    /// Namespace prefix, and how its records decode and encode again.
    static let typed: [(prefix: String, roundTrip: @Sendable (JSONValue) -> [UInt8]?)] = [
        ("acct/", { AccountRecord(record: $0)?.canonical }),
        ("key/", { KeyRecord(record: $0)?.canonical }),
        ("beh/", { BehaviourRecord(record: $0)?.canonical }),
        ("consent/", { ConsentRecord(record: $0)?.canonical }),
        ("meth/", { MethodologyRecord(record: $0)?.canonical }),
        ("msel/", { MethodologyVersions(record: $0)?.canonical }),
        ("prule/", { PointsRuleRecord(record: $0)?.canonical }),
        ("pts/", { PointsRecord(record: $0)?.canonical }),
        ("src/", { SeqRecord(record: $0)?.canonical }),
        ("act/", { ActRecord(record: $0)?.canonical }),
        ("iv/", { IntervalRecord(record: $0)?.canonical }),
        ("ivlong/", { LiveCountRecord(record: $0)?.canonical }),
        ("cap/", { DailyCapRecord(record: $0)?.canonical }),
        ("elig/", { EligibleRecord(record: $0)?.canonical }),
        ("proj/", { ProjectRecord(record: $0)?.canonical }),
        ("req/", { RequestRecord(record: $0)?.canonical }),
        ("reqm/", { RequestMemberRecord(record: $0)?.canonical }),
        ("batch/", { BatchRecord(record: $0)?.canonical }),
        ("rng/", { RangeRecord(record: $0)?.canonical }),
        ("hold/", { HoldingRecord(record: $0)?.canonical }),
        ("xauth/", { SeqRecord(record: $0)?.canonical }),
        ("admins", { AdminCountRecord(record: $0)?.canonical }),
        ("registry", { RegistryRecord(record: $0)?.canonical }),
        ("hkeys/", { KeyListRecord(record: $0)?.canonical }),
        ("xkeys/", { KeyListRecord(record: $0)?.canonical }),
        ("person/", { PersonRecord(record: $0)?.canonical }),
        ("held/", { UnitsCountRecord(record: $0)?.canonical }),
        ("comp/", { UnitsCountRecord(record: $0)?.canonical }),
        ("recovery/", { RecoveryRecord(record: $0)?.canonical }),
        ("mid/", { MethodologyIDRecord(record: $0)?.canonical }),
        ("allow/", { AllowanceRecord(record: $0)?.canonical }),
        ("rref/", { RedemptionRecord(record: $0)?.canonical }),
        ("fp/", { FootprintRecord(record: $0)?.canonical }),
    ]

    @Test func everyStoredRecordOfATypedNamespaceEncodesToItsStoredBytes() throws {
        let dir = TempDir()
        let (ledger, city, _) = try newDemoCity(dir, origin: "carbonledger.example/records", residents: 60, days: 2)
        let writer = try ledger.sequencer()
        _ = try DemoRunner(ledger: ledger, sequencer: writer, city: city).run()
        writer.writeRulesCheckpoint()
        var seen: [String: Int] = [:]
        // The state environment's records, and those only the rules read, which are the rules
        // checkpoint's alone.
        var stored: [(String, [UInt8])] = try stateBytes(ledger.store).compactMap { record in
            guard let zero = record.firstIndex(of: 0) else { return nil }
            return (String(decoding: record[..<zero], as: UTF8.self), Array(record[(zero + 1)...]))
        }
        try ledger.store.ruleCheckpoints().forEachRecord { k, v in
            let key = String(decoding: k, as: UTF8.self)
            if ResidentState.isRulesOnly(key) { stored.append((key, Array(v))) }
        }
        for (key, bytes) in stored {
            guard let type = Self.typed.first(where: { key.hasPrefix($0.prefix) }) else { continue }
            let encoded = type.roundTrip(try JSONParser.parseCanonical(bytes))
            #expect(encoded == bytes, "\(key): \(String(decoding: bytes, as: UTF8.self)) came back as \(encoded.map { String(decoding: $0, as: UTF8.self) } ?? "nothing")")
            seen[type.prefix, default: 0] += 1
        }
        // The city opens residents, employees, enterprises, platforms, projects and a welfare account.
        #expect(seen["acct/", default: 0] > 60 && seen["key/", default: 0] > 5 && seen["beh/", default: 0] > 100)
        #expect(seen["consent/", default: 0] > 60 && seen["meth/", default: 0] > 5 && seen["msel/", default: 0] > 5)
        #expect(seen["prule/", default: 0] > 0 && seen["pts/", default: 0] > 10, "\(seen)")
        #expect(seen["src/", default: 0] > 100 && seen["act/", default: 0] > 0 && seen["iv/", default: 0] > 100, "\(seen)")
        #expect(seen["cap/", default: 0] > 0 && seen["elig/", default: 0] > 0, "\(seen)")
        #expect(seen["proj/", default: 0] > 0 && seen["req/", default: 0] > 0 && seen["reqm/", default: 0] > 0, "\(seen)")
        #expect(seen["batch/", default: 0] > 0 && seen["rng/", default: 0] > 1 && seen["hold/", default: 0] > 1, "\(seen)")
        // Every typed namespace but those the demo never writes (a rotation, a linked person, a
        // long interval: RecordReaderTests has them) was met, so none went unchecked.
        let unmet = Self.typed.map(\.prefix).filter { seen[$0] == nil }
        #expect(unmet.sorted() == ["ivlong/", "person/", "registry"], "\(seen)")
    }

    @Test func anAccountRecordKeepsEveryMemberAndRefusesOthers() throws {
        let linked = #"{"behaviours":2,"credited_mg":30,"donated_mg":1,"employees_credited_mg":0,"employees_reversed_mg":0,"employer":"e-1","issued_mg":4,"kind":"employee","locked_mg":5,"opened_seq":7,"person":"ab","person_platform":"szmetro","person_seq":9,"qualitative_mg":6,"received_mg":0,"region":"440300","reversed_mg":3}"#
        let a = try #require(AccountRecord(record: try JSONParser.parse(Array(linked.utf8))))
        #expect(a.canonical == Array(linked.utf8))
        #expect(a.availableMg == 30 - 3 - 1 - 5 - 4 && a.isResident && a.personSeq == 9 && a.employer == "e-1")
        // A member too many, one missing, one of the wrong type, an unknown kind: not an account.
        for bad in [linked.replacingOccurrences(of: #""region""#, with: #""x":1,"region""#),
                    linked.replacingOccurrences(of: #""behaviours":2,"#, with: ""),
                    linked.replacingOccurrences(of: #""credited_mg":30"#, with: #""credited_mg":"30""#),
                    linked.replacingOccurrences(of: #""kind":"employee""#, with: #""kind":"robot""#)] {
            #expect(AccountRecord(record: try JSONParser.parse(Array(bad.utf8))) == nil, "\(bad)")
        }
    }

    /// A typed record in an overlay is the same record to a rule that reads JSON, survives a
    /// rollback as it was, and is read typed through a frozen overlay below.
    @Test func aTypedRecordIsOneRecordWhicheverWayItIsRead() throws {
        let base = StateOverlay(base: EmptyState())
        var a = AccountRecord(kind: .person, region: "440300", openedSeq: 1)
        base.putRecord("acct/a", a)
        let json = try #require(try base.get("acct/a"))
        #expect(CanonicalJSON.encode(json) == a.canonical && json["kind"] == "person")
        let o = StateOverlay(base: base)
        o.beginSavepoint()
        a.creditedMg = 40
        o.putRecord("acct/a", a)
        #expect(try o.record(AccountRecord.self, at: "acct/a")?.creditedMg == 40 && o.get("acct/a")?["credited_mg"] == 40)
        o.rollback()
        #expect(try o.record(AccountRecord.self, at: "acct/a")?.creditedMg == 0)
        // Written as JSON, read typed (and the other way round): one record.
        o.put("acct/b", try JSONParser.parse(a.canonical))
        #expect(try o.record(AccountRecord.self, at: "acct/b") == a)
        base.freeze()
        let above = StateOverlay(base: base)
        #expect(try above.record(AccountRecord.self, at: "acct/a")?.region == "440300")
        // A value that is not an account is a damaged state, reported with its key.
        o.put("acct/c", ["n": 1])
        #expect(throws: StateRecordError.self) { try o.record(AccountRecord.self, at: "acct/c") }
    }
}
