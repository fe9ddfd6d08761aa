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
