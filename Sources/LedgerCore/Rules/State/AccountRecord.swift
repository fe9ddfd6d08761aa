/// An account (`acct/ID`, SPEC.md 8.5): its kind, region and employer, the person it was
/// attested as (v2), and its balances in mg. Read and written by most rules: a behaviour report
/// reads and writes its account's record, and its employer's.
public struct AccountRecord: StateRecord, Equatable {
    public var kind: AccountKind
    public var region: String
    public var openedSeq: Int64
    public var employer: String?
    /// The person's pseudonym (`account.link`), the seq and the platform that attested it.
    public var person: String?
    public var personSeq: Int64?
    public var personPlatform: String?

    public var behaviours: Int64 = 0
    public var creditedMg: Int64 = 0
    public var donatedMg: Int64 = 0
    public var employeesCreditedMg: Int64 = 0
    public var employeesReversedMg: Int64 = 0
    public var issuedMg: Int64 = 0
    public var lockedMg: Int64 = 0
    public var qualitativeMg: Int64 = 0
    public var receivedMg: Int64 = 0
    public var reversedMg: Int64 = 0

    public init(kind: AccountKind, region: String, openedSeq: Int64, employer: String? = nil) {
        self.kind = kind; self.region = region; self.openedSeq = openedSeq; self.employer = employer
    }

    /// What the account can still donate, have locked into an issuance request or lose to a
    /// reversal (SPEC.md 8.5): credited - reversed - donated - locked - issued.
    public var availableMg: Int64 { creditedMg - reversedMg - donatedMg - lockedMg - issuedMg }

    /// Behaviours, consents and donations act on these.
    public var isResident: Bool { kind == .person || kind == .employee }

    public init?(canonical bytes: UnsafeRawBufferPointer) {
        guard var r = RecordReader(bytes) else { return nil }
        behaviours = r.int("behaviours")
        creditedMg = r.int("credited_mg")
        donatedMg = r.int("donated_mg")
        employeesCreditedMg = r.int("employees_credited_mg")
        employeesReversedMg = r.int("employees_reversed_mg")
        employer = r.optionalString("employer")
        issuedMg = r.int("issued_mg")
        guard let kind = AccountKind(rawValue: r.string("kind")) else { return nil }
        self.kind = kind
        lockedMg = r.int("locked_mg")
        openedSeq = r.int("opened_seq")
        person = r.optionalString("person")
        personPlatform = r.optionalString("person_platform")
        personSeq = r.optionalInt("person_seq")
        qualitativeMg = r.int("qualitative_mg")
        receivedMg = r.int("received_mg")
        region = r.string("region")
        reversedMg = r.int("reversed_mg")
        guard r.complete else { return nil }
    }

    public func encode(into o: inout CanonicalRecord) {
        o.int("behaviours", behaviours)
        o.int("credited_mg", creditedMg)
        o.int("donated_mg", donatedMg)
        o.int("employees_credited_mg", employeesCreditedMg)
        o.int("employees_reversed_mg", employeesReversedMg)
        if let employer { o.string("employer", employer) }
        o.int("issued_mg", issuedMg)
        o.string("kind", kind.rawValue)
        o.int("locked_mg", lockedMg)
        o.int("opened_seq", openedSeq)
        if let person { o.string("person", person) }
        if let personPlatform { o.string("person_platform", personPlatform) }
        if let personSeq { o.int("person_seq", personSeq) }
        o.int("qualitative_mg", qualitativeMg)
        o.int("received_mg", receivedMg)
        o.string("region", region)
        o.int("reversed_mg", reversedMg)
    }
}
