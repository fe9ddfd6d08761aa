import Foundation
import Glibc
import LedgerCore

/// The snapshots of one ledger, newest first when read. A snapshot is written to a temporary
/// file, fsynced, renamed into place and the directory fsynced: a crash leaves the old ones and
/// at most a temporary file, never a half-written snapshot under a snapshot's name. Opening takes
/// the newest one that is whole and belongs to the log, and says why it passed over the others;
/// with none, the caller replays the whole log.
public struct SnapshotDirectory: Sendable {
    public let path: String
    /// How many snapshots are kept: the newest may be damaged (a disk fault after its rename),
    /// and then the one before it saves a full replay.
    public let keep: Int

    public init(path: String, keep: Int = 2) {
        self.path = path
        self.keep = max(1, keep)
    }

    /// A file this directory holds under a snapshot's name.
    public struct File: Equatable, Sendable {
        public var seq: UInt64
        public var path: String
    }

    /// `snapshot-SEQ` with SEQ in 20 digits, so names sort as seqs do.
    static func name(_ seq: UInt64) -> String {
        let digits = String(seq)
        return "snapshot-" + String(repeating: "0", count: 20 - digits.count) + digits
    }

    /// The snapshot files, newest (highest seq) first. Names that are not a snapshot's are
    /// left alone.
    public func files() throws -> [File] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: path).compactMap { n -> File? in
            guard n.hasPrefix("snapshot-"), n.utf8.count == 29, let seq = UInt64(n.dropFirst(9)), Self.name(seq) == n else { return nil }
            return File(seq: seq, path: path + "/" + n)
        }.sorted { $0.seq > $1.seq }
    }

    /// Writes `snapshot` durably and removes all but the newest `keep`. Returns its path.
    @discardableResult
    public func write(_ snapshot: Snapshot) throws -> String {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let final = path + "/" + Self.name(snapshot.seq)
        let temporary = path + "/." + Self.name(snapshot.seq) + ".tmp"
        let bytes = snapshot.encoded()
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Self.failure("create", temporary) }
        var written = 0
        let wrote: Bool = bytes.withUnsafeBytes { b in
            while written < b.count {
                let n = Glibc.write(fd, b.baseAddress! + written, b.count - written)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                written += n
            }
            return fsync(fd) == 0
        }
        // errno before close can change it.
        let error = wrote ? nil : Self.failure("write", temporary)
        close(fd)
        if let error {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, final) == 0 else {
            let e = Self.failure("rename", temporary)
            unlink(temporary)
            throw e
        }
        try syncDirectory()
        for old in try files().dropFirst(keep) { unlink(old.path) }
        return final
    }

    /// Makes the rename durable: a rename is a change of the directory.
    private func syncDirectory() throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw Self.failure("open", path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw Self.failure("fsync", path) }
    }

    /// A snapshot passed over, and why.
    public struct Rejected: Equatable, Sendable {
        public var file: File
        public var reason: String
    }

    /// The newest snapshot that is whole and that `belongs` accepts (it returns why not, or
    /// nil: the caller checks the seq and head against its log), and the newer ones passed over.
    /// Nil when none is usable: the state is then rebuilt by a full replay.
    public func newest(belongs: (Snapshot) throws -> String?) throws -> (snapshot: Snapshot?, rejected: [Rejected]) {
        var rejected: [Rejected] = []
        for file in try files() {
            guard let data = FileManager.default.contents(atPath: file.path) else {
                rejected.append(Rejected(file: file, reason: "cannot be read"))
                continue
            }
            let s: Snapshot
            do throws(Snapshot.Invalid) { s = try Snapshot(decoding: Array(data)) } catch {
                rejected.append(Rejected(file: file, reason: error.reason))
                continue
            }
            guard s.seq == file.seq else {
                rejected.append(Rejected(file: file, reason: "it holds seq \(s.seq), not the \(file.seq) of its name"))
                continue
            }
            if let why = try belongs(s) {
                rejected.append(Rejected(file: file, reason: why))
                continue
            }
            return (s, rejected)
        }
        return (nil, rejected)
    }

    static func failure(_ what: String, _ path: String) -> StoreError {
        .io("\(path): \(what) failed: \(String(cString: strerror(errno)))")
    }
}
