import Testing
@testable import LedgerCore
import TestSupport

/// An in-memory tree built the way the store builds it: every node the frontier completes is kept.
struct MemoryTree: MerkleNodeReader {
    var nodes: [MerkleNodeID: Digest] = [:]
    var frontier = MerkleFrontier()
    var storageOrder: [UInt64] = []
    let hasher = MerkleHasher()

    init(leaves: [[UInt8]]) {
        for l in leaves { append(hasher.leafHash(l)) }
    }

    mutating func append(_ leaf: Digest) {
        var completed: [(MerkleNodeID, Digest)] = []
        frontier.append(leafHash: leaf, hasher: hasher) { level, index, h in completed.append((MerkleNodeID(level: level, index: index), h)) }
        for (id, h) in completed {
            nodes[id] = h
            storageOrder.append(id.storageIndex)
        }
    }

    func node(_ id: MerkleNodeID) throws -> Digest {
        guard let h = nodes[id] else { throw StoreErrorForTests.missing(id) }
        return h
    }
}

enum StoreErrorForTests: Error { case missing(MerkleNodeID) }

@Suite struct MerkleTests {
    // transparency-dev/merkle's reference tree: 8 leaves and the roots of every prefix.
    static let leaves: [[UInt8]] = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"].map { Hex.decode($0)! }
    static let roots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ].map { Digest(hex: $0)! }
    // (leaf index, tree size, proof)
    static let inclusion: [(UInt64, UInt64, [String])] = [
        (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
        (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
        (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
        (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    ]
    // (size1, size2, proof)
    static let consistency: [(UInt64, UInt64, [String])] = [
        (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
        (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
        (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
        (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    ]

    @Test func rootsOfEveryPrefixMatchReference() throws {
        let tree = MemoryTree(leaves: Self.leaves)
        let b = MerkleProofBuilder(reader: tree, hasher: MerkleHasher())
        for size in 1...8 {
            #expect(try b.root(size: UInt64(size)) == Self.roots[size - 1], "size \(size)")
            #expect(MemoryTree(leaves: Array(Self.leaves.prefix(size))).frontier.root(hasher: MerkleHasher()) == Self.roots[size - 1])
        }
        #expect(try b.root(size: 0) == MerkleHasher.emptyRoot)
    }

    @Test func inclusionProofsMatchReference() throws {
        let tree = MemoryTree(leaves: Self.leaves)
        let b = MerkleProofBuilder(reader: tree, hasher: MerkleHasher())
        for (index, size, expected) in Self.inclusion {
            let proof = try b.inclusionProof(index: index, size: size)
            #expect(proof.map(\.hex) == expected)
            let leaf = MerkleHasher().leafHash(Self.leaves[Int(index)])
            try MerkleVerifier.verifyInclusion(index: index, size: size, leafHash: leaf, proof: proof, root: Self.roots[Int(size) - 1], hasher: MerkleHasher())
            for probe in Self.corruptInclusion(index: index, size: size, proof: proof, root: Self.roots[Int(size) - 1], leaf: leaf) {
                #expect(throws: MerkleVerificationError.self, "\(probe.desc) accepted") {
                    try MerkleVerifier.verifyInclusion(index: probe.index, size: probe.size, leafHash: probe.leaf, proof: probe.proof, root: probe.root, hasher: MerkleHasher())
                }
            }
        }
    }

    @Test func consistencyProofsMatchReference() throws {
        let tree = MemoryTree(leaves: Self.leaves)
        let b = MerkleProofBuilder(reader: tree, hasher: MerkleHasher())
        for (s1, s2, expected) in Self.consistency {
            let proof = try b.consistencyProof(from: s1, to: s2)
            #expect(proof.map(\.hex) == expected)
            let r1 = Self.roots[Int(s1) - 1], r2 = Self.roots[Int(s2) - 1]
            try MerkleVerifier.verifyConsistency(size1: s1, size2: s2, root1: r1, root2: r2, proof: proof, hasher: MerkleHasher())
            for probe in Self.corruptConsistency(s1: s1, s2: s2, r1: r1, r2: r2, proof: proof) {
                #expect(throws: MerkleVerificationError.self, "\(probe.desc) accepted") {
                    try MerkleVerifier.verifyConsistency(size1: probe.s1, size2: probe.s2, root1: probe.r1, root2: probe.r2, proof: probe.proof, hasher: MerkleHasher())
                }
            }
        }
    }

    @Test func edgeCasesOfConsistency() throws {
        let h = MerkleHasher()
        let r = Self.roots[0], other = Self.roots[1]
        try MerkleVerifier.verifyConsistency(size1: 0, size2: 5, root1: other, root2: r, proof: [], hasher: h)
        try MerkleVerifier.verifyConsistency(size1: 3, size2: 3, root1: r, root2: r, proof: [], hasher: h)
        #expect(throws: MerkleVerificationError.self) { try MerkleVerifier.verifyConsistency(size1: 3, size2: 3, root1: r, root2: other, proof: [], hasher: h) }
        #expect(throws: MerkleVerificationError.self) { try MerkleVerifier.verifyConsistency(size1: 3, size2: 3, root1: r, root2: r, proof: [r], hasher: h) }
        #expect(throws: MerkleVerificationError.self) { try MerkleVerifier.verifyConsistency(size1: 4, size2: 3, root1: r, root2: r, proof: [], hasher: h) }
        #expect(throws: MerkleVerificationError.self) { try MerkleVerifier.verifyConsistency(size1: 1, size2: 2, root1: r, root2: other, proof: [], hasher: h) }
        #expect(throws: MerkleVerificationError.self) { try MerkleVerifier.verifyInclusion(index: 0, size: 0, leafHash: r, proof: [], root: r, hasher: h) }
        #expect(throws: MerkleVerificationError.self) { try MerkleVerifier.verifyInclusion(index: 1, size: 1, leafHash: r, proof: [], root: r, hasher: h) }
    }

    /// RFC 9162 accepts a proof from the empty tree; a ledger's proof document does not (SPEC.md
    /// 7.2: every checkpoint covers the genesis entry), even with both checkpoints signed.
    @Test func aConsistencyProofFromTheEmptyTreeIsRefused() throws {
        let key = try NoteSigningKey.generate(name: "registry")
        let empty = Checkpoint(origin: "x.test/log", size: 0, root: MerkleHasher.emptyRoot).sign(with: key)
        let five = Checkpoint(origin: "x.test/log", size: 5, root: Self.roots[0]).sign(with: key)
        let proof = ConsistencyProof(fromCheckpoint: empty, toCheckpoint: five, hashes: [])
        #expect(throws: ProofError.field("from_size", "must be at least 1: every checkpoint of a ledger covers its genesis entry")) {
            try proof.verify(key: key.verifierKey)
        }
        let bytes = CanonicalJSON.encode(proof.json)
        #expect(throws: ProofError.self) { _ = try ProofDocument.decode(bytes).verify(key: key.verifierKey) }
    }

    /// Every inclusion and consistency proof of every tree up to 300 leaves equals the naive
    /// RFC 6962 definition, verifies, and fails when any hash has a flipped bit.
    @Test func exhaustiveDifferentialUpTo300() throws {
        let n = 300
        let data: [[UInt8]] = (0..<n).map { i in Array("leaf \(i)".utf8) }
        let tree = MemoryTree(leaves: data)
        let hasher = MerkleHasher()
        let leaves = data.map { hasher.leafHash($0) }
        let b = MerkleProofBuilder(reader: tree, hasher: hasher)
        let naive = NaiveMerkle()
        var roots: [Digest] = [MerkleHasher.emptyRoot]
        for size in 1...n {
            let root = naive.mth(leaves[0..<size])
            #expect(try b.root(size: UInt64(size)) == root)
            roots.append(root)
        }
        var checked = 0
        for size in 1...n {
            for m in 0..<size {
                let proof = try b.inclusionProof(index: UInt64(m), size: UInt64(size))
                #expect(proof == naive.path(m, leaves[0..<size]), "inclusion \(m) of \(size)")
                try MerkleVerifier.verifyInclusion(index: UInt64(m), size: UInt64(size), leafHash: leaves[m], proof: proof, root: roots[size], hasher: hasher)
                if !proof.isEmpty {
                    var bad = proof
                    bad[(m + size) % bad.count].withUnsafeMutableBytes { $0[(m * 7) % 32] ^= 1 << UInt8(size % 8) }
                    #expect(throws: MerkleVerificationError.self) {
                        try MerkleVerifier.verifyInclusion(index: UInt64(m), size: UInt64(size), leafHash: leaves[m], proof: bad, root: roots[size], hasher: hasher)
                    }
                }
                let from = m + 1
                let cproof = try b.consistencyProof(from: UInt64(from), to: UInt64(size))
                if from < size {
                    #expect(cproof == naive.subproof(from, leaves[0..<size], true), "consistency \(from) to \(size)")
                    var bad = cproof
                    bad[(m + size) % bad.count].withUnsafeMutableBytes { $0[(m * 5) % 32] ^= 1 << UInt8(m % 8) }
                    #expect(throws: MerkleVerificationError.self) {
                        try MerkleVerifier.verifyConsistency(size1: UInt64(from), size2: UInt64(size), root1: roots[from], root2: roots[size], proof: bad, hasher: hasher)
                    }
                } else {
                    #expect(cproof.isEmpty)
                }
                try MerkleVerifier.verifyConsistency(size1: UInt64(from), size2: UInt64(size), root1: roots[from], root2: roots[size], proof: cproof, hasher: hasher)
                checked += 1
            }
        }
        #expect(checked == n * (n + 1) / 2)
    }

    @Test func storageIndexFollowsAppendOrder() {
        let tree = MemoryTree(leaves: (0..<1000).map { [UInt8(truncatingIfNeeded: $0)] })
        #expect(tree.storageOrder == Array(0..<UInt64(tree.storageOrder.count)))
        #expect(tree.storageOrder.count == 2 * 1000 - 1000.nonzeroBitCount)
    }

    @Test func frontierRestoresFromStoredNodes() throws {
        let tree = MemoryTree(leaves: (0..<777).map { Array("x\($0)".utf8) })
        for size in [1, 2, 3, 255, 256, 257, 776, 777] as [UInt64] {
            let restored = try MerkleFrontier(size: size, reader: tree)
            let direct = MemoryTree(leaves: (0..<Int(size)).map { Array("x\($0)".utf8) }).frontier
            #expect(restored == direct)
        }
    }

    // MARK: probes (the mutations transparency-dev/merkle applies to every reference proof)

    struct InclusionProbe { var index, size: UInt64; var leaf, root: Digest; var proof: [Digest]; var desc: String }
    struct ConsistencyProbe { var s1, s2: UInt64; var r1, r2: Digest; var proof: [Digest]; var desc: String }

    static let someHash = Digest(hex: "abacaba000000000000000000000000000000000000000000060061e00123456")!

    static func corruptInclusion(index: UInt64, size: UInt64, proof: [Digest], root: Digest, leaf: Digest) -> [InclusionProbe] {
        var out = [
            InclusionProbe(index: index &- 1, size: size, leaf: leaf, root: root, proof: proof, desc: "index - 1"),
            InclusionProbe(index: index + 1, size: size, leaf: leaf, root: root, proof: proof, desc: "index + 1"),
            InclusionProbe(index: index ^ 2, size: size, leaf: leaf, root: root, proof: proof, desc: "index ^ 2"),
            InclusionProbe(index: index, size: size * 2, leaf: leaf, root: root, proof: proof, desc: "size * 2"),
            InclusionProbe(index: index, size: size / 2, leaf: leaf, root: root, proof: proof, desc: "size / 2"),
            InclusionProbe(index: index, size: size, leaf: someHash, root: root, proof: proof, desc: "wrong leaf"),
            InclusionProbe(index: index, size: size, leaf: leaf, root: MerkleHasher.emptyRoot, proof: proof, desc: "empty root"),
            InclusionProbe(index: index, size: size, leaf: leaf, root: someHash, proof: proof, desc: "random root"),
            InclusionProbe(index: index, size: size, leaf: leaf, root: root, proof: proof + [root], desc: "trailing root"),
            InclusionProbe(index: index, size: size, leaf: leaf, root: root, proof: [root] + proof, desc: "preceding root"),
        ]
        for i in proof.indices {
            var p = proof
            p[i].withUnsafeMutableBytes { $0[0] ^= 8 }
            out.append(InclusionProbe(index: index, size: size, leaf: leaf, root: root, proof: p, desc: "flip proof[\(i)]"))
        }
        if !proof.isEmpty { out.append(InclusionProbe(index: index, size: size, leaf: leaf, root: root, proof: proof.dropLast(), desc: "truncated")) }
        if proof.count > 1 {
            out.append(InclusionProbe(index: index, size: size, leaf: leaf, root: root, proof: [proof[0], someHash] + proof.dropFirst(), desc: "inserted"))
        }
        return out
    }

    static func corruptConsistency(s1: UInt64, s2: UInt64, r1: Digest, r2: Digest, proof: [Digest]) -> [ConsistencyProbe] {
        var out = [
            ConsistencyProbe(s1: s1 - 1, s2: s2, r1: r1, r2: r2, proof: proof, desc: "size1 - 1"),
            ConsistencyProbe(s1: s1 + 1, s2: s2, r1: r1, r2: r2, proof: proof, desc: "size1 + 1"),
            ConsistencyProbe(s1: s1 ^ 2, s2: s2, r1: r1, r2: r2, proof: proof, desc: "size1 ^ 2"),
            ConsistencyProbe(s1: s1, s2: s2 * 2, r1: r1, r2: r2, proof: proof, desc: "size2 * 2"),
            ConsistencyProbe(s1: s1, s2: s2 / 2, r1: r1, r2: r2, proof: proof, desc: "size2 / 2"),
            ConsistencyProbe(s1: s1, s2: s2, r1: someHash, r2: r2, proof: proof, desc: "wrong root1"),
            ConsistencyProbe(s1: s1, s2: s2, r1: r1, r2: someHash, proof: proof, desc: "wrong root2"),
            ConsistencyProbe(s1: s1, s2: s2, r1: r2, r2: r1, proof: proof, desc: "swapped roots"),
            ConsistencyProbe(s1: s1, s2: s2, r1: r1, r2: r2, proof: [], desc: "empty proof"),
            ConsistencyProbe(s1: s1, s2: s2, r1: r1, r2: r2, proof: proof + [r1], desc: "trailing root1"),
            ConsistencyProbe(s1: s1, s2: s2, r1: r1, r2: r2, proof: proof + [r2], desc: "trailing root2"),
            ConsistencyProbe(s1: s1, s2: s2, r1: r1, r2: r2, proof: [r1] + proof, desc: "preceding root1"),
            ConsistencyProbe(s1: s1, s2: s2, r1: r1, r2: r2, proof: [r2] + proof, desc: "preceding root2"),
            ConsistencyProbe(s1: s1, s2: s2, r1: r1, r2: r2, proof: [proof[0]] + proof, desc: "preceding proof[0]"),
            ConsistencyProbe(s1: s1, s2: s2, r1: r1, r2: r2, proof: proof.dropLast(), desc: "truncated"),
        ]
        for i in proof.indices {
            var p = proof
            p[i].withUnsafeMutableBytes { $0[0] ^= 16 }
            out.append(ConsistencyProbe(s1: s1, s2: s2, r1: r1, r2: r2, proof: p, desc: "flip proof[\(i)]"))
        }
        return out
    }
}

/// A replay's workers hash the nodes inside their part of the log (`MerkleRunNodes`) and the
/// replay's thread the ones reaching left of it: together the same tree, the same stored nodes
/// checked, and a changed one found at the leaf that completes it.
@Suite struct MerkleRunNodesTests {
    let hasher = MerkleHasher()

    /// A tree of `count` leaves and its stored nodes by storage index, as the log keeps them.
    func tree(_ count: Int) -> (leaves: [Digest], tree: MemoryTree, stored: [Digest?]) {
        let leaves = (0..<count).map { hasher.leafHash(Array("leaf \($0)".utf8)) }
        var tree = MemoryTree(leaves: [])
        for l in leaves { tree.append(l) }
        var stored = [Digest?](repeating: nil, count: Int(MerkleNodeID.storedCount(leaves: UInt64(count))))
        for (id, h) in tree.nodes { stored[Int(id.storageIndex)] = h }
        return (leaves, tree, stored)
    }

    @Test func runsAndTheFrontierMakeTheTreeAndCheckEveryNode() throws {
        let (leaves, tree, stored) = self.tree(300)
        #expect(!stored.contains(nil))
        var rng = SplitMix64(seed: 6962)
        for (first, count) in [(0, 300), (1, 7), (7, 9), (8, 8), (63, 65), (100, 1), (255, 45)] + (0..<20).map({ _ in
            let f = Int.random(in: 0..<299, using: &rng); return (f, Int.random(in: 1...(300 - f), using: &rng)) }) {
            let base = Int(MerkleNodeID.storedCount(leaves: UInt64(first)))
            let run = MerkleRunNodes.compute(first: UInt64(first), leafHashes: leaves[first..<(first + count)], stored: stored[base...], hasher: hasher)
            #expect(run.count == count && run.allSatisfy(\.matches), "run \(first) + \(count)")
            // The frontier before the run, then the run's leaves with what it merged.
            var plain = MerkleFrontier(), split = MerkleFrontier()
            for l in leaves[..<first] {
                plain.append(leafHash: l, hasher: hasher) { _, _, _ in }
                split.append(leafHash: l, hasher: hasher) { _, _, _ in }
            }
            for (k, l) in leaves[first..<(first + count)].enumerated() {
                var all: [MerkleNodeID] = [], left: [MerkleNodeID] = []
                plain.append(leafHash: l, hasher: hasher) { level, index, _ in all.append(MerkleNodeID(level: level, index: index)) }
                split.append(leafHash: l, merged: Int(run[k].merged), node: run[k].node, hasher: hasher) { level, index, h in
                    left.append(MerkleNodeID(level: level, index: index))
                    #expect(tree.nodes[MerkleNodeID(level: level, index: index)] == h)
                }
                // The run hashed the leaf and the nodes inside it; the frontier the rest, which reach left of the run.
                #expect(Array(all.dropFirst(1 + Int(run[k].merged))) == left, "leaf \(first + k)")
                #expect(left.allSatisfy { $0.index << UInt64($0.level) < UInt64(first) })
                #expect(plain == split)
            }
        }
    }

    @Test func aChangedOrMissingStoredNodeIsFoundAtTheLeafCompletingIt() throws {
        let (leaves, tree, stored) = self.tree(64)
        for (id, _) in tree.nodes where id.index << UInt64(id.level) >= 16 {
            let last = Int((id.index + 1) << UInt64(id.level)) - 1  // the leaf completing it
            for damage in [nil, Digest.zero] as [Digest?] {
                var changed = stored
                changed[Int(id.storageIndex)] = damage
                let base = Int(MerkleNodeID.storedCount(leaves: 16))
                let run = MerkleRunNodes.compute(first: 16, leafHashes: leaves[16...], stored: changed[base...], hasher: hasher)
                #expect(run.indices.filter { !run[$0].matches } == [last - 16], "\(id)")
            }
        }
    }
}
