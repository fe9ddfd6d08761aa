import Foundation
import LedgerCore
import LedgerStore

/// Errors in setting up or opening a ledger directory.
public enum LedgerError: Error, Equatable, CustomStringConvertible {
    case directoryNotEmpty(String)
    case notALedger(String)
    case badOrigin(String)
    case keyFile(String, String)
    case noCheckpoint(size: UInt64, nearest: [UInt64])
    case seqOutOfRange(seq: UInt64, size: UInt64)
    case io(String)

    public var description: String {
        switch self {
        case .directoryNotEmpty(let d): return "\(d) already holds a ledger or other files; choose an empty or new directory"
        case .notALedger(let d): return "\(d) is not an initialised CarbonLedger directory (create one with `cledger init`)"
        case .badOrigin(let o): return "origin \"\(o)\" must be 1 to 255 printable ASCII characters without spaces, e.g. carbonledger.example/shenzhen"
        case .keyFile(let path, let why): return "key file \(path): \(why)"
        case .noCheckpoint(let s, let near):
            let n = near.isEmpty ? "none at or above it" : "the nearest signed sizes at or above it are \(near.map(String.init).joined(separator: ", "))"
            return "no checkpoint was signed at tree size \(s); \(n)"
        case .seqOutOfRange(let seq, let size): return "seq \(seq) is not in the log (it has \(size) entries, seqs 0 to \(Int64(size) - 1))"
        case .io(let what): return what
        }
    }
}

/// Files of a ledger directory: the LMDB environment (`data.mdb`, `lock.mdb`) and the
/// registry's private key (`registry.key`, mode 0600) used to sign checkpoints. During a key
/// rotation the incoming key waits in `registry-next.key`; once the rotation is committed it
/// becomes `registry.key` and the outgoing key is kept as `registry-retired-KEYID.key`.
public enum LedgerDirectory {
    public static let nextKeyFile = "registry-next.key"
    public static func keyPath(_ dir: String) -> String { (dir as NSString).appendingPathComponent("registry.key") }
    public static func nextKeyPath(_ dir: String) -> String { (dir as NSString).appendingPathComponent(nextKeyFile) }
    static func retiredKeyPath(_ dir: String, _ key: NoteVerifierKey) -> String {
        (dir as NSString).appendingPathComponent("registry-retired-\(key.name)-\(String(format: "%08x", key.keyHash)).key")
    }

    /// Reads a signed-note private key file.
    public static func readSigningKey(_ path: String) throws -> NoteSigningKey {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LedgerError.keyFile(path, "cannot be read (missing or no permission)")
        }
        do { return try NoteSigningKey(String(decoding: data, as: UTF8.self)) } catch {
            throw LedgerError.keyFile(path, error.description)
        }
    }

    /// Writes a private key file readable by its owner only; refuses to overwrite.
    public static func writeSigningKey(_ key: NoteSigningKey, to path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw LedgerError.keyFile(path, "already exists; refusing to overwrite a key")
        }
        let ok = FileManager.default.createFile(atPath: path, contents: Data((key.encoded + "\n").utf8),
                                                attributes: [.posixPermissions: 0o600])
        guard ok else { throw LedgerError.keyFile(path, "cannot be written") }
    }

    static func prepareNew(_ dir: String) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: dir, isDirectory: &isDir) {
            guard isDir.boolValue else { throw LedgerError.io("\(dir) exists and is not a directory") }
            let contents = try fm.contentsOfDirectory(atPath: dir)
            guard contents.isEmpty else { throw LedgerError.directoryNotEmpty(dir) }
        } else {
            do { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]) } catch {
                throw LedgerError.io("cannot create \(dir): \(error.localizedDescription)")
            }
        }
    }

    static func requireExisting(_ dir: String) throws {
        guard FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent("data.mdb")) else {
            throw LedgerError.notALedger(dir)
        }
    }
}
