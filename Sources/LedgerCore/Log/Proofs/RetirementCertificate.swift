/// A retirement certificate (SPEC.md section 7.3): everything an exchange needs to check a
/// retirement offline with the registry's verifier key alone. Every field is either covered by an
/// inclusion proof and the signed checkpoint, or recomputed from covered data and compared.
public struct RetirementCertificate: Equatable, Sendable {
    public static let type = "carbonledger/retirement-certificate/v1"

    /// An entry with its inclusion proof against `checkpoint`.
    public struct ProvenEntry: Equatable, Sendable {
        public var entry: Entry
        public var hashes: [Digest]
        public init(entry: Entry, hashes: [Digest]) { self.entry = entry; self.hashes = hashes }
    }

    public var retirement: ProvenEntry
    public var issuance: ProvenEntry
    public var checkpoint: String

    public init(retirement: ProvenEntry, issuance: ProvenEntry, checkpoint: String) {
        self.retirement = retirement; self.issuance = issuance; self.checkpoint = checkpoint
    }

    /// What a person reads, derived only from the two proven events. Recomputed on verification.
    public func summary(origin: String, size: UInt64) throws(ProofError) -> JSONValue {
        let r = retirement.entry.event, i = issuance.entry.event
        guard r["type"] == "units.retire" else { throw .field("retirement.entry.event.type", "must be units.retire") }
        guard i["type"] == "issuance.issue" else { throw .field("issuance.entry.event.type", "must be issuance.issue") }
        guard let batch = r["batch"]?.stringValue, i["batch"]?.stringValue == batch else {
            throw .mismatch("the retirement's batch is not the batch this issuance created")
        }
        guard issuance.entry.seq < retirement.entry.seq else { throw .mismatch("the issuance entry must precede the retirement entry") }
        try ProvenEntryShape.checkIssuance(i)
        try ProvenEntryShape.checkRetirement(r)
        guard let issued = i["units"]?.intValue, let ranges = r["ranges"]?.arrayValue, let units = r["units"]?.intValue else {
            throw .field("retirement.entry.event", "lacks units or ranges")
        }
        var serials: [JSONValue] = []
        var previous: Int64 = 0
        var total: Int64 = 0
        guard let project = i["project"]?.stringValue, let region = i["region"]?.stringValue, let vintage = i["vintage"]?.stringValue else {
            throw .field("issuance.entry.event", "lacks project, region or vintage")
        }
        let prefix = SerialNumber.prefix(region: region, project: project, vintage: vintage, batch: batch)
        for (n, range) in ranges.enumerated() {
            guard let p = range.arrayValue, p.count == 2, let lo = p[0].intValue, let hi = p[1].intValue,
                  lo > previous, lo <= hi, hi <= issued else {
                throw .field("retirement.entry.event.ranges[\(n)]", "must be ascending, disjoint, within 1-\(issued)")
            }
            previous = hi
            total += hi - lo + 1
            serials.append(.string("\(prefix)-\(lo)-\(hi)"))
        }
        guard total == units else { throw .mismatch("the ranges hold \(total) units, the retirement says \(units)") }
        var s: JSONObject = [
            "retirement": r["retirement"] ?? .null, "beneficiary": r["beneficiary"] ?? .null, "purpose": r["purpose"] ?? .null,
            "reason": r["reason"] ?? .null, "jurisdiction": r["jurisdiction"] ?? .null, "period_from": r["period_from"] ?? .null,
            "period_to": r["period_to"] ?? .null, "retired_by": r["account"] ?? .null,
            "units": .int(units), "amount_kg": .int(units), "amount_t": .string(Self.tonnes(units)), "serials": .array(serials),
            "batch": .string(batch), "project": .string(project), "vintage": .string(vintage), "region": .string(region), "request": i["request"] ?? .null,
            "lineage_root": i["lineage_root"] ?? .null, "batch_units": .int(issued),
            "retired_at": .string(retirement.entry.time.rfc3339), "retirement_seq": .int(Int64(retirement.entry.seq)),
            "issuance_seq": .int(Int64(issuance.entry.seq)), "ledger": .string(origin), "checkpoint_size": .int(Int64(size)),
        ]
        if let b = r["beneficiary_account"] { s["beneficiary_account"] = b }
        if let c = r["compliance"] { s["compliance"] = c }
        return .object(s)
    }

