import Foundation
import LedgerCore
import LedgerStore

/// Errors in setting up or opening a ledger directory.
public enum LedgerError: Error, Equatable, CustomStringConvertible {
    case directoryNotEmpty(String)
    case notALedger(String)
    case badOrigin(String)
    case badWindows(String)
    case keyFile(String, String)
    case noCheckpoint(size: UInt64, nearest: [UInt64])
    case seqOutOfRange(seq: UInt64, size: UInt64)
    case io(String)

    public var description: String {
        switch self {
        case .directoryNotEmpty(let d): return "\(d) already holds a ledger or other files; choose an empty or new directory"
        case .notALedger(let d): return "\(d) is not an initialised CarbonLedger directory (create one with `cledger init`)"
        case .badOrigin(let o): return "origin \"\(o)\" must be 1 to 255 printable ASCII characters without spaces, e.g. carbonledger.example/shenzhen"
        case .badWindows(let why): return "windows: \(why)"
        case .keyFile(let path, let why): return "key file \(path): \(why)"
        case .noCheckpoint(let s, let near):
            let n = near.isEmpty ? "none at or above it" : "the nearest signed sizes at or above it are \(near.map(String.init).joined(separator: ", "))"
            return "no checkpoint was signed at tree size \(s); \(n)"
        case .seqOutOfRange(let seq, let size): return "seq \(seq) is not in the log (it has \(size) entries, seqs 0 to \(Int64(size) - 1))"
        case .io(let what): return what
        }
    }
}
