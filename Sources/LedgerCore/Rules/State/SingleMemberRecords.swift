/// Records of one member (SPEC.md section 10): a count or a seq, or a list of strings. One type
/// each, named by the member its stored JSON has (`Member`), so every such namespace shares one
/// decoder and encoder.
public protocol RecordMember: Sendable {
    /// The member's key in the stored JSON.
    static var name: StaticString { get }
}

/// `{"NAME": N}`.
public struct IntRecord<Member: RecordMember>: StateRecord, Equatable {
    public var value: Int64
    public init(_ value: Int64) { self.value = value }

    public init?(canonical bytes: UnsafeRawBufferPointer) {
        guard var r = RecordReader(bytes) else { return nil }
        value = r.int(Member.name)
        guard r.complete else { return nil }
    }

    public func encode(into o: inout CanonicalRecord) { o.int(Member.name, value) }
}

/// `{"NAME": ["...", ...]}`.
public struct StringListRecord<Member: RecordMember>: StateRecord, Equatable {
    public var values: [String]
    public init(_ values: [String]) { self.values = values }

    public init?(canonical bytes: UnsafeRawBufferPointer) {
        guard var r = RecordReader(bytes) else { return nil }
        values = r.strings(Member.name)
        guard r.complete else { return nil }
    }

    public func encode(into o: inout CanonicalRecord) { o.strings(Member.name, values) }
}

public enum SeqMember: RecordMember { public static let name: StaticString = "seq" }
public enum LastMember: RecordMember { public static let name: StaticString = "last" }
public enum ActiveMember: RecordMember { public static let name: StaticString = "active" }
public enum UnitsMember: RecordMember { public static let name: StaticString = "units" }
public enum KeysMember: RecordMember { public static let name: StaticString = "keys" }
public enum AccountsMember: RecordMember { public static let name: StaticString = "accounts" }

/// The seq alone: `src/PLATFORM/ESC(ref)`, the seq that first used a source reference, and
/// `xauth/ACCOUNT/EXCHANGE`, the seq at which the account authorised the exchange.
public typealias SeqRecord = IntRecord<SeqMember>
/// `hold/ACCOUNT/BATCH/FIRST16`: the last unit of a block an account holds (its first is in the key).
public typealias HoldingRecord = IntRecord<LastMember>
/// `admins`: how many admin keys are active.
public typealias AdminCountRecord = IntRecord<ActiveMember>
/// `held/ACCOUNT` (v2: the units an account holds now) and `comp/SCHEME/YEAR/ACCOUNT` (a
/// company's compliance retirements that year, kg).
public typealias UnitsCountRecord = IntRecord<UnitsMember>
/// `hkeys/ACTOR`, `xkeys/ACTOR`: every key of the role (holder, exchange) the actor has had.
public typealias KeyListRecord = StringListRecord<KeysMember>
/// `person/PERSON` (v2): the accounts attested as one person.
public typealias PersonRecord = StringListRecord<AccountsMember>
