import Testing
@testable import LedgerCore

/// Typed state records decode straight from stored bytes (`RecordReader`). Those bytes are the
/// ledger's own, but a damaged state must give an error, never a trap or a record that is not
/// what the bytes say: a decoded record encodes to exactly the bytes it came from.
@Suite struct RecordReaderTests {
    static let account: AccountRecord = {
        var a = AccountRecord(kind: .employee, region: "440300", openedSeq: 12, employer: "e-\"quoted\"\\\u{1}é😀")
        a.creditedMg = 9_007_199_254_740_991
        a.reversedMg = 7
        a.person = String(repeating: "ab", count: 32)
        a.personSeq = 0
        a.personPlatform = "szmetro"
        return a
    }()

    static func decode(_ bytes: [UInt8]) -> AccountRecord? { bytes.withUnsafeBytes { AccountRecord(canonical: $0) } }

    /// A record decodes from its canonical JSON and from its packed form (`PackedRecord`, the
    /// rules checkpoint's) to itself, and the packed form reads as that JSON.
    static func same<R: StateRecord & Equatable>(_ r: R) -> Bool {
        let packed = r.packed
        return r.canonical.withUnsafeBytes { R(canonical: $0) } == r && packed.withUnsafeBytes { R(canonical: $0) } == r
            && packed.withUnsafeBytes { PackedRecord.canonical($0) } == r.canonical && packed.count < r.canonical.count
    }

    @Test func escapesNonASCIIAndExtremesRoundTrip() throws {
        let bytes = Self.account.canonical
        #expect(try JSONParser.parseCanonical(bytes).objectValue != nil, "the encoding is canonical JSON")
        #expect(Self.decode(bytes) == Self.account && Self.same(Self.account))
        let behaviour = BehaviourRecord(account: "p-1", platform: "szmetro", scenario: "metro", region: "440303", day: "20261201",
                                        start: Timestamp(millisecondsSinceEpoch: 0), end: Timestamp(millisecondsSinceEpoch: 253_402_300_799_999),
                                        amount: 0, methodology: "m", version: 1, reductionMg: -5, creditedMg: 0, points: 0, qualitative: true,
                                        leaf: Digest(hex: String(repeating: "0f", count: 32))!)
        #expect(Self.same(behaviour))
        let key = KeyRecord(actor: "a", key: try NoteSigningKey.generate(name: "k").verifierKey, roles: [.admin, .authority], scenarios: [], regions: ["*"], seq: 3)
        #expect(Self.same(key))
    }

    /// Records with nested objects and optional members, and a selection index whose integers
    /// disagree with its text (refused: one of them would be read wrong).
    @Test func methodologyPointsAndConsentRecordsRoundTrip() throws {
        let from = Timestamp(rfc3339: "2026-01-01T00:00:00.000Z")!, to = Timestamp(rfc3339: "2026-07-01T00:00:00.000Z")!
        var m = MethodologyRecord(id: "sz-metro", version: 2, title: "Metro \"trips\" 地铁", scenario: "metro", region: "440300", unit: "m",
                                  kind: .quantitative, factorMg: 48, validFrom: from, seq: 9)
        #expect(Self.same(m))
        m.baselineMg = 140; m.projectMg = 92; m.dailyCapMg = 5_000_000; m.validTo = to
        #expect(Self.same(m))
        let index = MethodologyVersions(versions: [.init(id: "a", version: 1, validFrom: from, validTo: to), .init(id: "b", version: 2, validFrom: to, validTo: nil)])
        #expect(Self.same(index) && Self.same(MethodologyVersions()))
        #expect(index.best(at: Timestamp(rfc3339: "2026-03-01T00:00:00.000Z")!)?.id == "a" && index.best(at: to)?.id == "b")
        #expect(index.best(at: Timestamp(rfc3339: "2025-12-31T23:59:59.999Z")!) == nil)
        let text = String(decoding: index.canonical, as: UTF8.self)
        let lying = text.replacingOccurrences(of: "\"to_ms\":\(to.millisecondsSinceEpoch)", with: "\"to_ms\":\(to.millisecondsSinceEpoch + 1)")
        #expect(lying != text && Array(lying.utf8).withUnsafeBytes { MethodologyVersions(canonical: $0) } == nil)
        var pts = PointsRecord()
        #expect(Self.same(pts) && pts.canonical == Array("{}".utf8))
        pts.add(5, to: \.earned); pts.add(2, to: \.redeemed)
        #expect(Self.same(pts) && pts.balance == 3 && pts.reversed == nil)
        #expect(Self.same(PointsRuleRecord(pointsPerEvent: 2, mgPerPoint: 0, seq: 4)) && Self.same(ConsentRecord(scenarios: ["*"], aggregate: false, seq: 1)))
    }

