import Foundation
import LedgerCore
import CarbonLedger
import LedgerDemo

/// A fresh directory under the system temp dir, removed when released.
public final class TempDir: @unchecked Sendable {
    public let path: String
    public init() {
        path = NSTemporaryDirectory() + "carbonledger-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    public func sub(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
    /// Writes `text` to `name` inside the directory and returns its path.
    public func write(_ name: String, _ text: String) -> String {
        let p = sub(name)
        // A test must not go on with a file that is not there.
        precondition(FileManager.default.createFile(atPath: p, contents: Data(text.utf8)), "cannot write \(p)")
        return p
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// The demo's seeded PRNG, re-exported for tests.
public typealias SplitMix64 = LedgerDemo.SplitMix64

/// RFC 6962 section 2.1 written directly from the definitions over the leaf hashes: the
/// reference the production proof code is checked against. MTH results are memoised by range
/// so exhaustive tests stay fast; the recursion itself is the RFC's.
public final class NaiveMerkle {
    let h = MerkleHasher()
    var memo: [Int: Digest] = [:]
    public init() {}
    func split(_ n: Int) -> Int { var k = 1; while k << 1 < n { k <<= 1 }; return k }
    public func mth(_ d: ArraySlice<Digest>) -> Digest {
        if d.isEmpty { return MerkleHasher.emptyRoot }
        if d.count == 1 { return d.first! }
        let key = d.startIndex << 20 | d.count
        if let m = memo[key] { return m }
        let k = split(d.count)
        let r = h.nodeHash(mth(d.prefix(k)), mth(d.dropFirst(k)))
        memo[key] = r
        return r
    }
    public func path(_ m: Int, _ d: ArraySlice<Digest>) -> [Digest] {
        if d.count <= 1 { return [] }
        let k = split(d.count)
        return m < k ? path(m, d.prefix(k)) + [mth(d.dropFirst(k))] : path(m - k, d.dropFirst(k)) + [mth(d.prefix(k))]
    }
    public func subproof(_ m: Int, _ d: ArraySlice<Digest>, _ b: Bool) -> [Digest] {
        if m == d.count { return b ? [] : [mth(d)] }
        let k = split(d.count)
        return m <= k ? subproof(m, d.prefix(k), b) + [mth(d.dropFirst(k))] : subproof(m - k, d.dropFirst(k), false) + [mth(d.prefix(k))]
    }
}

extension Verifier {
    /// `verify` with the comparisons reading `records` stored records a step (each step's read
    /// made while the one before is compared), for a test to hold against the default steps.
    public func verifyInSteps(of records: Int) -> Result<VerificationReport, Error> {
        var v = self
        v.compareChunk = records
        return Result { try v.verify() }
    }
}

extension Result {
    /// The failure as its description (what a command would print), nil on success.
    public var failureText: String? {
        if case .failure(let e) = self { return "\(e)" }
        return nil
    }
}
