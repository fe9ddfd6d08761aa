import Foundation
import LedgerCore
import LedgerStore

/// What can be listed (`cledger list`, `GET /v1/accounts` and the other collection routes), with
/// where its records are kept (SPEC.md section 10) and the filters each takes.
public enum Listing: String, CaseIterable, Sendable {
    case accounts, projects, requests, methodologies, keys, batches, footprints

    var prefix: String {
        switch self {
        case .accounts: return "acct/"
        case .projects: return "proj/"
        case .requests: return "req/"
        case .methodologies: return "meth/"
        case .keys: return "key/"
        case .batches: return "batch/"
        case .footprints: return "fp/"
        }
    }

    /// The filters, by name: each compares one member of the record (`region`: the account's
    /// region or any region under it).
    public var filters: [String] {
        switch self {
        case .accounts: return ["kind", "region", "employer"]
        case .projects: return ["owner", "region"]
        case .requests: return ["project", "status"]
        case .methodologies: return ["scenario", "region"]
        case .keys: return ["actor", "role"]
        case .batches: return ["project", "owner"]
        case .footprints: return ["account"]
        }
    }

    /// Whether `record` passes the filter `name` = `value`.
    func passes(_ record: JSONValue, _ name: String, _ value: String) -> Bool {
        switch name {
        case "region": return record["region"]?.stringValue.map { Region.covers(value, $0) } ?? false
        case "role": return record["roles"]?.arrayValue?.contains(.string(value)) ?? false
        default: return record[name]?.stringValue == value
        }
    }
}

/// Why a listing cannot be made.
public enum ListingError: Error, Equatable, CustomStringConvertible {
    case unknownFilter(Listing, String)
    case badCursor(String)

    /// The option or parameter at fault.
    public var field: String {
        switch self {
        case .unknownFilter(_, let name): return name
        case .badCursor: return "after"
        }
    }

    public var description: String {
        switch self {
        case .unknownFilter(let l, let name):
            return "\(l.rawValue) cannot be filtered by \(name); they can by \(l.filters.joined(separator: ", "))"
        case .badCursor(let after):
            return "after \"\(after.prefix(40))...\" is no id of the ledger (ids are at most \(Ledger.maxCursorBytes) bytes): give a page's next_after"
        }
    }
}

extension Ledger {
    /// One page of a listing in id order: at most `limit` records after the id `after` that
    /// pass every filter, each with its `id`, and the id to give as `after` for the next page
    /// (nil on the last page). A methodology's id is `ID/VERSION`, a key's `NAME+KEYID`.
    public func list(_ what: Listing, filters: [String: String] = [:], after: String? = nil, limit: Int = 100) throws -> (items: [JSONValue], next: String?) {
        for name in filters.keys.sorted() where !what.filters.contains(name) { throw ListingError.unknownFilter(what, name) }
        // Longer than any id: no key of LMDB's (511 bytes at most) could follow from it.
        if let after, after.utf8.count > Self.maxCursorBytes { throw ListingError.badCursor(after) }
        return try store.read { r in
            var items: [JSONValue] = []
            var more = false
            let prefix = Array(what.prefix.utf8)
            // The first key after `after`'s: its own key with a 0 byte appended.
            let start = after.map { prefix + Array(Self.storedID($0, in: what).utf8) + [0] } ?? prefix
            try start.withUnsafeBytes { from in
                try r.stateTxn.scan(r.store.state, from: from) { k, v in
                    guard k.starts(with: prefix) else { return false }
                    let record = try JSONParser.parseCanonical(Array(v))
                    guard filters.allSatisfy({ what.passes(record, $0.key, $0.value) }) else { return true }
                    guard items.count < limit else { more = true; return false }
                    var o = record.objectValue ?? JSONObject()
                    o["id"] = .string(Self.shownID(String(decoding: k[prefix.count...], as: UTF8.self), in: what))
                    items.append(.object(o))
                    return true
                }
            }
            return (items, more ? items.last?["id"]?.stringValue : nil)
        }
    }

    /// The longest `after` a listing takes: longer than any id it shows.
    public static let maxCursorBytes = 255

    /// A methodology is kept under `meth/ID/VERSION16`; it is shown as `ID/VERSION`.
    static func shownID(_ stored: String, in what: Listing) -> String {
        guard what == .methodologies, let slash = stored.lastIndex(of: "/"), let v = Int64(stored[stored.index(after: slash)...]) else { return stored }
        return "\(stored[..<slash])/\(v)"
    }

    static func storedID(_ shown: String, in what: Listing) -> String {
        guard what == .methodologies, let slash = shown.lastIndex(of: "/"), let v = Int64(shown[shown.index(after: slash)...]), v >= 0 else { return shown }
        return "\(shown[..<slash])/\(pad16(v))"
    }
}