    /// A range's state and its members go together: a retired range names its retirement and
    /// seq, a held one neither; any other combination is refused.
    @Test func registryRecordsRoundTripAndRangesStateTheirState() {
        for state in [RangeRecord.State.held, .retired(retirement: "ret-1", seq: 12), .cancelled(cancellation: "seq-9", seq: 9)] {
            #expect(Self.same(RangeRecord(last: 40, account: "e-1", state: state)))
        }
        for bad in [#"{"account":"a","last":4,"seq":3,"state":"held"}"#, #"{"account":"a","last":4,"retirement":"r","state":"held"}"#,
                    #"{"account":"a","last":4,"retirement":"r","state":"retired"}"#, #"{"account":"a","cancellation":"c","last":4,"retirement":"r","seq":1,"state":"retired"}"#,
                    #"{"account":"a","last":4,"state":"lost"}"#] {
            #expect(Array(bad.utf8).withUnsafeBytes { RangeRecord(canonical: $0) } == nil, "\(bad)")
        }
        var r = RequestRecord(project: "p", periodFrom: "20261101", periodTo: "20261130", count: 3, totalMg: 9, root: .zero, seq: 5)
        #expect(Self.same(r))
        r.status = .issued; r.approvedMg = 8; r.verifier = "v"; r.reportHash = String(repeating: "a", count: 64); r.batch = "b1"
        #expect(Self.same(r))
        #expect(Self.same(ProjectRecord(actor: "a", methodologies: ["m"], owner: "o", platforms: nil, region: "CN", seq: 1)))
        #expect(Self.same(ProjectRecord(actor: "a", methodologies: [], owner: "o", platforms: ["x", "y"], region: "CN", seq: 1)))
        var b = BatchRecord(project: "p", request: "r", vintage: "2026", region: "440300", owner: "o", units: 10, serialPrefix: "CN-X", seq: 2)
        b.held = 4; b.retired = 5; b.cancelled = 1
        #expect(Self.same(b) && Self.same(HoldingRecord(7)) && Self.same(RequestMemberRecord(account: "a", creditedMg: 1, leaf: .zero)))
    }

    /// The governance records the demo city never writes in every form they take.
    @Test func governanceRecordsRoundTrip() throws {
        #expect(Self.same(RegistryRecord(key: "k+1+AA==", previousKey: "", rotations: 1, sinceSeq: 7)) && Self.same(PersonRecord(["a", "b"])))
        #expect(Self.same(AdminCountRecord(0)) && Self.same(AdminCountRecord(2)) && Self.same(KeyListRecord([])))
        var recovery = RecoveryRecord(account: "e-1", role: .exchange, key: "k", reason: "lost \"it\"", proposedBy: "admin-a", seq: 3)
        #expect(Self.same(recovery))
        recovery.status = .approved; recovery.decidedBy = "admin-b"; recovery.decidedSeq = 4; recovery.revokedKeys = []
        #expect(Self.same(recovery))
        recovery.status = .rejected; recovery.revokedKeys = nil
        #expect(Self.same(recovery))
        var fp = FootprintRecord(footprint: "f", title: "马拉松", amountKg: 5, periodFrom: "20261101", periodTo: "20261102", account: "a", seq: 1)
        fp.retiredKg = 3; fp.retirements = 1
        #expect(Self.same(fp) && Self.same(MethodologyIDRecord(kind: .qualitative, scenario: "clean_plate")))
        #expect(Self.same(AllowanceRecord(allowanceT: 10, authority: "sz", gapT: 0, seq: 2)) && Self.same(RedemptionRecord(account: "a", points: 1, reward: "r", seq: 9)))
    }

