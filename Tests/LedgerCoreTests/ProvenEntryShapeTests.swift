import Testing
@testable import LedgerCore

/// Issue 22: an offline verifier that trusts a key still refuses proofs of entries no ledger
/// appends, and certificates whose fields lack their schemas' shapes, even when every hash and
/// signature is right (a key that signs a tree of such entries is what these tests stand in for).
@Suite struct ProvenEntryShapeTests {
    let key = try! NoteSigningKey.generate(name: "registry")
    let time = Timestamp(rfc3339: "2026-11-21T08:00:00.000Z")!

    /// Entries as a log would store them, chained, each its own one-event submission.
    func entries(_ events: [JSONValue], firstPrev: Digest = .zero) throws -> [Entry] {
        var prev = firstPrev
        var out: [Entry] = []
        for (seq, event) in events.enumerated() {
            let sub = try Submission.Unsigned(events: [event]).signed(by: key, origin: "x.test/log")
            var bytes: [UInt8] = []
            Entry.write(seq: UInt64(seq), prev: prev, time: time, eventBytes: sub.eventBytes[0],
                        sub: SubmissionRef(root: sub.root, index: 0, count: 1, signer: sub.signer, signature: sub.signature), into: &bytes)
            let e = try Entry.decode(bytes)
            prev = MerkleHasher().leafHash(e.canonicalBytes)
            out.append(e)
        }
        return out
    }

    /// An inclusion proof document of `entries[n]` in the tree of all of them, signed by `key`.
    func proof(of n: Int, in entries: [Entry]) throws -> [UInt8] {
        let h = MerkleHasher()
        let leaves = entries.map { h.leafHash($0.canonicalBytes) }
        let tree = MemoryTree(leaves: entries.map(\.canonicalBytes))
        let root = h.root(ofLeafHashes: leaves)
        let cp = Checkpoint(origin: "x.test/log", size: UInt64(leaves.count), root: root).sign(with: key)
        let hashes = try MerkleProofBuilder(reader: tree, hasher: h).inclusionProof(index: UInt64(n), size: UInt64(leaves.count))
        return CanonicalJSON.encode(InclusionProof(entry: entries[n], hashes: hashes, checkpoint: cp).json)
    }

    var genesis: JSONValue { Reducer.genesisEvent(origin: "x.test/log", registryKey: key.verifierKey) }

    @Test func proofsOfEntriesNoLedgerAppendsAreRefused() throws {
        let good = try entries([genesis, ["type": "note", "text": "fine"]])
        #expect(try ProofDocument.decode(proof(of: 1, in: good)).verify(key: key.verifierKey).contains("entry 1"))
        #expect(try ProofDocument.decode(proof(of: 0, in: good)).verify(key: key.verifierKey).contains("entry 0"))
        // Entry 0 chained to something; entry 0 that is no genesis; events without a known type.
        let cases: [([Entry], Int, String)] = [
            (try entries([genesis], firstPrev: MerkleHasher().leafHash([1])), 0, "entry.prev"),
            (try entries([["type": "note", "text": "first"]]), 0, "entry.event.type"),
            (try entries([genesis, ["text": "no type"]]), 1, "entry.event.type"),
            (try entries([genesis, ["type": "behaviour.teleport"]]), 1, "entry.event.type"),
            (try entries([genesis, genesis]), 1, "entry.event.type"),
        ]
        for (log, n, field) in cases {
            #expect { _ = try ProofDocument.decode(try proof(of: n, in: log)) } throws: { e in
                guard case .field(let f, _) = e as? ProofError else { return false }
                return f == field
            }
        }
    }

    @Test func certificatesShowOnlyWellShapedFields() throws {
        let issue: JSONValue = ["type": "issuance.issue", "request": "rq-1", "project": "metro-2026", "batch": "b1", "vintage": "2026",
                                "region": "440300", "units": 10, "lineage_root": .string(String(repeating: "ab", count: 32))]
        let retire: JSONValue = ["type": "units.retire", "retirement": "ret-1", "batch": "b1", "account": "e-byd", "ranges": [[1, 2]], "units": 2,
                                 "beneficiary": "BYD", "purpose": "voluntary", "reason": "2026 operations", "jurisdiction": "CN-44",
                                 "period_from": "20260101", "period_to": "20261231"]
        func summary(_ i: JSONValue, _ r: JSONValue) throws -> JSONValue {
            let log = try entries([genesis, i, r])
            let cert = RetirementCertificate(retirement: .init(entry: log[2], hashes: []), issuance: .init(entry: log[1], hashes: []), checkpoint: "")
            return try cert.summary(origin: "x.test/log", size: 3)
        }
        #expect(try summary(issue, retire)["serials"] == ["CN-440300-metro-2026-2026-b1-1-2"])
        let bad: [(JSONValue, JSONValue, String)] = [
            (issue.with("vintage", "26"), retire, "issuance.entry.event.vintage"),
            (issue.with("region", "Shenzhen"), retire, "issuance.entry.event.region"),
            (issue.with("project", "Metro 2026"), retire, "issuance.entry.event.project"),
            (issue.with("lineage_root", "abc"), retire, "issuance.entry.event.lineage_root"),
            (issue, retire.with("purpose", "greenwash"), "retirement.entry.event.purpose"),
            (issue, retire.with("period_to", "2026-12-31"), "retirement.entry.event.period_to"),
            (issue, retire.with("beneficiary", ""), "retirement.entry.event.beneficiary"),
            (issue, retire.with("compliance", ["scheme": "hubei-ets", "year": 26]), "retirement.entry.event.compliance"),
        ]
        for (i, r, field) in bad {
            #expect { _ = try summary(i, r) } throws: { e in
                guard case .field(let f, _) = e as? ProofError else { return false }
                return f == field
            }
        }
    }
}
