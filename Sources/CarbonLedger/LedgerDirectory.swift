import Foundation
import LedgerCore
import LedgerStore

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