    @Test func everyCutIsRefused() {
        let bytes = Self.account.canonical
        for n in 0..<bytes.count { #expect(Self.decode(Array(bytes.prefix(n))) == nil, "cut at \(n)") }
        #expect(Self.decode(bytes + [0x20]) == nil, "trailing bytes")
    }

    /// Any byte changed to any of a spread of values: refused, or decoded to a record that is
    /// exactly the changed bytes (a digit or a letter of a value changed), never anything else.
    @Test func everyChangedByteIsRefusedOrReadAsWritten() {
        let bytes = Self.account.canonical
        let replacements: [UInt8] = [0x00, 0x09, 0x1F, 0x20, 0x22, 0x2C, 0x2D, 0x30, 0x31, 0x39, 0x3A, 0x41, 0x5C, 0x61, 0x7B, 0x7D, 0x7F, 0x80, 0xC3, 0xFF]
        for i in bytes.indices {
            for r in replacements where r != bytes[i] {
                var changed = bytes
                changed[i] = r
                if let a = Self.decode(changed) {
                    #expect(a.canonical == changed, "byte \(i) -> \(r) decoded to another record")
                }
            }
        }
    }

    /// The member names are the format: distinct, at most 255 (0xFF writes a name out), and
    /// each found under its own byte.
    @Test func thePackedNamesAreDistinctAndFoundUnderTheirByte() {
        let names = PackedRecord.names.map(\.description)
        #expect(names.count < 255 && Set(names).count == names.count)
        for (i, name) in PackedRecord.names.enumerated() { #expect(PackedRecord.id(of: name) == UInt8(i), "\(name)") }
        #expect(PackedRecord.id(of: "not_a_member") == nil)
    }

    @Test func everyCutOfAPackedRecordIsRefused() {
        let bytes = Self.account.packed
        #expect(bytes.first == PackedRecord.marker && bytes.count < Self.account.canonical.count / 2)
        for n in 0..<bytes.count {
            let cut = Array(bytes.prefix(n))
            #expect(Self.decode(cut) == nil, "cut at \(n)")
            // As JSON, a cut between two members is a record with fewer of them; any other is none.
            if let json = cut.withUnsafeBytes({ PackedRecord.canonical($0) }) { #expect((try? JSONParser.parseCanonical(json)) != nil, "cut at \(n)") }
        }
        #expect(Self.decode(bytes + [0x20]) == nil, "trailing bytes")
    }

    /// As with JSON: a changed byte of a packed record is refused or read as exactly the
    /// changed bytes, never as another record (a varint has one spelling, a tag one meaning).
    @Test func everyChangedByteOfAPackedRecordIsRefusedOrReadAsWritten() {
        let bytes = Self.account.packed
        for i in bytes.indices {
            for r in [0x00, 0x01, 0x02, 0x07, 0x08, 0x20, 0x41, 0x7F, 0x80, 0x81, 0xC3, 0xFE, 0xFF] as [UInt8] where r != bytes[i] {
                var changed = bytes
                changed[i] = r
                if let a = Self.decode(changed) {
                    #expect(a.packed == changed, "byte \(i) -> \(r) decoded to another record")
                }
                _ = changed.withUnsafeBytes { PackedRecord.canonical($0) }
            }
        }
    }

    /// A member name the format does not list is written out, and every kind of value reads
    /// back as the JSON `CanonicalRecord` writes for it.
    @Test func aPackedRecordWithAnUnlistedNameReadsAsItsJSON() throws {
        func write(_ packed: Bool) -> [UInt8] {
            var o = CanonicalRecord(packed: packed)
            o.bool("a_flag", false); o.int("amount", -9_007_199_254_740_991); o.hex("leaf", Digest(hex: String(repeating: "ab", count: 32))!)
            o.records("nested", [Array(#"{"x":1}"#.utf8), Array("{}".utf8)]); o.strings("roles", ["a", "\"\u{7}é"])
            o.time("start", Timestamp.minimum); o.string("title", "碳普惠 \\ \n"); o.bool("zz_unlisted", true)
            return o.finish()
        }
        let json = write(false), packed = write(true)
        #expect(try JSONParser.parseCanonical(json).objectValue?.count == 8)
        #expect(packed.withUnsafeBytes { PackedRecord.canonical($0) } == json)
        #expect(packed.withUnsafeBytes { PackedRecord.canonical(stored: $0) } == json && json.withUnsafeBytes { PackedRecord.canonical(stored: $0) } == json)
        #expect(json.withUnsafeBytes { PackedRecord.canonical($0) } == nil, "JSON is not packed")
    }

    /// A packed value is read only as the kind it was written as: a time written as its text,
    /// or the other way round, is refused, so that a record has one packed spelling.
    @Test func aPackedValueIsReadOnlyAsTheKindItWasWritten() throws {
        let t = Timestamp(millisecondsSinceEpoch: 1_765_000_000_123), d = Digest(hex: String(repeating: "7e", count: 32))!
        func packed(_ write: (inout CanonicalRecord) -> Void) -> [UInt8] {
            var o = CanonicalRecord(packed: true)
            write(&o)
            return o.finish()
        }
        func reading<V>(_ bytes: [UInt8], _ read: (inout RecordReader) -> V) -> (V, Bool) {
            bytes.withUnsafeBytes { b in
                var r = RecordReader(b)!
                let v = read(&r)
                return (v, r.complete)
            }
        }
        #expect(reading(packed { $0.time("start", t) }) { $0.time("start") } == (t, true))
        #expect(reading(packed { $0.hex("leaf", d) }) { $0.digest("leaf") } == (d, true))
        #expect(reading(packed { $0.string("start", t.rfc3339) }) { $0.time("start") } == (nil, false))
        #expect(reading(packed { $0.string("leaf", d.hex) }) { $0.digest("leaf") } == (nil, false))
        #expect(reading(packed { $0.time("start", t) }) { $0.string("start") } == ("", false))
        #expect(reading(packed { $0.int("start", t.millisecondsSinceEpoch) }) { $0.time("start") } == (nil, false))
        // In JSON a time and a digest are strings: read either way.
        var o = CanonicalRecord()
        o.time("start", t)
        #expect(o.finish().withUnsafeBytes { b in var r = RecordReader(b)!; return r.time("start") == t && r.complete })
    }
}
