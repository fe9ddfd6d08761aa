/// RFC 6962 / RFC 9162 hashing: leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || l || r).
/// Holds a reusable SHA-256 context, so one hasher per thread.
public final class MerkleHasher {
    public let sha: SHA256Context

    public init() { sha = SHA256Context() }

    /// The root of the empty tree: SHA-256 of no bytes.
    public static let emptyRoot = Digest(hex: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")!

    @inlinable
    public func leafHash(_ data: UnsafeRawBufferPointer) -> Digest {
        sha.begin()
        sha.update(byte: 0)
        sha.update(data)
        return sha.finish()
    }

    public func leafHash(_ data: [UInt8]) -> Digest {
        data.withUnsafeBytes { leafHash($0) }
    }

    @inlinable
    public func nodeHash(_ left: Digest, _ right: Digest) -> Digest {
        sha.begin()
        sha.update(byte: 1)
        left.withUnsafeBytes { sha.update($0) }
        right.withUnsafeBytes { sha.update($0) }
        return sha.finish()
    }

    /// The RFC 6962 root of a list of leaf hashes, computed directly (O(n), for small lists such
    /// as the events of one submission).
    public func root(ofLeafHashes leaves: [Digest]) -> Digest {
        var frontier = MerkleFrontier()
        for h in leaves { frontier.append(leafHash: h, hasher: self) { _, _, _ in } }
        return frontier.root(hasher: self)
    }
}
