import CarbonLedger
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LedgerCore
import LedgerStore

/// A verifying replica of a ledger served over HTTP (`cledger mirror`): pulls entries and the
/// registry's checkpoints, re-verifies every hash link, signature and rule with the same reducer,
/// checks every new checkpoint for consistency with the last one it trusted, and stops with an
/// alarm when the server forks its history or serves an entry that breaks a rule.
public final class LedgerMirror {
    public enum Alarm: Error, CustomStringConvertible {
        case fork(String)
        case badEntries(String)
        case server(String)

        public var description: String {
            switch self {
            case .fork(let why): return "FORK DETECTED: \(why)"
            case .badEntries(let why): return "BAD ENTRIES FROM THE SERVER: \(why)"
            case .server(let why): return "server error: \(why)"
            }
        }
    }

    public let base: URL
    public let directory: String
    let store: LogStore
    let sequencer: Sequencer
    /// The registry key checkpoints must be signed by: pinned, or learnt from the first genesis.
    public private(set) var registryKey: NoteVerifierKey?

    public init(from base: URL, directory: String, registryKey: NoteVerifierKey? = nil) throws {
        self.base = base
        self.directory = directory
        if !FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent("data.mdb")) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        store = try LogStore(path: directory)
        sequencer = Sequencer(replicaOf: store)
        // What a crash left the state without, before anything is followed.
        _ = try sequencer.loadRulesState()
        self.registryKey = registryKey
    }

    func get(_ path: String) async throws -> [UInt8] {
        let url = URL(string: path, relativeTo: base)!
        let (data, response) = try await URLSession.shared.data(from: url)
        guard let http = response as? HTTPURLResponse, http.statusCode == 200 else {
            throw Alarm.server("GET \(url.absoluteString): status \((response as? HTTPURLResponse)?.statusCode ?? 0): \(String(decoding: data.prefix(300), as: UTF8.self))")
        }
        return Array(data)
    }

    /// The replica's size and its latest trusted checkpoint.
    func local() throws -> (UInt64, Checkpoint?) {
        try store.read { r in
            let size = try r.metaU64(.size) ?? 0
            guard size > 0, let note = try r.metaString(.checkpoint) else { return (0, nil) }
            return (size, try Checkpoint(text: SignedNote.parse(note).text))
        }
    }

    /// One round: catch up with the server's latest checkpoint. Returns the replica's size.
    @discardableResult
    public func sync(progress: ((UInt64, UInt64) -> Void)? = nil) async throws -> UInt64 {
        let note = String(decoding: try await get("/v1/checkpoint"), as: UTF8.self)
        let (size, trusted) = try local()
        if registryKey == nil, size > 0 {
            registryKey = try store.read { r in try NoteVerifierKey(Entry.decode(r.entryBytes(0)!).event["registry_key"]!.stringValue!) }
        }
        if registryKey == nil {
            // First contact: trust the genesis the server serves, and say so.
            let page = try JSONParser.parse(try await get("/v1/entries?from=0&limit=1"))
            guard let keyText = page["entries"]?.arrayValue?.first?["event"]?["registry_key"]?.stringValue else { throw Alarm.server("no genesis entry") }
            registryKey = try NoteVerifierKey(keyText)
        }
        let key = registryKey!
        // Trusted: the first key, and the key the replicated log has rotated to since.
        let trustedKeys = [key] + (try replicaRegistryKey().map { [$0] } ?? [])
        var latest: Checkpoint
        var latestVerified = true
        do { latest = try Checkpoint.open(note, keys: trustedKeys) } catch {
            // Perhaps the registry rotated its key since our last sync: the entries say so, and
            // replicating them verifies each checkpoint with the key in effect; the latest one
            // is checked against the rotated key at the end.
            guard let unverified = try? Checkpoint(text: SignedNote.parse(note).text) else {
                throw Alarm.fork("the server's checkpoint is not a checkpoint signed by the registry key \(key): \(error)")
            }
            latest = unverified
            latestVerified = false
        }
        if let t = trusted {
            guard latest.origin == t.origin else { throw Alarm.fork("origin changed from \(t.origin) to \(latest.origin)") }
            guard latest.size >= t.size else { throw Alarm.fork("the server's checkpoint (size \(latest.size)) is behind the one we trust (size \(t.size)): history was rolled back") }
            if latest.size == t.size {
                guard latest.root == t.root else { throw Alarm.fork("two checkpoints of size \(t.size) with different roots") }
                return size
            }
            let proofDoc = try JSONParser.parse(try await get("/v1/proofs/consistency?from=\(t.size)&to=\(latest.size)"))
            let hashes = try (proofDoc["hashes"]?.arrayValue ?? []).map { v -> Digest in
                guard let d = v.stringValue.flatMap(Digest.init(hex:)) else { throw Alarm.server("malformed consistency proof") }
                return d
            }
            do {
                try MerkleVerifier.verifyConsistency(size1: t.size, size2: latest.size, root1: t.root, root2: latest.root, proof: hashes, hasher: MerkleHasher())
            } catch {
                throw Alarm.fork("the server's checkpoint at size \(latest.size) is not consistent with the checkpoint at size \(t.size) we trust: \(error)")
            }
        }
        // Replicate commit by commit (every commit signed a checkpoint), several per transaction.
        var at = size
        while at < latest.size {
            let cpsDoc = try JSONParser.parse(try await get("/v1/checkpoints?from=\(at + 1)&limit=100"))
            var notes = (cpsDoc["checkpoints"]?.arrayValue ?? []).compactMap(\.stringValue)
            var sizes = try notes.map { try Checkpoint(text: SignedNote.parse($0).text).size }
            if let cut = sizes.firstIndex(where: { $0 > latest.size }) { notes = Array(notes[..<cut]); sizes = Array(sizes[..<cut]) }
            guard !notes.isEmpty else { throw Alarm.server("no checkpoints between \(at) and \(latest.size)") }
            // Sizes the server sends are input: each past the last, so the arithmetic below
            // cannot underflow however the server lies.
            guard zip([at] + sizes, sizes).allSatisfy({ $0 < $1 }) else {
                throw Alarm.server("the checkpoints served after size \(at) do not grow one after another: \(sizes.prefix(5))")
            }
            // Take checkpoints until about 10,000 entries.
            var take = 1
            while take < notes.count && sizes[take] - at <= 10_000 { take += 1 }
            let end = sizes[take - 1]
            var entries: [[UInt8]] = []
            while UInt64(entries.count) < end - at {
                let page = try JSONParser.parse(try await get("/v1/entries?from=\(at + UInt64(entries.count))&limit=\(min(1000, end - at - UInt64(entries.count)))"))
                guard let list = page["entries"]?.arrayValue, !list.isEmpty else { throw Alarm.server("the server stopped serving entries at \(at + UInt64(entries.count))") }
                entries += list.map(CanonicalJSON.encode)
            }
            do {
                at = try sequencer.replicate(entries: entries, checkpoints: Array(notes[..<take]))
            } catch let e as Sequencer.ReplicationError {
                switch e {
                case .entryMismatch, .checkpoint, .notAtHead: throw Alarm.fork(e.description)
                default: throw Alarm.badEntries(e.description)
                }
            }
            progress?(at, latest.size)
        }
        if !latestVerified {
            let current = try replicaRegistryKey() ?? key
            do { _ = try Checkpoint.open(note, key: current) } catch {
                throw Alarm.fork("the server's checkpoint is signed neither by \(key) nor by the registry key the log names now (\(current)): \(error)")
            }
        }
        return at
    }

    /// The registry key the replicated log has rotated to, if it has.
    func replicaRegistryKey() throws -> NoteVerifierKey? {
        try store.read { r in try r.rotatedRegistryKey() }
    }
}
