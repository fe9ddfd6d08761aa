/// A JSON value in the subset every hashed or signed byte string of the ledger uses (SPEC.md
/// section "Canonical bytes"): integers within +-(2^53-1), strings, booleans, null, arrays and
/// objects. No floating point exists anywhere in the ledger.
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The largest magnitude an integer may have (2^53 - 1), so every value is exact in any
    /// language's JSON parser, IEEE doubles included.
    public static let maxSafeInteger: Int64 = (1 << 53) - 1

    /// The member `key` of an object, or nil.
    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var intValue: Int64? { if case .int(let i) = self { return i }; return nil }
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    public var objectValue: JSONObject? { if case .object(let o) = self { return o }; return nil }

    /// The JSON type name, for error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int: return "integer"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

// Deliberately not ExpressibleByNilLiteral: `nil` must always mean "absent" (a deleted state
// key, a missing member), never JSON null; write `.null` for that.
extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(unordered: elements, count: elements.count))
    }
}
