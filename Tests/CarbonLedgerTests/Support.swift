import Foundation
import Testing
import LedgerCore
import LedgerStore
@testable import CarbonLedger
import TestSupport

enum Fixture {
    static let origin = "carbonledger.test/ledger"
    static let t0 = Timestamp(millisecondsSinceEpoch: 1_763_700_000_000)

    static func newLedger(_ dir: TempDir, options: LMDBOptions = LMDBOptions()) throws -> (Ledger, NoteSigningKey) {
        let key = try NoteSigningKey.generate(name: "registry")
        let ledger = try Ledger.create(directory: dir.sub("ledger"), origin: origin, key: key, options: options, now: t0)
        return (ledger, key)
    }

    /// A batch of `count` note events unique to `tag`, signed by `signer` (an admin).
    static func batch(_ tag: String, count: Int, signer: NoteSigningKey) throws -> Submission {
        let events: [JSONValue] = (0..<count).map { i in ["type": "note", "text": .string("\(tag)-\(i)")] }
        return try Submission.Unsigned(events: events).signed(by: signer, origin: origin)
    }

    /// The ledger's registry key (an admin in these tests).
    static func registryKey(_ ledger: Ledger) throws -> NoteSigningKey {
        try LedgerDirectory.readSigningKey(LedgerDirectory.keyPath(ledger.directory))
    }

    /// Appends `batches` submissions of `size` events, one commit each.
    @discardableResult
    static func fill(_ ledger: Ledger, batches: Int, size: Int, tag: String = "fill") throws -> [AppendReceipt] {
        let seq = try ledger.sequencer()
        let key = try registryKey(ledger)
        return try (0..<batches).map { b in
            try seq.append([try batch("\(tag)-\(b)", count: size, signer: key)], now: Timestamp(millisecondsSinceEpoch: t0.millisecondsSinceEpoch + Int64(b))).first!.get()
        }
    }
}

extension LogStore {
    /// The environment holding `db`: the state's for its databases, the log's otherwise.
    func environment(of db: LMDBDatabase) -> LMDBEnvironment {
        [state.name, stateMeta.name, touched?.name].contains(db.name) ? stateEnv : env
    }

    /// Raw write for tamper tests: bypasses every rule, as an attacker with disk access would.
    func rawPut(_ db: LMDBDatabase, key: [UInt8], value: [UInt8]) throws {
        try environment(of: db).write { txn in try key.withUnsafeBytes { k in try value.withUnsafeBytes { try txn.put(db, key: k, value: $0) } } }
    }

    func rawDelete(_ db: LMDBDatabase, key: [UInt8]) throws {
        try environment(of: db).write { txn in _ = try key.withUnsafeBytes { try txn.delete(db, key: $0) } }
    }

    func rawGet(_ db: LMDBDatabase, key: [UInt8]) throws -> [UInt8]? {
        try environment(of: db).read { txn in try key.withUnsafeBytes { try txn.get(db, key: $0).map { Array($0) } } }
    }
}

func be64(_ v: UInt64) -> [UInt8] { withUnsafeBytes(of: v.bigEndian) { Array($0) } }

/// What must hold after every commit, read from the live projections; independent of the
/// reducer's own checks (written from SPEC.md 8.5 and 8.21).
enum Invariants {
    /// Everything that must hold after every commit, read from the live projections.
    static func accounts(_ ledger: Ledger, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try ledger.store.read { r in
            var net: Int64 = 0, received: Int64 = 0
            for (key, a) in try r.stateRecords(prefix: "acct/") {
                let credited = a["credited_mg"]!.intValue!, reversed = a["reversed_mg"]!.intValue!, donated = a["donated_mg"]!.intValue!
                let locked = a["locked_mg"]!.intValue!, issued = a["issued_mg"]!.intValue!
                #expect(credited - reversed - donated - locked - issued >= 0 && locked >= 0, "\(key) went negative", sourceLocation: sourceLocation)
                #expect(a["qualitative_mg"]!.intValue! >= 0, sourceLocation: sourceLocation)
                net += credited - reversed - donated
                received += a["received_mg"]!.intValue!
            }
            for (key, p) in try r.stateRecords(prefix: "pts/") {
                let bal = (p["earned"]?.intValue ?? 0) - (p["reversed"]?.intValue ?? 0) - (p["redeemed"]?.intValue ?? 0)
                #expect(bal >= 0, "\(key) points went negative", sourceLocation: sourceLocation)
            }
            let t = try r.state("totals") ?? [:]
            let credited = t["credited_mg"]?.intValue ?? 0, reversed = t["reversed_mg"]?.intValue ?? 0, donated = t["donated_mg"]?.intValue ?? 0
            #expect(net == credited - reversed - donated, "sum over accounts \(net) != totals \(credited - reversed - donated)", sourceLocation: sourceLocation)
            #expect(received == donated, sourceLocation: sourceLocation)
        }
    }

    /// An independent check of every batch's supply, written from SPEC.md 8.21, not the reducer's.
    static func supply(_ ledger: Ledger, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try ledger.store.read { r in
            for (key, b) in try r.stateRecords(prefix: "batch/") {
                let batch = String(key.dropFirst(6))
                var next: Int64 = 1
                var by: [String: Int64] = [:]
                for (k, range) in try r.stateRecords(prefix: "rng/\(batch)/") {
                    let first = Int64(k.split(separator: "/").last!)!, last = range["last"]!.intValue!
                    #expect(first == next && last >= first, "batch \(batch): range \(first)-\(last) after \(next - 1)", sourceLocation: sourceLocation)
                    by[range["state"]!.stringValue!, default: 0] += last - first + 1
                    if range["state"] == "held" {
                        #expect(try r.state("hold/\(range["account"]!.stringValue!)/\(batch)/\(k.split(separator: "/").last!)")?["last"]?.intValue == last, sourceLocation: sourceLocation)
                    }
                    next = last + 1
                }
                let units = b["units"]!.intValue!
                #expect(next == units + 1, "batch \(batch) ranges end at \(next - 1) of \(units)", sourceLocation: sourceLocation)
                #expect(by["held", default: 0] + by["retired", default: 0] + by["cancelled", default: 0] == units, sourceLocation: sourceLocation)
                #expect(by["held", default: 0] == b["held"]!.intValue! && by["retired", default: 0] == b["retired"]!.intValue!, sourceLocation: sourceLocation)
            }
        }
    }
}

extension GroupCommitter {
    /// Submits all of `subs` at once, each from its own task, as concurrent HTTP clients would.
    func race(_ subs: [Submission]) async -> [Result<AppendReceipt, Error>] {
        await withTaskGroup(of: Result<AppendReceipt, Error>.self) { group in
            for s in subs { group.addTask { do { return .success(try await self.submit(s)) } catch { return .failure(error) } } }
            return await group.reduce(into: []) { $0.append($1) }
        }
    }
}

extension Ledger {
    /// The record of the behaviour reported at `seq` as the rules checkpoint holds it (where
    /// behaviours' records are kept), nil when it holds none.
    func checkpointedBehaviour(_ seq: UInt64) throws -> BehaviourRecord? {
        try store.ruleCheckpoints().read { _, records in try records.record(BehaviourRecord.self, at: "beh/" + pad16(Int64(seq))) }
    }
}
