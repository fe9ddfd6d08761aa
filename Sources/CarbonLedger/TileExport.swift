import Foundation
import LedgerCore
import LedgerStore

/// `cledger export tiles`: the log as a static C2SP tlog-tiles directory (SPEC.md section 13)
/// that any web server, object store or CDN can serve, and that any tlog client can verify with
/// the registry key alone.
public struct TileExportReport: Sendable {
    public var size: UInt64
    /// Tiles and bundles written by this run, and full ones already there (immutable: kept).
    public var written = 0
    public var kept = 0
}

public enum TileExportError: Error, CustomStringConvertible {
    case entryTooLarge(seq: UInt64, bytes: Int)
    case cannotWrite(String, String)

    public var description: String {
        switch self {
        case .entryTooLarge(let seq, let n):
            return "entry \(seq) is \(n) bytes; a tlog-tiles entry bundle holds entries of at most 65,535 bytes (a uint16 length), so this log cannot be published as tiles"
        case .cannotWrite(let path, let why): return "\(path): cannot be written (\(why))"
        }
    }
}

extension Ledger {
    /// Writes the tiles, entry bundles and checkpoint of the latest checkpoint's tree under `out`.
    /// Full tiles and bundles never change, so those already present are kept (a re-run writes
    /// only what the log added); the checkpoint is written last, so a reader that sees it finds
    /// every tile it needs.
    public func exportTiles(to out: String) throws -> TileExportReport {
        try store.read { r in
            guard let note = try r.metaString(.checkpoint) else { throw StoreError.missing("meta/checkpoint") }
            let cp = try Checkpoint(text: SignedNote.parse(note).text)
            var report = TileExportReport(size: cp.size)
            let fm = FileManager.default
            func write(_ bytes: [UInt8], _ rel: String) throws {
                let url = URL(fileURLWithPath: out).appendingPathComponent(rel)
                do {
                    try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try Data(bytes).write(to: url, options: .atomic)
                } catch { throw TileExportError.cannotWrite(url.path, "\(error.localizedDescription)") }
                report.written += 1
            }
            func present(_ t: TileLayout.Tile) -> Bool {
                if t.isFull && fm.fileExists(atPath: out + "/" + t.path) { report.kept += 1; return true }
                return false
            }
            try TileLayout.forEachHashTile(size: cp.size) { t in
                if !present(t) { try write(Self.tileBytes(r, t), t.path) }
            }
            try TileLayout.forEachBundle(size: cp.size) { t in
                if !present(t) { try write(Self.tileBytes(r, t), t.path) }
            }
            try write(Array(note.utf8), "checkpoint")
            return report
        }
    }

    /// The bytes `cledger serve` answers for a tile path (SPEC.md section 13), the same bytes the
    /// export writes: nil when the latest checkpoint's tree does not hold the tile (yet).
    public func tile(_ t: TileLayout.Tile) throws -> [UInt8]? {
        try store.read { r in
            guard let note = try r.metaString(.checkpoint) else { return nil }
            let cp = try Checkpoint(text: SignedNote.parse(note).text)
            return t.exists(inTreeOf: cp.size) ? try Self.tileBytes(r, t) : nil
        }
    }

    /// A hash tile's hashes, or an entry bundle's length-prefixed entries.
    static func tileBytes(_ r: StoreReader, _ t: TileLayout.Tile) throws -> [UInt8] {
        var bytes: [UInt8] = []
        guard t.level == nil else {
            bytes.reserveCapacity(t.width * 32)
            for i in 0..<t.width { bytes += try r.node(t.node(i)).bytes }
            return bytes
        }
        for i in 0..<UInt64(t.width) {
            let seq = t.index * UInt64(TileLayout.width) + i
            guard let e = try r.entryBytes(seq) else { throw StoreError.missing("entry \(seq)") }
            guard e.count <= Int(UInt16.max) else { throw TileExportError.entryTooLarge(seq: seq, bytes: e.count) }
            bytes += [UInt8(e.count >> 8), UInt8(e.count & 0xFF)] + e
        }
        return bytes
    }
}
