/// Where a tree's hashes and entries live when the log is published as C2SP tlog-tiles
/// (c2sp.org/tlog-tiles, SPEC.md section 13): tiles of 256 hashes, level `l` holding the roots of
/// the complete subtrees of height 8·l, entry bundles beside the level-0 tiles. Pure path and
/// counting rules; the ledger service writes the files.
public enum TileLayout {
    /// Hashes in a full tile, entries in a full bundle.
    public static let width = 256

    /// One tile or bundle of a tree: `level` nil for an entry bundle.
    public struct Tile: Equatable, Sendable {
        public var level: Int?
        public var index: UInt64
        /// 256 for a full tile, 1-255 for the partial one at the right edge.
        public var width: Int
        public var isFull: Bool { width == TileLayout.width }

        /// `tile/L/N` or `tile/entries/N`, with `.p/W` for a partial one; N as 3-digit groups,
        /// every group but the last prefixed with `x` (1234067: `x001/x234/067`).
        public var path: String {
            "tile/\(level.map(String.init) ?? "entries")/\(TileLayout.indexPath(index))" + (isFull ? "" : ".p/\(width)")
        }

        /// The tree node each hash of this hash tile is (tile level l holds Merkle level 8·l).
        public func node(_ i: Int) -> MerkleNodeID {
            MerkleNodeID(level: 8 * (level ?? 0), index: index * UInt64(TileLayout.width) + UInt64(i))
        }
    }

    /// `x001/x234/067` for 1234067, `000` for 0.
    public static func indexPath(_ n: UInt64) -> String {
        var groups: [String] = []
        var v = n
        repeat {
            let g = String(v % 1000)
            groups.append(String(repeating: "0", count: 3 - g.count) + g)
            v /= 1000
        } while v > 0
        return groups.reversed().enumerated().map { i, g in i == groups.count - 1 ? g : "x" + g }.joined(separator: "/")
    }

    /// Calls `body` for every hash tile of a tree of `size` leaves, level by level from 0, full
    /// tiles first, then the level's partial one (width `⌊size ÷ 256^l⌋ mod 256`, never empty).
    public static func forEachHashTile(size: UInt64, _ body: (Tile) throws -> Void) rethrows {
        var level = 0
        while 8 * level < 64 {
            let hashes = size >> UInt64(8 * level)
            if hashes == 0 { break }
            try forEach(level: level, count: hashes, body)
            level += 1
        }
    }

    /// Calls `body` for every entry bundle of a tree of `size` leaves (as the level-0 tiles).
    public static func forEachBundle(size: UInt64, _ body: (Tile) throws -> Void) rethrows {
        try forEach(level: nil, count: size, body)
    }

    private static func forEach(level: Int?, count: UInt64, _ body: (Tile) throws -> Void) rethrows {
        let w = UInt64(width)
        var n: UInt64 = 0
        while n < count / w {
            try body(Tile(level: level, index: n, width: width))
            n += 1
        }
        if count % w > 0 { try body(Tile(level: level, index: count / w, width: Int(count % w))) }
    }
}

extension TileLayout {
    /// The tile or bundle a path names (`tile/L/N[.p/W]`, `tile/entries/N[.p/W]`, without a
    /// leading `/`), or nil. Only the one spelling `path` writes is accepted (no leading zeros
    /// in L or W, no empty `x000` groups, W 1-255), so every tile has one URL a cache can key on.
    public static func parse(_ path: Substring) -> Tile? {
        var parts = path.split(separator: "/", omittingEmptySubsequences: false)[...]
        guard parts.popFirst() == "tile", let l = parts.popFirst() else { return nil }
        var level: Int?
        if l != "entries" {
            guard let v = decimal(l), v < 8 else { return nil }
            level = Int(v)
        }
        var width = TileLayout.width
        if parts.count >= 2, let last = parts.last, let partial = parts.dropLast().last, partial.hasSuffix(".p") {
            guard let w = decimal(last), w >= 1, w < UInt64(TileLayout.width) else { return nil }
            width = Int(w)
            parts = parts.dropLast()
            parts[parts.endIndex - 1] = partial.dropLast(2)
        }
        guard !parts.isEmpty, parts.count <= 7 else { return nil }
        var index: UInt64 = 0
        for (i, g) in parts.enumerated() {
            let isLast = i == parts.count - 1
            let digits = isLast ? g : (g.first == "x" ? g.dropFirst() : "")
            guard digits.count == 3, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let v = UInt64(digits) else { return nil }
            if i == 0 && !isLast && v == 0 { return nil }
            let (m, o1) = index.multipliedReportingOverflow(by: 1000)
            let (s, o2) = m.addingReportingOverflow(v)
            guard !o1, !o2 else { return nil }
            index = s
        }
        return Tile(level: level, index: index, width: width)
    }

    /// A decimal without sign or leading zeros.
    private static func decimal(_ s: Substring) -> UInt64? {
        guard !s.isEmpty, s.count <= 3, s.allSatisfy({ $0.isASCII && $0.isNumber }), s == "0" || s.first != "0" else { return nil }
        return UInt64(s)
    }
}

extension TileLayout.Tile {
    /// Whether a tree of `size` leaves has every hash (or entry) of this tile: a full tile once
    /// its 256 exist, a partial tile of width W once its first W do. Both never change after.
    public func exists(inTreeOf size: UInt64) -> Bool {
        let available = size >> UInt64(8 * (level ?? 0))
        let (start, o1) = index.multipliedReportingOverflow(by: UInt64(TileLayout.width))
        let (end, o2) = start.addingReportingOverflow(UInt64(width))
        return !o1 && !o2 && end <= available
    }
}
