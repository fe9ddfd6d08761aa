import Foundation
import LedgerCore
import LedgerStore

/// Where an auditor's kept replay stands (`verify --audit-state`, SPEC.md section 9.1): after
/// the first `size` entries, at a submission boundary, with what the replay knew there. Stored
/// as canonical JSON under `state_meta/audit` of the kept state, written in the same transaction
/// as the state it describes, so the two never disagree.
public struct ReplayPosition: Equatable, Sendable {
    /// The record's format tag.
    public static let format = "carbonledger-audit/1"
    /// What its state holds: the log format's keys, and the rule records' layout.
    public static let stateFormat = LogStore.format + " " + StateRecords.layout

    public var origin: String
    /// Entries replayed: the next one to verify.
    public var size: UInt64
    /// The leaf hash of entry `size - 1`: the whole history verified, by the hash chain.
    public var head: Digest
    /// The tree over those entries (its root is the verified history's).
    public var frontier: MerkleFrontier
    public var lastTime: Timestamp
    /// The registry keys in effect, each from the tree size its first checkpoint has: how a
    /// trusted checkpoint at or below `size` is checked without the replay that passed it.
    public var registryKeys: [(fromSize: UInt64, key: NoteVerifierKey)]
    public var submissions: UInt64
    public var checkpointsChecked: UInt64

    public static func == (a: ReplayPosition, b: ReplayPosition) -> Bool {
        a.origin == b.origin && a.size == b.size && a.head == b.head && a.frontier == b.frontier && a.lastTime == b.lastTime
            && a.registryKeys.elementsEqual(b.registryKeys) { $0.fromSize == $1.fromSize && $0.key == $1.key }
            && a.submissions == b.submissions && a.checkpointsChecked == b.checkpointsChecked
    }

    /// The registry key that signs checkpoints of tree size `size`.
    public func registryKey(atSize size: UInt64) -> NoteVerifierKey? {
        registryKeys.last { $0.fromSize <= size }?.key
    }

    /// The record's canonical JSON (`Schemas/audit-position.schema.json`).
    public var encoded: [UInt8] {
        let keys: [JSONValue] = registryKeys.map { ["from_size": .int(Int64($0.fromSize)), "key": .string($0.key.description)] }
        let record: JSONValue = [
            "format": .string(Self.format), "state_format": .string(Self.stateFormat), "origin": .string(origin),
            "size": .int(Int64(size)), "head": .string(head.hex), "frontier": .array(frontier.hashes.map { .string($0.hex) }),
            "last_time": .int(lastTime.millisecondsSinceEpoch), "registry_keys": .array(keys),
            "submissions": .int(Int64(submissions)), "checkpoints_checked": .int(Int64(checkpointsChecked)),
        ]
        return CanonicalJSON.encode(record)
    }

    /// Reads a stored record; throws `AuditStateError.damaged` naming what is wrong.
    public init(decoding bytes: [UInt8]) throws(AuditStateError) {
        func bad(_ why: String) -> AuditStateError { .damaged(why) }
        guard let v = try? JSONParser.parse(bytes), let o = v.objectValue else { throw bad("its record (state_meta/audit) is not a JSON object") }
        guard o["format"]?.stringValue == Self.format else {
            throw bad("its record's format is \(o["format"]?.stringValue ?? "missing"), this cledger reads \(Self.format)")
        }
        guard let stateFormat = o["state_format"]?.stringValue, stateFormat == Self.stateFormat else {
            throw .otherStateFormat(found: o["state_format"]?.stringValue ?? "missing")
        }
        func count(_ k: String) throws(AuditStateError) -> UInt64 {
            guard let i = o[k]?.intValue, i >= 0 else { throw bad("its record's \(k) is missing or not a count") }
            return UInt64(i)
        }
        func digest(_ j: JSONValue?, _ k: String) throws(AuditStateError) -> Digest {
            guard let d = j?.stringValue.flatMap(Digest.init(hex:)) else { throw bad("its record's \(k) is not a 64-digit hex hash") }
            return d
        }
        guard let origin = o["origin"]?.stringValue else { throw bad("its record has no origin") }
        self.origin = origin
        size = try count("size")
        head = try digest(o["head"], "head")
        var hashes: [Digest] = []
        for h in o["frontier"]?.arrayValue ?? [] { hashes.append(try digest(h, "frontier")) }
        guard let f = MerkleFrontier(size: size, hashes: hashes) else {
            throw bad("its record's frontier has \(hashes.count) hashes; a tree of \(size) leaves has \(size.nonzeroBitCount)")
        }
        frontier = f
        guard let t = o["last_time"]?.intValue else { throw bad("its record has no last_time") }
        lastTime = Timestamp(millisecondsSinceEpoch: t)
        registryKeys = []
        for k in o["registry_keys"]?.arrayValue ?? [] {
            guard let from = k["from_size"]?.intValue, from >= 0, let text = k["key"]?.stringValue, let key = try? NoteVerifierKey(text) else {
                throw bad("its record's registry_keys hold an entry that is not {from_size, key}")
            }
            registryKeys.append((UInt64(from), key))
        }
        guard size == 0 || !registryKeys.isEmpty else { throw bad("its record names no registry key") }
        submissions = try count("submissions")
        checkpointsChecked = try count("checkpoints_checked")
    }

    public init(origin: String, size: UInt64, head: Digest, frontier: MerkleFrontier, lastTime: Timestamp,
                registryKeys: [(fromSize: UInt64, key: NoteVerifierKey)], submissions: UInt64, checkpointsChecked: UInt64) {
        self.origin = origin; self.size = size; self.head = head; self.frontier = frontier; self.lastTime = lastTime
        self.registryKeys = registryKeys; self.submissions = submissions; self.checkpointsChecked = checkpointsChecked
    }
}
