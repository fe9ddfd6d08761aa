import Testing
@testable import LedgerCore

/// The tile paths and counts of c2sp.org/tlog-tiles, on the specification's own examples.
@Suite struct TileLayoutTests {
    func paths(_ size: UInt64) -> [String] {
        var out: [String] = []
        TileLayout.forEachHashTile(size: size) { out.append($0.path) }
        return out
    }

    @Test func pathsAndCountsFollowTheSpecificationsExamples() {
        #expect(TileLayout.indexPath(1_234_067) == "x001/x234/067" && TileLayout.indexPath(0) == "000" && TileLayout.indexPath(999) == "999"
                && TileLayout.indexPath(1000) == "x001/000")
        // "A tree of size 70,000 will be represented by 273 full level 0 tiles, one partial level 0
        // tile of width 112, one full level 1 tile, one partial level 1 tile of width 17, and one
        // partial level 2 tile of width 1."
        let big = paths(70_000)
        #expect(big.count == 273 + 4 && big[272] == "tile/0/272" && Array(big.suffix(4)) == ["tile/0/273.p/112", "tile/1/000", "tile/1/001.p/17", "tile/2/000.p/1"])
        // "A tree of size 256 will be represented by a full level 0 tile and a partial level 1 tile of width 1."
        #expect(paths(256) == ["tile/0/000", "tile/1/000.p/1"])
        #expect(paths(1) == ["tile/0/000.p/1"] && paths(0).isEmpty)
        var bundles: [String] = []
        TileLayout.forEachBundle(size: 513) { bundles.append($0.path) }
        #expect(bundles == ["tile/entries/000", "tile/entries/001", "tile/entries/002.p/1"])
        // Level l's hash i is Merkle level 8l, index 256n+i.
        #expect(TileLayout.Tile(level: 1, index: 2, width: 256).node(3) == MerkleNodeID(level: 8, index: 515))
    }
}