    /// Kilograms as tonnes with three decimals, exact.
    public static func tonnes(_ kg: Int64) -> String {
        let frac = String(kg % 1000)
        return "\(kg / 1000).\(String(repeating: "0", count: 3 - frac.count))\(frac)"
    }

    /// The certificate document.
    public func json(summary: JSONValue) -> JSONValue {
        func proven(_ p: ProvenEntry) -> JSONValue {
            let e: JSONValue
            do { e = try JSONParser.parseCanonical(p.entry.canonicalBytes) } catch { fatalError("entries encode canonically: \(error)") }
            return ["entry": e, "leaf_hash": .string(MerkleHasher().leafHash(p.entry.canonicalBytes).hex), "hashes": .array(p.hashes.map { .string($0.hex) })]
        }
        return ["type": .string(Self.type), "summary": summary, "retirement": proven(retirement), "issuance": proven(issuance), "checkpoint": .string(checkpoint)]
    }

    /// Decodes and verifies a certificate document offline; returns the verified summary.
    public static func verify(_ bytes: [UInt8], key: NoteVerifierKey) throws(ProofError) -> JSONValue {
        let v: JSONValue
        do { v = try JSONParser.parse(bytes) } catch { throw .json(error) }
        guard let o = v.objectValue, o.keys == ["checkpoint", "issuance", "retirement", "summary", "type"] else {
            throw .field("(top level)", "must have exactly checkpoint, issuance, retirement, summary, type")
        }
        guard o["type"]?.stringValue == type else { throw .field("type", "must be \(type)") }
        guard let note = o["checkpoint"]?.stringValue else { throw .field("checkpoint", "must be a signed note") }
        let cp: Checkpoint
        do { cp = try Checkpoint.open(note, key: key) } catch { throw .checkpoint("checkpoint", error) }
        let cert = RetirementCertificate(retirement: try provenEntry(o["retirement"], name: "retirement", checkpoint: cp),
                                         issuance: try provenEntry(o["issuance"], name: "issuance", checkpoint: cp), checkpoint: note)
        let summary = try cert.summary(origin: cp.origin, size: cp.size)
        guard o["summary"] == summary else {
            let differing = (summary.objectValue?.members ?? []).first { o["summary"]?[$0.key] != $0.value }?.key ?? "(members)"
            throw .mismatch("summary field \"\(differing)\" does not match what the proven entries say")
        }
        return summary
    }

    /// Decodes `{entry, hashes, leaf_hash}` and checks it: an entry a log could hold, its leaf
    /// hash, and its inclusion in the checkpoint's tree.
    static func provenEntry(_ value: JSONValue?, name: String, checkpoint cp: Checkpoint) throws(ProofError) -> ProvenEntry {
        guard let p = value?.objectValue, p.keys == ["entry", "hashes", "leaf_hash"], let e = p["entry"] else {
            throw .field(name, "must have exactly entry, hashes, leaf_hash")
        }
        let entry: Entry
        do { entry = try Entry.decode(CanonicalJSON.encode(e)) } catch { throw .field("\(name).entry", error.description) }
        try ProvenEntryShape.check(entry, field: "\(name).entry")
        let hasher = MerkleHasher()
        let leaf = hasher.leafHash(entry.canonicalBytes)
        guard p["leaf_hash"]?.stringValue == leaf.hex else { throw .field("\(name).leaf_hash", "is not SHA-256(0x00 || canonical entry)") }
        guard let hs = p["hashes"]?.arrayValue, hs.count <= 128 else { throw .field("\(name).hashes", "must be an array of at most 128 hashes") }
        var hashes: [Digest] = []
        for (i, h) in hs.enumerated() {
            guard let s = h.stringValue, let d = Digest(hex: s) else { throw .field("\(name).hashes[\(i)]", "must be 64 lowercase hex digits") }
            hashes.append(d)
        }
        do {
            try MerkleVerifier.verifyInclusion(index: entry.seq, size: cp.size, leafHash: leaf, proof: hashes, root: cp.root, hasher: hasher)
        } catch { throw .field("\(name).hashes", "the \(name) entry is not in the checkpoint's tree: \(error)") }
        return ProvenEntry(entry: entry, hashes: hashes)
    }
}
