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

    @Test func aPathParsesBackOnlyInTheSpellingItIsWrittenIn() {
        for t in [TileLayout.Tile(level: 0, index: 0, width: 256), TileLayout.Tile(level: 2, index: 1_234_067, width: 17),
                  TileLayout.Tile(level: nil, index: 1000, width: 1), TileLayout.Tile(level: 7, index: UInt64.max, width: 256)] {
            #expect(TileLayout.parse(Substring(t.path)) == t, "\(t.path)")
        }
        for bad in ["tile/0", "tile/00/000", "tile/8/000", "tile/-1/000", "tile/0/00", "tile/0/0000", "tile/0/x000/001",
                    "tile/0/001/002", "tile/0/x1/000", "tile/0/000.p", "tile/0/000.p/0", "tile/0/000.p/256", "tile/0/000.p/05",
                    "tile/0/000/", "tile//000", "tiles/0/000", "tile/entries/x001.p/3", "tile/0/x018/x446/x744/x073/x709/x551/616",
                    "tile/0/x001/x002/x003/x004/x005/x006/x007/008", "tile/0/000.p/1/2", "tile/0/٠٠٠"] {
            #expect(TileLayout.parse(Substring(bad)) == nil, "\(bad)")
        }
    }

    @Test func aTileExistsOnceTheTreeHoldsAllItsHashes() {
        #expect(TileLayout.Tile(level: 0, index: 0, width: 256).exists(inTreeOf: 256))
        #expect(!TileLayout.Tile(level: 0, index: 0, width: 256).exists(inTreeOf: 255))
        // A partial tile stays valid as the tree grows: its first W hashes never change.
        #expect(TileLayout.Tile(level: 0, index: 1, width: 3).exists(inTreeOf: 259) && TileLayout.Tile(level: 0, index: 1, width: 3).exists(inTreeOf: 70_000))
        #expect(!TileLayout.Tile(level: 0, index: 1, width: 4).exists(inTreeOf: 259))
        #expect(TileLayout.Tile(level: 1, index: 1, width: 17).exists(inTreeOf: 70_000) && !TileLayout.Tile(level: 1, index: 1, width: 18).exists(inTreeOf: 70_000))
        #expect(!TileLayout.Tile(level: nil, index: UInt64.max, width: 256).exists(inTreeOf: UInt64.max))
    }
}
