import Foundation
import Testing
import LedgerCore
import LedgerStore
@testable import CarbonLedger
import TestSupport

/// Key lifecycle on a real ledger: the registry key rotates (the rotating commit is signed by
/// both keys, later ones by the new key only, earlier ones stay verifiable with the old key),
/// and an actor key's revocation takes effect from its entry on.
@Suite struct KeyLifecycleTests {
    func rotation(to key: NoteSigningKey, by signer: NoteSigningKey, reason: String = "annual rotation") throws -> Submission {
        try Submission.Unsigned(events: [["type": "registry.rotate", "registry_key": .string(key.verifierKey.description), "reason": .string(reason)]])
            .signed(by: signer, origin: Fixture.origin)
    }

    @Test func registryKeyRotation() throws {
        let dir = TempDir()
        let (ledger, k1) = try Fixture.newLedger(dir)
        try Fixture.fill(ledger, batches: 3, size: 4)
        let c1note = try ledger.checkpoint()
        let k2 = try NoteSigningKey.generate(name: "registry-2027")
        let now = Timestamp(millisecondsSinceEpoch: Fixture.t0.millisecondsSinceEpoch + 1000)

        // Refused: a sequencer without the new private key could not sign the commit.
        let old = Sequencer(store: ledger.store, key: k1)
        let sizeBefore = try ledger.info().size
        guard case .failure(let v) = try old.append([try rotation(to: k2, by: k1)], now: now)[0] else { Issue.record("accepted without the new key"); return }
        #expect(v.id == "registry.key_unavailable" && v.message.contains(LedgerDirectory.nextKeyFile))
        // Refused by the rules: a non-admin key, and a "rotation" to the current key.
        let platform = try NoteSigningKey.generate(name: "platform")
        for r in try old.append([try Submission.Unsigned(events: [City.register(platform, actor: "szmetro", scenarios: ["metro"], regions: ["440300"])])
            .signed(by: k1, origin: Fixture.origin)], now: now) { _ = try r.get() }
        let both = Sequencer(store: ledger.store, keys: [k1, k2])
        let refused = try both.append([try rotation(to: k2, by: platform), try rotation(to: k1, by: k1)], now: now)
        #expect(refused.map { if case .failure(let v) = $0 { return v.id }; return "accepted" } == ["auth.role", "registry.rotate.same"])
        #expect(try ledger.info().size == sizeBefore + 1, "only the platform key's registration was appended")

        // Accepted: the commit that carries it is signed by both keys.
        let receipt = try both.append([try rotation(to: k2, by: k1)], now: now)[0].get()
        let transition = try ledger.checkpoint()
        let byOld = try Checkpoint.open(transition, key: k1.verifierKey), byNew = try Checkpoint.open(transition, key: k2.verifierKey)
        #expect(byOld == byNew && byNew.size == receipt.lastSeq + 1)
        #expect(try ledger.info().registryKey == k2.verifierKey)
        // The new key inherits the outgoing key's registration (an admin here) and can act.
        _ = try both.append([try Fixture.batch("by the new key", count: 1, signer: k2)], now: now)[0].get()

        // Later commits: the new key only. The old key's checkpoints still verify with it.
        let after = Sequencer(store: ledger.store, key: k2)
        _ = try after.append([try Fixture.batch("after", count: 3, signer: k1)], now: now)[0].get()
        let c3note = try ledger.checkpoint()
        #expect(throws: NoteError.self) { try Checkpoint.open(c3note, key: k1.verifierKey) }
        let c3 = try Checkpoint.open(c3note, key: k2.verifierKey)
        let c1 = try Checkpoint.open(c1note, key: k1.verifierKey)
        #expect(throws: NoteError.self) { try Checkpoint.open(c1note, key: k2.verifierKey) }
        // A consistency proof across the rotation verifies for whoever trusts both keys.
        let proof = try ledger.consistencyProof(from: c1.size, to: c3.size)
        #expect(throws: ProofError.self) { try proof.verify(key: k1.verifierKey) }
        let (a, b) = try proof.verify(keys: [k1.verifierKey, k2.verifierKey])
        #expect(a == c1 && b == c3)

        // A writer still holding only the old key cannot append any more, and says why.
        #expect { _ = try old.append([try Fixture.batch("stale", count: 1, signer: k1)], now: now) } throws: {
            ($0 as? SequencerError) == .notTheRegistryKey(current: k2.verifierKey, held: [k1.verifierKey])
        }
        // Replay re-derives the rotation and checks every checkpoint against the key of its time.
        let report = try Verifier(store: ledger.store).verify()
        #expect(report.registryKey == k2.verifierKey && report.checkpoint == c3)
        // A run from an audit state made after the rotation checks trusted checkpoints of before
        // it with the key of their time, which it no longer replays.
        var audit = Verifier(store: ledger.store)
        audit.auditStateDirectory = dir.sub("audit")
        _ = try audit.verify()
        audit.trustedCheckpoints = [c1note, transition, c3note]
        #expect(try audit.verify().resumedFrom == report.entries)
        // The rotating commit's checkpoint signed by the new key alone is a fault too: a relying
        // party that trusts the old key could not follow the rotation.
        let stored = try #require(try ledger.store.rawGet(ledger.store.checkpoints, key: be64(byNew.size)))
        try ledger.store.rawPut(ledger.store.checkpoints, key: be64(byNew.size), value: Array(byNew.sign(with: k2).utf8))
        #expect { _ = try Verifier(store: ledger.store).verify() } throws: {
            "\($0)".contains("lacks a valid signature by the outgoing key \(k1.name)")
        }
        try ledger.store.rawPut(ledger.store.checkpoints, key: be64(byNew.size), value: stored)
        _ = try Verifier(store: ledger.store).verify()
        // A checkpoint after the rotation signed by the old key alone is a fault verify names.
        try ledger.store.rawPut(ledger.store.checkpoints, key: be64(c3.size), value: Array(c3.sign(with: k1).utf8))
        #expect { _ = try Verifier(store: ledger.store).verify() } throws: {
            "\($0)".contains("stored checkpoint for tree size \(c3.size)")
        }
    }

    @Test func actorKeyRevocationTakesEffectFromItsEntryOn() throws {
        let dir = TempDir()
        let (ledger, admin) = try Fixture.newLedger(dir)
        let seq = try ledger.sequencer()
        let clerk = try NoteSigningKey.generate(name: "clerk")
        let now = Timestamp(millisecondsSinceEpoch: Fixture.t0.millisecondsSinceEpoch + 1000)
        for r in try seq.append([try Submission.Unsigned(events: [City.register(clerk, actor: "city-clerk", roles: ["admin"], scenarios: ["*"], regions: ["*"])])
            .signed(by: admin, origin: Fixture.origin)], now: now) { _ = try r.get() }
        let before = try seq.append([try Fixture.batch("by the clerk", count: 2, signer: clerk)], now: now)[0].get()
        let revoke: JSONValue = ["type": "key.revoke", "key": .string(clerk.verifierKey.description), "reason": "left the job"]
        // In one submission: a note by the clerk, its own revocation, then another note. The
        // revocation holds from its entry on, so the third event is refused and, submissions
        // being atomic, nothing of it is appended.
        let mixed = try Submission.Unsigned(events: [["type": "note", "text": "first"], revoke, ["type": "note", "text": "after"]])
            .signed(by: clerk, origin: Fixture.origin)
        guard case .failure(let v) = try seq.append([mixed], now: now)[0] else { Issue.record("accepted"); return }
        #expect(v.id == "auth.revoked" && v.eventIndex == 2)
        let revokedAt = try seq.append([try Submission.Unsigned(events: [revoke]).signed(by: admin, origin: Fixture.origin)], now: now)[0].get().firstSeq
        guard case .failure(let late) = try seq.append([try Fixture.batch("late", count: 1, signer: clerk)], now: now)[0] else { Issue.record("accepted"); return }
        #expect(late.id == "auth.revoked" && late.message.contains("\(revokedAt)"))
        // What the key signed before its revocation stays valid: the log verifies.
        _ = try Verifier(store: ledger.store).verify()
        #expect(try ledger.store.read { try $0.firstSeq(ofSubmission: before.root) } == before.firstSeq)
    }
}
