import LedgerCore
import LedgerStore

extension Ledger {
    /// The retirement certificate for `retirementID`, proven against the latest checkpoint.
    public func certificate(_ retirementID: String) throws -> JSONValue {
        try store.read { r in
            guard let ret = try r.state("ret/\(retirementID)") else { throw QueryError.noSuchRetirement(retirementID) }
            let batch = try r.state("batch/\(ret["batch"]!.stringValue!)")!
            let size = try r.metaU64(.size)!
            guard let note = try r.checkpoint(size: size) else { throw StoreError.missing("checkpoint for size \(size)") }
            let builder = MerkleProofBuilder(reader: r, hasher: MerkleHasher())
            func proven(_ seq: Int64) throws -> RetirementCertificate.ProvenEntry {
                guard let bytes = try r.entryBytes(UInt64(seq)) else { throw StoreError.missing("entry \(seq)") }
                return .init(entry: try Entry.decode(bytes), hashes: try builder.inclusionProof(index: UInt64(seq), size: size))
            }
            let cert = RetirementCertificate(retirement: try proven(ret["seq"]!.intValue!), issuance: try proven(batch["issued_seq"]!.intValue!), checkpoint: note)
            let cp = try Checkpoint(text: SignedNote.parse(note).text)
            return cert.json(summary: try cert.summary(origin: cp.origin, size: cp.size))
        }
    }

    /// What the registry can be filtered by: `beneficiary` matches any part of the name, case
    /// aside; the others match exactly.
    public static let retirementFilters = ["beneficiary", "beneficiary_account", "purpose", "batch", "project", "vintage", "retired_by", "footprint"]

    /// The registry's public list of retirements, in ledger order, those that pass every filter.
    public func retirements(filters: [String: String] = [:]) throws -> [JSONValue] {
        for name in filters.keys.sorted() where !Self.retirementFilters.contains(name) {
            throw QueryError.badFilter(name, Self.retirementFilters)
        }
        func passes(_ row: JSONValue) -> Bool {
            filters.allSatisfy { name, value in
                guard let field = row[name]?.stringValue else { return false }
                return name == "beneficiary" ? field.lowercased().contains(value.lowercased()) : field == value
            }
        }
        return try store.read { r in
            try r.stateRecords(prefix: "ret/").map { key, v -> JSONValue in
                let id = String(key.dropFirst(4))
                let batch = try r.state("batch/\(v["batch"]!.stringValue!)")!
                var o: JSONObject = ["id": .string(id), "beneficiary": v["beneficiary"]!, "purpose": v["purpose"]!, "reason": v["reason"]!,
                                    "units": v["units"]!, "amount_t": .string(RetirementCertificate.tonnes(v["units"]!.intValue!)),
                                    "serials": v["serials"]!, "date": v["time"]!, "seq": v["seq"]!, "project": batch["project"]!,
                                    "vintage": batch["vintage"]!, "batch": v["batch"]!, "jurisdiction": v["jurisdiction"]!, "retired_by": v["account"]!]
                if let b = v["beneficiary_account"] { o["beneficiary_account"] = b }
                if let c = v["compliance"] { o["compliance"] = c }
                if let f = v["footprint"] { o["footprint"] = f }
                return .object(o)
            }.filter(passes).sorted { ($0["seq"]?.intValue ?? 0) < ($1["seq"]?.intValue ?? 0) }
        }
    }
}

extension Ledger {
    /// The lineage of an issuance request (or of the batch it became): the behaviour entries it
    /// locked, with the RFC 6962 root recomputed from their stored bytes and compared with the
    /// root the request committed to (and the verifier and issuer restated).
    public struct Lineage: Sendable {
        public var request: String
        public var seqs: [UInt64]
        public var totalMg: Int64
        public var committedRoot: String
        public var recomputedRoot: String
        public var matches: Bool { committedRoot == recomputedRoot }
    }

    /// The lineage bundle of an issued batch (SPEC.md 7.4): its issuance entry proven in the
    /// latest checkpoint and the behaviour entries whose root it commits to.
    public func lineageBundle(batch id: String) throws -> LineageBundle {
        try store.read { r in
            guard let batch = try r.state("batch/\(id)"), let request = batch["request"]?.stringValue, let issued = batch["issued_seq"]?.intValue else {
                throw QueryError.noSuchRequest(id)
            }
            let size = try r.metaU64(.size) ?? 0
            guard let note = try r.checkpoint(size: size) else { throw StoreError.missing("checkpoint for size \(size)") }
            guard let issuance = try r.entryBytes(UInt64(issued)) else { throw StoreError.missing("entry \(issued)") }
            let proof = try MerkleProofBuilder(reader: r, hasher: MerkleHasher()).inclusionProof(index: UInt64(issued), size: size)
            var behaviours: [Entry] = []
            for (key, _) in try r.stateRecords(prefix: "reqm/\(request)/") {
                let seq = try Self.number(key, segment: -1)
                guard let bytes = try r.entryBytes(UInt64(seq)) else { throw StoreError.missing("entry \(seq)") }
                behaviours.append(try Entry.decode(bytes))
            }
            return LineageBundle(issuance: .init(entry: try Entry.decode(issuance), hashes: proof), behaviours: behaviours, checkpoint: note)
        }
    }

    public func lineage(request id: String) throws -> Lineage {
        try store.read { r in
            var reqID = id
            if try r.state("req/\(id)") == nil, let batch = try r.state("batch/\(id)") { reqID = batch["request"]!.stringValue! }
            guard let req = try r.state("req/\(reqID)") else { throw QueryError.noSuchRequest(id) }
            let hasher = MerkleHasher()
            var seqs: [UInt64] = [], leaves: [Digest] = [], total: Int64 = 0
            for (key, m) in try r.stateRecords(prefix: "reqm/\(reqID)/") {
                let seq = UInt64(key.split(separator: "/").last!)!
                guard let bytes = try r.entryBytes(seq) else { throw StoreError.missing("entry \(seq)") }
                seqs.append(seq)
                leaves.append(hasher.leafHash(bytes))
                total += m["credited_mg"]?.intValue ?? 0
            }
            return Lineage(request: reqID, seqs: seqs, totalMg: total, committedRoot: req["root"]!.stringValue!,
                           recomputedRoot: hasher.root(ofLeafHashes: leaves).hex)
        }
    }
}
