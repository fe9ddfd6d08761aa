import Foundation
import Testing
@testable import LedgerCore
import LedgerDemo
import LedgerStore
@testable import CarbonLedger
import TestSupport

/// Forgery and authorization on a real ledger: for every event type, a submission accepted
/// earlier is replayed, its signature broken, its events altered after signing, and its event
/// signed by an unknown key, a key of the wrong role, a key outside its scope and a revoked key.
/// Every attempt must be refused with the rule that names the attack, and the log, its head and
/// every projection must be byte for byte what they were.
@Suite struct ForgeryTests {
    static let origin = "carbonledger.example/forgery"

    struct Attack {
        var name: String
        var type: String
        var submission: Submission
        /// The rule that must refuse it (a prefix: the holder rules name their own `auth.*` rule).
        var rule: String
    }

    @Test func everyForgeryOfEveryEventTypeIsRefusedAndChangesNothing() throws {
        let dir = TempDir()
        let (ledger, city, registry) = try newDemoCity(dir, origin: Self.origin, residents: 120, days: 2)
        var sequencer = try ledger.sequencer()
        let report = try DemoRunner(ledger: ledger, sequencer: sequencer, city: city).run()
        func accept(_ subs: [Submission]) throws {
            for r in try sequencer.append(subs, now: .now()) { _ = try r.get() }
        }
        func sign(_ events: [JSONValue], _ key: NoteSigningKey) -> Submission {
            try! Submission.Unsigned(events: events).signed(by: key, origin: Self.origin)
        }

        // Event types the demo does not produce, appended legitimately so each can be replayed.
        let batch = report.batches[0].batch
        let held = try #require(try ledger.holdings("prj-szmetro", batch: batch).first)
        try accept([sign([["type": "note", "text": "forgery suite"],
                          ["type": "units.cancel", "batch": .string(batch), "account": "prj-szmetro", "ranges": [[.int(held.0), .int(held.0)]],
                           "units": 1, "reason": "cancelled by the forgery suite"]], registry)])
        let consents = try ledger.store.read { try $0.stateRecords(prefix: "consent/", limit: 2) }
        let consent = try #require(consents.first)
        let parts = consent.key.split(separator: "/")
        // v2's events: a person attested by a platform it consented to; a holder-key recovery
        // proposed by one admin and approved by an admin of another actor.
        let linked = try #require(consents.last).key.split(separator: "/")
        try accept([sign([["type": "account.link", "account": .string(String(linked[1])), "person": .string(String(repeating: "5a", count: 32))]],
                         city.platforms[String(linked[2])]!)])
        let secondAdmin = try NoteSigningKey.generate(name: "second-admin")
        let recovered = try NoteSigningKey.generate(name: "recovered-holder")
        try accept([sign([City.register(secondAdmin, actor: "admin-2", roles: ["admin"], scenarios: ["*"], regions: ["*"]),
                          ["type": "key.recover", "proposal": "rec-1", "account": .string(DemoCity.welfare),
                           "key": .string(recovered.verifierKey.description), "reason": "forgery suite"]], registry)])
        try accept([sign([["type": "key.recover.approve", "proposal": "rec-1", "decision": "approve"]], secondAdmin)])
        try accept([sign([["type": "consent.revoke", "account": .string(String(parts[1])), "platform": .string(String(parts[2]))]],
                         city.platforms[String(parts[2])]!)])

        // A reversal of some behaviour that is neither locked in a request nor spent.
        // (The rules checkpoint keeps the behaviours' records, the state environment does not.)
        sequencer.writeRulesCheckpoint()
        let behaviours = try ledger.store.ruleCheckpoints().read { _, records in try records.children(of: "beh") }
        var reversed = false
        for (key, b) in behaviours where b["request"] == nil && !reversed {
            let platform = try #require(city.platforms[b["platform"]!.stringValue!])
            let seq = Int64(key.dropFirst(4))!
            reversed = try sequencer.append([sign([["type": "behaviour.reverse", "seq": .int(seq), "reason": "forgery suite"]], platform)], now: .now())[0].isSuccess
        }
        #expect(reversed)
        // A registry key rotation (the sequencer holds both keys for the rotating commit).
        let nextRegistry = try NoteSigningKey.generate(name: "registry-next")
        sequencer = Sequencer(store: ledger.store, keys: [registry, nextRegistry])
        try accept([sign([["type": "registry.rotate", "registry_key": .string(nextRegistry.verifierKey.description), "reason": "forgery suite"]], registry)])
        sequencer = Sequencer(store: ledger.store, key: nextRegistry)

        // One accepted submission per event type (the first entry of that type), rebuilt from the log.
        func originals() throws -> (submissions: [String: Submission], events: [String: JSONValue]) {
            var original: [String: Submission] = [:], event: [String: JSONValue] = [:]
            try ledger.store.read { r in
                for seq in 1..<(try r.metaU64(.size) ?? 0) {
                    let e = try Entry.decode(try #require(try r.entryBytes(seq)))
                    let type = e.event["type"]!.stringValue!
                    guard original[type] == nil else { continue }
                    event[type] = e.event
                    original[type] = try r.submission(at: seq)
                }
            }
            return (original, event)
        }

        // Keys for the attacks: a twin of each original signer (same actor, roles and scopes),
        // revoked; a registered key of the wrong role; a platform key outside every scope.
        var twins: [NoteVerifierKey: NoteSigningKey] = [:]
        var setup: [JSONValue] = []
        let signers = Set(try originals().submissions.values.map(\.signer)).union([registry.verifierKey])
        for signer in signers {
            let record = try #require(try ledger.state(RuleContext.keyPath(signer)))
            let twin = try NoteSigningKey.generate(name: "twin-\(twins.count)")
            twins[signer] = twin
            // A twin of a key that moves units is no such key (v2: only a recovery adds one); its
            // revocation is what the attack tests, checked before any role.
            var roles: [JSONValue] = []
            for r in record["roles"]!.arrayValue! {
                let twinRole: JSONValue = r == "holder" || r == "exchange" ? "verifier" : r
                if !roles.contains(twinRole) { roles.append(twinRole) }
            }
            setup.append(["type": "key.register", "key": .string(twin.verifierKey.description), "actor": record["actor"]!,
                          "roles": .array(roles), "scenarios": record["scenarios"]!, "regions": record["regions"]!])
        }
        let verifierOnly = try NoteSigningKey.generate(name: "wrong-role-verifier")
        let holderOnly = try NoteSigningKey.generate(name: "wrong-role-holder")
        setup.append(City.register(verifierOnly, actor: "cqc-2", roles: ["verifier"], scenarios: ["*"], regions: ["*"]))
        setup.append(City.register(holderOnly, actor: "e-nobody", roles: ["holder"], scenarios: ["*"], regions: ["*"]))
        let (original, _) = try originals()
        let behaviourActor = try #require(try ledger.state(RuleContext.keyPath(original["behaviour.report"]!.signer))?["actor"])
        let outOfScope = try NoteSigningKey.generate(name: "wrong-scope")
        setup.append(["type": "key.register", "key": .string(outOfScope.verifierKey.description), "actor": behaviourActor,
                      "roles": ["platform"], "scenarios": ["second_hand"], "regions": ["110000"]])
        try accept([sign(setup, registry)])
        try accept([sign(twins.values.map { ["type": "key.revoke", "key": .string($0.verifierKey.description), "reason": "forgery suite"] }, registry)])
        let (allOriginals, allEvents) = try originals()
        let types = Array(Reducer.eventTypes.dropFirst())
        #expect(Set(allOriginals.keys) == Set(types), "no accepted example of \(Set(types).subtracting(allOriginals.keys).sorted())")

        var attacks: [Attack] = []
        for type in types {
            let sub = allOriginals[type]!, e = allEvents[type]!
            let unsigned = try Submission.Unsigned(events: sub.events)
            var badSignature = sub.signature
            badSignature[7] ^= 0x01
            attacks.append(Attack(name: "replayed", type: type, submission: sub, rule: "submission.replay"))
            attacks.append(Attack(name: "wrong signature", type: type, submission: Submission(unsigned: unsigned, signer: sub.signer, signature: badSignature),
                                  rule: "submission.signature"))
            attacks.append(Attack(name: "altered after signing", type: type,
                                  submission: Submission(unsigned: try Submission.Unsigned(events: sub.events.map { $0 == e ? Self.altered(e) : $0 }),
                                                         signer: sub.signer, signature: sub.signature),
                                  rule: "submission.signature"))
            // Signed anew by another key: the event is altered too, since the same events under
            // any signature are the same submission (its identity is their root) and are refused
            // as a replay before any key is looked at.
            let fresh = Self.altered(e)
            attacks.append(Attack(name: "unknown key", type: type, submission: sign([fresh], try NoteSigningKey.generate(name: "stranger")), rule: "auth.unknown_key"))
            attacks.append(Attack(name: "revoked key", type: type, submission: sign([fresh], twins[sub.signer]!), rule: "auth.revoked"))
            let wrongRole = type == "issuance.verify" ? holderOnly : verifierOnly
            // Any registered key may write a note (SPEC.md section 8, "any role"): no role is wrong for it.
            if type != "note" {
                attacks.append(Attack(name: "wrong role", type: type, submission: sign([fresh], wrongRole), rule: "auth."))
            }
            attacks.append(Attack(name: "re-signed by another key", type: type, submission: sign(sub.events, wrongRole), rule: "submission.replay"))
            if type == "behaviour.report" {
                attacks.append(Attack(name: "wrong scope", type: type, submission: sign([fresh], outOfScope), rule: "auth.scope"))
            }
        }
        attacks.append(Attack(name: "second genesis", type: "genesis",
                              submission: sign([Reducer.genesisEvent(origin: Self.origin, registryKey: registry.verifierKey,
                                                                        admins: [registry.verifierKey, verifierOnly.verifierKey])], registry),
                              rule: "genesis.first"))

        let before = try Self.snapshot(ledger)
        let results = try sequencer.append(attacks.map(\.submission), now: .now())
        for (attack, result) in zip(attacks, results) {
            switch result {
            case .success(let r):
                Issue.record("\(attack.type), \(attack.name): accepted at seq \(r.firstSeq): \(CanonicalJSON.string(attack.submission.events[0]))")
            case .failure(let v):
                #expect(v.id.hasPrefix(attack.rule), "\(attack.type), \(attack.name): refused by \(v.id), expected \(attack.rule): \(v.message)")
            }
        }
        #expect(try Self.snapshot(ledger) == before, "a refused forgery changed the log or a projection")
        #expect(attacks.count == types.count * 7 + 1)
        _ = try Verifier(store: ledger.store).verify()
        let refused = zip(attacks, results).filter { a, r in if case .failure(let v) = r { return v.id.hasPrefix(a.rule) }; return false }.count
        if refused == attacks.count {
            print("forgery suite: \(attacks.count) forged submissions over \(types.count) event types + genesis, all refused, nothing changed")
        }

        // No signature at all: the wire decoder refuses it, naming the field.
        for sub in allOriginals.values {
            var wire = sub.json.objectValue!
            wire["signature"] = nil
            #expect(throws: SubmissionError.field("signature", "missing or not a string")) { try Submission.decode(CanonicalJSON.encode(.object(wire))) }
            wire["signer"] = nil
            #expect(throws: SubmissionError.self) { try Submission.decode(CanonicalJSON.encode(.object(wire))) }
        }
    }

    /// The event with its first integer member increased, or else its first string member
    /// other than `type` extended: a plausible edit an attacker would make.
    static func altered(_ e: JSONValue) -> JSONValue {
        let o = e.objectValue!
        if let m = o.members.first(where: { $0.value.intValue != nil }) { return e.with(m.key, .int(m.value.intValue! + 1)) }
        let m = o.members.first { $0.key != "type" && $0.value.stringValue != nil }!
        return e.with(m.key, .string(m.value.stringValue! + "0"))
    }

    /// Size, head and every state record's stored bytes: what a refused submission must not change.
    struct Snapshot: Equatable {
        var size: UInt64
        var head: Digest
        var state: [[UInt8]]
    }

    static func snapshot(_ ledger: Ledger) throws -> Snapshot {
        let info = try ledger.info()
        return Snapshot(size: info.size, head: info.head, state: try stateBytes(ledger.store))
    }
}

extension Result {
    var isSuccess: Bool { if case .success = self { return true }; return false }
}
