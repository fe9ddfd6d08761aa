/// One person's accounts on several platforms (v2, SPEC.md 8.6): each platform attests its own
/// account with the person's pseudonym, the same from every platform, so the double-counting
/// check of intervals spans them all. No personal data reaches the log: the pseudonym is an
/// HMAC under the programme's secret salt.
extension RuleContext {
    /// At most this many accounts are one person (a few platforms each).
    static let maxLinkedAccounts = 16

    /// The accounts checked together with `id` for overlapping intervals (itself first). The
    /// person is in the account's own record, which a report reads anyway: an unlinked account
    /// costs no further read.
    func linkedAccounts(_ id: String, record: AccountRecord) throws -> [String] {
        guard rules >= .v2, let person = record.person,
              let accounts = try state.record(PersonRecord.self, at: statePath("person", person))?.values else { return [id] }
        return [id] + accounts.filter { $0 != id }
    }

    func accountLink(_ f: EventFields) throws {
        try authorize(.admin, .platform, for: f.type)
        try f.require(["account", "person"])
        let id = try f.identifier("account")
        guard let person = try f.hash("person") else { throw f.fail("person", "is required") }
        var account = try residentAccount(id)
        // A platform attests only accounts that consented to it; an admin any.
        if !has(.admin), try consent(id, actor) == nil {
            throw RuleViolation(field: "account", rule: .consentMissing, message: "account \(id) has not consented to platform \(actor); only a platform it consented to attests its person")
        }
        if let existing = account.person {
            guard existing == person else {
                throw RuleViolation(field: "person", rule: .linkConflict,
                                    message: "account \(id) was attested as another person at seq \(account.personSeq ?? 0); one account is one person",
                                    conflictingSeq: account.personSeq.map { UInt64(clamping: $0) })
            }
            return  // attested again: no effect
        }
        let personPath = statePath("person", person)
        let accounts = try state.record(PersonRecord.self, at: personPath)?.values ?? []
        guard accounts.count < Self.maxLinkedAccounts else {
            throw RuleViolation(field: "person", rule: .linkLimit, message: "person \(person.prefix(12))... already has \(accounts.count) linked accounts, the most one person may have")
        }
        account.person = person
        account.personSeq = Int64(seq)
        account.personPlatform = actor
        putAccount(id, account)
        state.putRecord(personPath, PersonRecord(accounts + [id]))
        history(id, ["event": "account.link", "person": .string(person), "platform": .string(actor), "accounts": .int(Int64(accounts.count + 1))])
    }
}
