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

    /// The registry's public list of retirements, in ledger order.
    public func retirements() throws -> [JSONValue] {
        try store.read { r in
            try r.stateRecords(prefix: "ret/").map { key, v -> JSONValue in
                let id = String(key.dropFirst(4))
                let batch = try r.state("batch/\(v["batch"]!.stringValue!)")!
                var o: JSONObject = ["id": .string(id), "beneficiary": v["beneficiary"]!, "purpose": v["purpose"]!, "reason": v["reason"]!,
                                    "units": v["units"]!, "amount_t": .string(RetirementCertificate.tonnes(v["units"]!.intValue!)),
                                    "serials": v["serials"]!, "date": v["time"]!, "seq": v["seq"]!, "project": batch["project"]!,
                                    "vintage": batch["vintage"]!, "batch": v["batch"]!, "jurisdiction": v["jurisdiction"]!, "retired_by": v["account"]!]
                if let b = v["beneficiary_account"] { o["beneficiary_account"] = b }
                return .object(o)
            }.sorted { ($0["seq"]?.intValue ?? 0) < ($1["seq"]?.intValue ?? 0) }
        }
    }
}
