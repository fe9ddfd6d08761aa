import Foundation

/// Reads the ledger's derived state: ASCII path keys (`acct/p-7f3a91`) mapped to JSON values.
/// Keys are compared as bytes; a key's *parent* is everything before its last `/`.
public protocol StateReader: AnyObject {
    func get(_ key: String) throws -> JSONValue?
    /// The greatest key below `before` that has parent `parent`, with its value.
    func predecessor(parent: String, before: String) throws -> (key: String, value: JSONValue)?
    /// Every key with parent `parent`, in byte order, with its value.
    func children(of parent: String) throws -> [(key: String, value: JSONValue)]
    /// The record at `key` as a typed `StateRecord`; nil when there is none. A default reads
    /// it through `get`; a store decodes it from the stored bytes.
    func record<R: StateRecord>(_ type: R.Type, at key: String) throws -> R?
    /// `predecessor` and `children` with their values as typed records.
    func predecessorRecord<R: StateRecord>(_ type: R.Type, parent: String, before: String) throws -> (key: String, record: R)?
    func childRecords<R: StateRecord>(_ type: R.Type, of parent: String) throws -> [(key: String, record: R)]
}
