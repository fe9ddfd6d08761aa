/// A lineage bundle (SPEC.md 7.4): what an exchange needs to check offline which behaviour
/// entries a batch of units came from. The issuance entry is proven in a signed checkpoint; the
/// behaviour entries need no proofs of their own, since the issuance commits to the RFC 6962 root
/// over their leaf hashes (8.14), which only these entries give.
public struct LineageBundle: Equatable, Sendable {
    public static let type = "carbonledger/lineage-bundle/v1"

    public var issuance: RetirementCertificate.ProvenEntry
    public var behaviours: [Entry]
    public var checkpoint: String

    public init(issuance: RetirementCertificate.ProvenEntry, behaviours: [Entry], checkpoint: String) {
        self.issuance = issuance; self.behaviours = behaviours; self.checkpoint = checkpoint
    }

    public var json: JSONValue {
        func value(_ e: Entry) -> JSONValue {
            do { return try JSONParser.parseCanonical(e.canonicalBytes) } catch { fatalError("entries encode canonically: \(error)") }
        }
        return ["type": .string(Self.type), "checkpoint": .string(checkpoint),
                "issuance": ["entry": value(issuance.entry), "leaf_hash": .string(MerkleHasher().leafHash(issuance.entry.canonicalBytes).hex),
                             "hashes": .array(issuance.hashes.map { .string($0.hex) })],
                "behaviours": .array(behaviours.map(value))]
    }

    /// What a verified bundle says.
    public struct Summary: Equatable, Sendable {
        public var batch: String
        public var units: Int64
        public var lineageRoot: String
        public var behaviours: Int
        public var seqs: [UInt64]
    }

    /// Decodes and verifies a bundle offline with the registry's key.
    public static func verify(_ bytes: [UInt8], key: NoteVerifierKey) throws(ProofError) -> Summary {
        let v: JSONValue
        do { v = try JSONParser.parse(bytes) } catch { throw .json(error) }
        guard let o = v.objectValue, o.keys == ["behaviours", "checkpoint", "issuance", "type"] else {
            throw .field("(top level)", "must have exactly behaviours, checkpoint, issuance, type")
        }
        guard o["type"]?.stringValue == type else { throw .field("type", "must be \(type)") }
        guard let note = o["checkpoint"]?.stringValue else { throw .field("checkpoint", "must be a signed note") }
        let cp: Checkpoint
        do { cp = try Checkpoint.open(note, key: key) } catch { throw .checkpoint("checkpoint", error) }
        let issuance = try RetirementCertificate.provenEntry(o["issuance"], name: "issuance", checkpoint: cp)
        let event = issuance.entry.event
        guard event["type"] == "issuance.issue" else { throw .field("issuance.entry.event.type", "must be issuance.issue") }
        try ProvenEntryShape.checkIssuance(event)
        guard let list = o["behaviours"]?.arrayValue, !list.isEmpty else { throw .field("behaviours", "must be a non-empty array of entries") }
        let hasher = MerkleHasher()
        var leaves: [Digest] = [], seqs: [UInt64] = []
        for (i, e) in list.enumerated() {
            let entry: Entry
            do { entry = try Entry.decode(CanonicalJSON.encode(e)) } catch { throw .field("behaviours[\(i)]", error.description) }
            try ProvenEntryShape.check(entry, field: "behaviours[\(i)]")
            guard entry.event["type"] == "behaviour.report" else { throw .field("behaviours[\(i)].event.type", "must be behaviour.report") }
            guard entry.seq < issuance.entry.seq, seqs.last.map({ $0 < entry.seq }) ?? true else {
                throw .field("behaviours[\(i)].seq", "behaviours are in ascending seq order, before the issuance")
            }
            seqs.append(entry.seq)
            leaves.append(hasher.leafHash(entry.canonicalBytes))
        }
        let root = hasher.root(ofLeafHashes: leaves).hex
        guard event["lineage_root"]?.stringValue == root else {
            throw .mismatch("the behaviours' RFC 6962 root is \(root), the issuance commits to \(event["lineage_root"]?.stringValue ?? "none")")
        }
        return Summary(batch: event["batch"]?.stringValue ?? "", units: event["units"]?.intValue ?? 0, lineageRoot: root, behaviours: list.count, seqs: seqs)
    }
}
