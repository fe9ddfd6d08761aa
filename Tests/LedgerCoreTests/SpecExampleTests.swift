import Foundation
import Testing
@testable import LedgerCore

/// The worked examples of SPEC.md, recomputed from the code: a change to any byte format that
/// is not also made in SPEC.md fails here. Run with SPEC_PRINT=1 to print the values.
@Suite struct SpecExampleTests {
    struct Example {
        var values: [(String, String)] = []
        mutating func add(_ name: String, _ value: String) { values.append((name, value)) }
    }

    static func build() throws -> Example {
        var ex = Example()
        let registry = try NoteSigningKey(name: "example-registry", privateKey: Ed25519PrivateKey(seed: Array(1...32)))
        let platform = try NoteSigningKey(name: "example-metro", privateKey: Ed25519PrivateKey(seed: Array(33...64)))
        let origin = "carbonledger.example/shenzhen"
        ex.add("registry private key", registry.encoded)
        ex.add("registry verifier key", registry.verifierKey.description)
        ex.add("platform verifier key", platform.verifierKey.description)
        let h = MerkleHasher()
        let t = Timestamp(rfc3339: "2026-11-21T08:00:00.000Z")!

        let genesis = try Submission.Unsigned(events: [Reducer.genesisEvent(origin: origin, registryKey: registry.verifierKey, rules: .v2)]).signed(by: registry, origin: origin)
        ex.add("genesis event", String(decoding: genesis.eventBytes[0], as: UTF8.self))
        ex.add("genesis submission root", genesis.root.hex)
        ex.add("genesis statement", String(decoding: Submission.statement(origin: origin, root: genesis.root, count: 1), as: UTF8.self))
        var e0 = [UInt8]()
        Entry.write(seq: 0, prev: .zero, time: t, eventBytes: genesis.eventBytes[0],
                    sub: SubmissionRef(root: genesis.root, index: 0, count: 1, signer: genesis.signer, signature: genesis.signature), into: &e0)
        ex.add("entry 0", String(decoding: e0, as: UTF8.self))
        let l0 = h.leafHash(e0)
        ex.add("entry 0 leaf hash", l0.hex)

        let events: [JSONValue] = [
            ["type": "key.register", "key": .string(platform.verifierKey.description), "actor": "szmetro", "roles": ["platform"],
             "scenarios": ["metro", "bus"], "regions": ["440300"]],
            ["type": "methodology.register", "id": "sz-metro", "version": 1, "title": "Shenzhen metro trips", "scenario": "metro",
             "region": "440300", "unit": "m", "kind": "quantitative", "baseline_mg": 140, "project_mg": 92, "daily_cap_mg": 5_000_000,
             "valid_from": "2026-01-01T00:00:00.000Z"],
        ]
        let sub = try Submission.Unsigned(events: events).signed(by: registry, origin: origin)
        ex.add("event 0", String(decoding: sub.eventBytes[0], as: UTF8.self))
        ex.add("event 0 leaf hash", h.leafHash(sub.eventBytes[0]).hex)
        ex.add("event 1 leaf hash", h.leafHash(sub.eventBytes[1]).hex)
        ex.add("submission root", sub.root.hex)
        ex.add("submission statement", String(decoding: Submission.statement(origin: origin, root: sub.root, count: 2), as: UTF8.self))
        ex.add("submission signature", Base64.encode(sub.signature))
        ex.add("submission wire", String(decoding: CanonicalJSON.encode(sub.json), as: UTF8.self))
        var e1 = [UInt8]()
        Entry.write(seq: 1, prev: l0, time: t, eventBytes: sub.eventBytes[0],
                    sub: SubmissionRef(root: sub.root, index: 0, count: 2, signer: sub.signer, signature: sub.signature), into: &e1)
        var e2 = [UInt8]()
        let l1 = h.leafHash(e1)
        Entry.write(seq: 2, prev: l1, time: t, eventBytes: sub.eventBytes[1], sub: SubmissionRef(root: sub.root, index: 1, count: 2), into: &e2)
        let l2 = h.leafHash(e2)
        ex.add("entry 1", String(decoding: e1, as: UTF8.self))
        ex.add("entry 1 leaf hash", l1.hex)
        ex.add("entry 2", String(decoding: e2, as: UTF8.self))
        ex.add("entry 2 leaf hash", l2.hex)
        let root = h.nodeHash(h.nodeHash(l0, l1), l2)
        ex.add("tree root size 3 (hex)", root.hex)
        let cp = Checkpoint(origin: origin, size: 3, root: root)
        ex.add("checkpoint note", cp.sign(with: registry))
        ex.add("inclusion proof of entry 1 in size 3", "[\"\(l0.hex)\",\"\(l2.hex)\"]")
        return ex
    }

    @Test func specContainsTheWorkedExamples() throws {
        let ex = try Self.build()
        if ProcessInfo.processInfo.environment["SPEC_PRINT"] != nil {
            for (k, v) in ex.values { print("== \(k)\n\(v)") }
        }
        let specURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("SPEC.md")
        let spec = try String(contentsOf: specURL, encoding: .utf8)
        for (name, value) in ex.values {
            #expect(spec.contains(value), "SPEC.md lacks the worked example \"\(name)\": \(value)")
        }
    }
}
