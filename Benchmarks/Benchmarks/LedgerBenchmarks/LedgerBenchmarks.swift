import Benchmark
import CarbonLedger
import Foundation
import LedgerCore
import LedgerDemo
import LedgerStore

/// Micro benchmarks of the hot paths: canonical JSON, hashing, the Merkle tree and its proofs,
/// the reducer per event type, and LMDB appends.
let benchmarks: @Sendable () -> Void = {
    let registry = try! NoteSigningKey.generate(name: "bench-registry")
    let origin = "bench.carbonledger/micro"
    var options = DemoCity.Options()
    options.residents = 2000
    options.days = 2
    let city = try! DemoCity(origin: origin, admin: registry, options: options, endingBefore: .now())
    let report = city.regularBatchesForBenchmarks(0)
    let event = report.first!.events.first!
    let eventBytes = CanonicalJSON.encode(event)
    let entry = Entry(seq: 123_456, prev: .zero, time: .now(), event: event,
                      sub: SubmissionRef(root: .zero, index: 3, count: 1000))
    let entryBytes = entry.canonicalBytes

    Benchmark("canonical encode: entry") { b in
        for _ in b.scaledIterations { blackHole(entry.canonicalBytes) }
    }
    Benchmark("canonical parse: entry (strict)") { b in
        for _ in b.scaledIterations { blackHole(try Entry.decode(entryBytes)) }
    }
    Benchmark("canonical parse: event (lenient)") { b in
        for _ in b.scaledIterations { blackHole(try JSONParser.parse(eventBytes)) }
    }
    let hasher = MerkleHasher()
    Benchmark("leaf hash: entry") { b in
        for _ in b.scaledIterations { blackHole(hasher.leafHash(entryBytes)) }
    }
    Benchmark("node hash") { b in
        let l = hasher.leafHash(entryBytes)
        for _ in b.scaledIterations { blackHole(hasher.nodeHash(l, l)) }
    }
    Benchmark("merkle frontier append", configuration: .init(scalingFactor: .kilo)) { b in
        var f = MerkleFrontier()
        let leaf = hasher.leafHash(entryBytes)
        for _ in b.scaledIterations { f.append(leafHash: leaf, hasher: hasher) { _, _, _ in } }
    }
    // A stored tree of 1M leaves in memory (as the store keeps its nodes).
    final class Nodes: MerkleNodeReader {
        var nodes: [MerkleNodeID: Digest] = [:]
        func node(_ id: MerkleNodeID) throws -> Digest { nodes[id]! }
    }
    let tree = Nodes()
    var frontier = MerkleFrontier()
    for i in 0..<1_000_000 { frontier.append(leafHash: hasher.leafHash(Array("\(i)".utf8)), hasher: hasher) { tree.nodes[MerkleNodeID(level: $0, index: $1)] = $2 } }
    Benchmark("inclusion proof: produce at 1M") { b in
        let builder = MerkleProofBuilder(reader: tree, hasher: hasher)
        for i in b.scaledIterations { blackHole(try builder.inclusionProof(index: UInt64(i * 7919 % 1_000_000), size: 1_000_000)) }
    }
    Benchmark("inclusion proof: verify at 1M") { b in
        let builder = MerkleProofBuilder(reader: tree, hasher: hasher)
        let proof = try builder.inclusionProof(index: 424_242, size: 1_000_000)
        let root = try builder.root(size: 1_000_000)
        let leaf = hasher.leafHash(Array("424242".utf8))
        for _ in b.scaledIterations { try MerkleVerifier.verifyInclusion(index: 424_242, size: 1_000_000, leafHash: leaf, proof: proof, root: root, hasher: hasher) }
    }
    // The city after its setup, in memory; each iteration applies one platform batch inside a
    // savepoint and rolls it back (both measured), so every iteration sees the same state.
    let state = StateOverlay(base: EmptyState())
    var ledger = LedgerState()
    var head = Digest.zero
    let genesis = try! Submission.Unsigned(events: [Reducer.genesisEvent(origin: origin, registryKey: registry.verifierKey)]).signed(by: registry, origin: origin)
    for sub in [genesis] + (try! city.setup()) {
        let e = SubmissionEntries(sub, firstSeq: ledger.size, prev: head, time: .now(), hasher: hasher)
        ledger = try! Reducer.apply(sub, to: ledger, state: state, time: .now(), leafHashes: e.leafHashes, lookup: NoLookups())
        head = e.head
    }
    let batch = report[0]
    let batchEntries = SubmissionEntries(batch, firstSeq: ledger.size, prev: head, time: .now(), hasher: hasher)
    let setupLedger = ledger
    Benchmark("reducer: one batch of \(batch.events.count) behaviour reports", configuration: .init(maxIterations: 200)) { b in
        for _ in b.scaledIterations {
            state.beginSavepoint()
            blackHole(try Reducer.apply(batch, to: setupLedger, state: state, time: .now(), leafHashes: batchEntries.leafHashes, lookup: NoLookups()))
            state.rollback()  // measured too: small next to the apply
        }
    }
    Benchmark("LMDB append: 1,000 note events, one commit (no fsync)", configuration: .init(maxIterations: 100)) { b in
        let dir = NSTemporaryDirectory() + "carbonledger-bench-" + UUID().uuidString
        var o = LMDBOptions()
        o.noSync = true
        let ledger = try Ledger.create(directory: dir, origin: origin, key: registry, options: o)
        let seq = try ledger.sequencer()
        var n = 0
        for _ in b.scaledIterations {
            b.stopMeasurement()
            let events: [JSONValue] = (0..<1000).map { i in ["type": "note", "text": .string("bench \(n) \(i)")] }
            n += 1
            let sub = try Submission.Unsigned(events: events).signed(by: registry, origin: origin)
            b.startMeasurement()
            blackHole(try seq.append([sub], now: .now()))
        }
        try? FileManager.default.removeItem(atPath: dir)
    }
}

struct NoLookups: SubmissionLookup {
    func firstSeq(ofSubmission root: Digest) throws -> UInt64? { nil }
}
