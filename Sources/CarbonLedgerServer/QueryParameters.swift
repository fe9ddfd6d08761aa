import Hummingbird
import LedgerCore

/// The validating readers of query parameters: every value a route takes from the query goes
/// through one of these, which refuse (400 naming the parameter) what the OpenAPI document
/// does not allow instead of clamping or ignoring it.
struct QueryParameters {
    let request: Request

    private func raw(_ name: String) -> Substring? { request.uri.queryParameters.get(name).map { Substring($0) } }

    private static func shown(_ s: Substring) -> String { s.count > 40 ? "\"\(s.prefix(40))...\" (\(s.count) characters)" : "\"\(s)\"" }

    /// An integer in `range` (at most 2^53-1, so that every echoed value stays a JSON integer of
    /// the ledger's range, SPEC.md section 11), or `nil` when absent.
    func optional(_ name: String, in range: ClosedRange<UInt64>) throws(APIFailure) -> UInt64? {
        guard let s = raw(name) else { return nil }
        guard let v = UInt64(s), range.contains(v) else {
            throw APIFailure.parameter(name, "must be an integer from \(range.lowerBound) to \(range.upperBound), got \(Self.shown(s))")
        }
        return v
    }

    func integer(_ name: String, in range: ClosedRange<UInt64>, default d: UInt64) throws(APIFailure) -> UInt64 {
        try optional(name, in: range) ?? d
    }

    func required(_ name: String, in range: ClosedRange<UInt64>) throws(APIFailure) -> UInt64 {
        guard let v = try optional(name, in: range) else { throw APIFailure.parameter(name, "is required") }
        return v
    }

    /// A text parameter if given (at most `maxLength` characters).
    func optionalString(_ name: String, maxLength: Int) throws(APIFailure) -> String? {
        guard raw(name) != nil else { return nil }
        return try string(name, maxLength: maxLength, default: "")
    }

    /// A string of at most `maxLength` characters.
    func string(_ name: String, maxLength: Int, default d: String) throws(APIFailure) -> String {
        guard let s = raw(name) else { return d }
        guard s.count <= maxLength else { throw APIFailure.parameter(name, "is longer than \(maxLength) characters") }
        return String(s)
    }

    /// One of `choices`.
    func choice(_ name: String, _ choices: [String], default d: String) throws(APIFailure) -> String {
        guard let s = raw(name) else { return d }
        guard choices.contains(String(s)) else {
            throw APIFailure.parameter(name, "must be one of \(choices.joined(separator: ", ")), got \(Self.shown(s))")
        }
        return String(s)
    }

    /// Every position, tree size and seq parameter: 0 to 2^53-1.
    static let position = 0...UInt64(JSONValue.maxSafeInteger)
}
