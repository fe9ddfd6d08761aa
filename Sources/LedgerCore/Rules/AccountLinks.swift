/// One person's accounts on several platforms (v2, SPEC.md 8.6): each platform attests its own
/// account with the person's pseudonym, the same from every platform, so the double-counting
/// check of intervals spans them all. No personal data reaches the log: the pseudonym is an
/// HMAC under the programme's secret salt.
extension RuleContext {
    /// At most this many accounts are one person (a few platforms each).
    static let maxLinkedAccounts = 16

    /// The accounts checked together with `account` for overlapping intervals (itself first).
    func linkedAccounts(_ account: String) throws -> [String] {
        guard rules >= .v2, let link = try get(statePath("link", account)), let person = link.string("person"),
              let accounts = try get(statePath("person", person))?["accounts"]?.arrayValue else { return [account] }
        return [account] + accounts.compactMap(\.stringValue).filter { $0 != account }
    }

    func accountLink(_ f: EventFields) throws {
        try authorize(.admin, .platform, for: f.type)
        try f.require(["account", "person"])
        let id = try f.identifier("account")
        guard let person = try f.hash("person") else { throw f.fail("person", "is required") }
        _ = try residentAccount(id)
        // A platform attests only accounts that consented to it; an admin any.
        if !has(.admin), try get(statePath("consent", id, actor)) == nil {
            throw RuleViolation(field: "account", rule: "consent.missing", message: "account \(id) has not consented to platform \(actor); only a platform it consented to attests its person")
        }
        let linkPath = statePath("link", id)
        if let existing = try get(linkPath) {
            guard existing.string("person") == person else {
                throw RuleViolation(field: "person", rule: "link.conflict",
                                    message: "account \(id) was attested as another person at seq \(existing.int("seq")); one account is one person",
                                    conflictingSeq: UInt64(existing.int("seq")))
            }
            return  // attested again: no effect
        }
        let personPath = statePath("person", person)
        let accounts = try get(personPath)?["accounts"]?.arrayValue ?? []
        guard accounts.count < Self.maxLinkedAccounts else {
            throw RuleViolation(field: "person", rule: "link.limit", message: "person \(person.prefix(12))... already has \(accounts.count) linked accounts, the most one person may have")
        }
        put(linkPath, ["person": .string(person), "platform": .string(actor), "seq": .int(Int64(seq))])
        put(personPath, ["accounts": .array(accounts + [.string(id)])])
        history(id, ["event": "account.link", "person": .string(person), "platform": .string(actor), "accounts": .int(Int64(accounts.count + 1))])
    }
}
