/// A proof document of either kind.
public enum ProofDocument: Equatable, Sendable {
    case inclusion(InclusionProof)
    case consistency(ConsistencyProof)

    /// Decodes a proof document; every field is checked, and redundant fields (`seq`,
    /// `leaf_hash`, sizes) must agree with what they restate.
    public static func decode(_ bytes: [UInt8]) throws(ProofError) -> ProofDocument {
        let v: JSONValue
        do { v = try JSONParser.parse(bytes) } catch { throw .json(error) }
        guard let o = v.objectValue else { throw .field("(top level)", "must be an object") }
        let hashes = try decodeHashes(o["hashes"])
        switch o["type"]?.stringValue {
        case InclusionProof.type?:
            try requireKeys(o, ["checkpoint", "entry", "hashes", "leaf_hash", "seq", "type"])
            guard let e = o["entry"], e.objectValue != nil else { throw .field("entry", "must be an object") }
            let entry: Entry
            do { entry = try Entry.decode(CanonicalJSON.encode(e)) } catch { throw .field("entry", error.description) }
            try ProvenEntryShape.check(entry, field: "entry")
            guard o["seq"]?.intValue == Int64(entry.seq) else { throw .field("seq", "must equal entry.seq (\(entry.seq))") }
            guard o["leaf_hash"]?.stringValue == MerkleHasher().leafHash(entry.canonicalBytes).hex else {
                throw .field("leaf_hash", "is not SHA-256(0x00 || canonical entry)")
            }
            guard let cp = o["checkpoint"]?.stringValue else { throw .field("checkpoint", "must be a signed note string") }
            return .inclusion(InclusionProof(entry: entry, hashes: hashes, checkpoint: cp))
        case ConsistencyProof.type?:
            try requireKeys(o, ["from_checkpoint", "from_size", "hashes", "to_checkpoint", "to_size", "type"])
            guard let f = o["from_checkpoint"]?.stringValue, let t = o["to_checkpoint"]?.stringValue else {
                throw .field("from_checkpoint", "both checkpoints must be signed note strings")
            }
            let p = ConsistencyProof(fromCheckpoint: f, toCheckpoint: t, hashes: hashes)
            guard p.json["from_size"] == o["from_size"] else { throw .field("from_size", "must equal the from checkpoint's size") }
            guard p.json["to_size"] == o["to_size"] else { throw .field("to_size", "must equal the to checkpoint's size") }
            return .consistency(p)
        default:
            throw .field("type", "must be \"\(InclusionProof.type)\" or \"\(ConsistencyProof.type)\"")
        }
    }

    private static func requireKeys(_ o: JSONObject, _ keys: [String]) throws(ProofError) {
        guard o.keys == keys else { throw .field("(top level)", "must have exactly the keys \(keys), has \(o.keys)") }
    }

    private static func decodeHashes(_ v: JSONValue?) throws(ProofError) -> [Digest] {
        guard let a = v?.arrayValue else { throw .field("hashes", "must be an array of hex hashes") }
        guard a.count <= 128 else { throw .field("hashes", "has \(a.count) hashes; no valid proof has more than 128") }
        var out: [Digest] = []
        for (i, h) in a.enumerated() {
            guard let s = h.stringValue, let d = Digest(hex: s) else { throw .field("hashes[\(i)]", "must be 64 lowercase hex digits") }
            out.append(d)
        }
        return out
    }

    /// Verifies either kind offline; returns a one-line summary.
    public func verify(key: NoteVerifierKey) throws(ProofError) -> String { try verify(keys: [key]) }

    /// Verifies either kind offline against any of the trusted registry keys.
    public func verify(keys: [NoteVerifierKey]) throws(ProofError) -> String {
        switch self {
        case .inclusion(let p):
            let cp = try p.verify(keys: keys)
            return "inclusion proof valid: entry \(p.entry.seq) is in \(cp.origin) at tree size \(cp.size) (root \(cp.root.base64))"
        case .consistency(let p):
            let (a, b) = try p.verify(keys: keys)
            return "consistency proof valid: \(a.origin) tree size \(a.size) is a prefix of tree size \(b.size)"
        }
    }
}
