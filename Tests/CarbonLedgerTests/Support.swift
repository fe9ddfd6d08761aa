import Foundation
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
    /// Raw write for tamper tests: bypasses every rule, as an attacker with disk access would.
    func rawPut(_ db: LMDBDatabase, key: [UInt8], value: [UInt8]) throws {
        try env.write { txn in try key.withUnsafeBytes { k in try value.withUnsafeBytes { try txn.put(db, key: k, value: $0) } } }
    }

    func rawDelete(_ db: LMDBDatabase, key: [UInt8]) throws {
        try env.write { txn in _ = try key.withUnsafeBytes { try txn.delete(db, key: $0) } }
    }

    func rawGet(_ db: LMDBDatabase, key: [UInt8]) throws -> [UInt8]? {
        try env.read { txn in try key.withUnsafeBytes { try txn.get(db, key: $0).map { Array($0) } } }
    }
}

func be64(_ v: UInt64) -> [UInt8] { withUnsafeBytes(of: v.bigEndian) { Array($0) } }
