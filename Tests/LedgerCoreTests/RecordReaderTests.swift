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

    @Test func escapesNonASCIIAndExtremesRoundTrip() throws {
        let bytes = Self.account.canonical
        #expect(try JSONParser.parseCanonical(bytes).objectValue != nil, "the encoding is canonical JSON")
        #expect(Self.decode(bytes) == Self.account)
        let behaviour = BehaviourRecord(account: "p-1", platform: "szmetro", scenario: "metro", region: "440303", day: "20261201",
                                        start: Timestamp(millisecondsSinceEpoch: 0), end: Timestamp(millisecondsSinceEpoch: 253_402_300_799_999),
                                        amount: 0, methodology: "m", version: 1, reductionMg: -5, creditedMg: 0, points: 0, qualitative: true,
                                        leaf: Digest(hex: String(repeating: "0f", count: 32))!)
        #expect(behaviour.canonical.withUnsafeBytes { BehaviourRecord(canonical: $0) } == behaviour)
        let key = KeyRecord(actor: "a", key: try NoteSigningKey.generate(name: "k").verifierKey, roles: [.admin, .authority], scenarios: [], regions: ["*"], seq: 3)
        #expect(key.canonical.withUnsafeBytes { KeyRecord(canonical: $0) } == key)
    }

    /// Records with nested objects and optional members, and a selection index whose integers
    /// disagree with its text (refused: one of them would be read wrong).
    @Test func methodologyPointsAndConsentRecordsRoundTrip() throws {
        func same<R: StateRecord & Equatable>(_ r: R) -> Bool { r.canonical.withUnsafeBytes { R(canonical: $0) } == r }
        let from = Timestamp(rfc3339: "2026-01-01T00:00:00.000Z")!, to = Timestamp(rfc3339: "2026-07-01T00:00:00.000Z")!
        var m = MethodologyRecord(id: "sz-metro", version: 2, title: "Metro \"trips\" 地铁", scenario: "metro", region: "440300", unit: "m",
                                  kind: .quantitative, factorMg: 48, validFrom: from, seq: 9)
        #expect(same(m))
        m.baselineMg = 140; m.projectMg = 92; m.dailyCapMg = 5_000_000; m.validTo = to
        #expect(same(m))
        let index = MethodologyVersions(versions: [.init(id: "a", version: 1, validFrom: from, validTo: to), .init(id: "b", version: 2, validFrom: to, validTo: nil)])
        #expect(same(index) && same(MethodologyVersions()))
        #expect(index.best(at: Timestamp(rfc3339: "2026-03-01T00:00:00.000Z")!)?.id == "a" && index.best(at: to)?.id == "b")
        #expect(index.best(at: Timestamp(rfc3339: "2025-12-31T23:59:59.999Z")!) == nil)
        let text = String(decoding: index.canonical, as: UTF8.self)
        let lying = text.replacingOccurrences(of: "\"to_ms\":\(to.millisecondsSinceEpoch)", with: "\"to_ms\":\(to.millisecondsSinceEpoch + 1)")
        #expect(lying != text && Array(lying.utf8).withUnsafeBytes { MethodologyVersions(canonical: $0) } == nil)
        var pts = PointsRecord()
        #expect(same(pts) && pts.canonical == Array("{}".utf8))
        pts.add(5, to: \.earned); pts.add(2, to: \.redeemed)
        #expect(same(pts) && pts.balance == 3 && pts.reversed == nil)
        #expect(same(PointsRuleRecord(pointsPerEvent: 2, mgPerPoint: 0, seq: 4)) && same(ConsentRecord(scenarios: ["*"], aggregate: false, seq: 1)))
    }

    /// A range's state and its members go together: a retired range names its retirement and
    /// seq, a held one neither; any other combination is refused.
    @Test func registryRecordsRoundTripAndRangesStateTheirState() {
        func same<R: StateRecord & Equatable>(_ r: R) -> Bool { r.canonical.withUnsafeBytes { R(canonical: $0) } == r }
        for state in [RangeRecord.State.held, .retired(retirement: "ret-1", seq: 12), .cancelled(cancellation: "seq-9", seq: 9)] {
            #expect(same(RangeRecord(last: 40, account: "e-1", state: state)))
        }
        for bad in [#"{"account":"a","last":4,"seq":3,"state":"held"}"#, #"{"account":"a","last":4,"retirement":"r","state":"held"}"#,
                    #"{"account":"a","last":4,"retirement":"r","state":"retired"}"#, #"{"account":"a","cancellation":"c","last":4,"retirement":"r","seq":1,"state":"retired"}"#,
                    #"{"account":"a","last":4,"state":"lost"}"#] {
            #expect(Array(bad.utf8).withUnsafeBytes { RangeRecord(canonical: $0) } == nil, "\(bad)")
        }
        var r = RequestRecord(project: "p", periodFrom: "20261101", periodTo: "20261130", count: 3, totalMg: 9, root: .zero, seq: 5)
        #expect(same(r))
        r.status = .issued; r.approvedMg = 8; r.verifier = "v"; r.reportHash = String(repeating: "a", count: 64); r.batch = "b1"
        #expect(same(r))
        #expect(same(ProjectRecord(actor: "a", methodologies: ["m"], owner: "o", platforms: nil, region: "CN", seq: 1)))
        #expect(same(ProjectRecord(actor: "a", methodologies: [], owner: "o", platforms: ["x", "y"], region: "CN", seq: 1)))
        var b = BatchRecord(project: "p", request: "r", vintage: "2026", region: "440300", owner: "o", units: 10, serialPrefix: "CN-X", seq: 2)
        b.held = 4; b.retired = 5; b.cancelled = 1
        #expect(same(b) && same(HoldingRecord(7)) && same(RequestMemberRecord(account: "a", creditedMg: 1, leaf: .zero)))
    }

    /// The governance records the demo city never writes in every form they take.
    @Test func governanceRecordsRoundTrip() throws {
        func same<R: StateRecord & Equatable>(_ r: R) -> Bool { r.canonical.withUnsafeBytes { R(canonical: $0) } == r }
        #expect(same(RegistryRecord(key: "k+1+AA==", previousKey: "", rotations: 1, sinceSeq: 7)) && same(PersonRecord(["a", "b"])))
        #expect(same(LiveCountRecord(0)) && same(AdminCountRecord(2)) && same(KeyListRecord([])))
        var recovery = RecoveryRecord(account: "e-1", role: .exchange, key: "k", reason: "lost \"it\"", proposedBy: "admin-a", seq: 3)
        #expect(same(recovery))
        recovery.status = .approved; recovery.decidedBy = "admin-b"; recovery.decidedSeq = 4; recovery.revokedKeys = []
        #expect(same(recovery))
        recovery.status = .rejected; recovery.revokedKeys = nil
        #expect(same(recovery))
        var fp = FootprintRecord(footprint: "f", title: "马拉松", amountKg: 5, periodFrom: "20261101", periodTo: "20261102", account: "a", seq: 1)
        fp.retiredKg = 3; fp.retirements = 1
        #expect(same(fp) && same(MethodologyIDRecord(kind: .qualitative, scenario: "clean_plate")))
        #expect(same(AllowanceRecord(allowanceT: 10, authority: "sz", gapT: 0, seq: 2)) && same(RedemptionRecord(account: "a", points: 1, reward: "r", seq: 9)))
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
}
