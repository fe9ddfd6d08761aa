import HTTPTypes
import LedgerCore

/// A request refused: thrown by routes and by the middleware, rendered once (by `APIMiddleware`)
/// as the JSON body of Schemas/error.schema.json, and logged with its rule.
struct APIFailure: Error, CustomStringConvertible {
    var status: HTTPResponse.Status
    var rule: String
    var message: String
    var field: String?
    var eventIndex: Int?
    var conflictingSeq: UInt64?
    /// Extra response headers (`Allow` on a 405, `Connection: close` when the stream is broken).
    var headers = HTTPFields()

    init(_ status: HTTPResponse.Status, rule: String, message: String, field: String? = nil, eventIndex: Int? = nil, conflictingSeq: UInt64? = nil) {
        self.status = status
        self.rule = rule
        self.message = message
        self.field = field
        self.eventIndex = eventIndex
        self.conflictingSeq = conflictingSeq
    }

    /// A bad query parameter or path segment: 400 naming it.
    static func parameter(_ name: String, _ why: String) -> APIFailure {
        APIFailure(.badRequest, rule: "request.parameter", message: "parameter \(name): \(why)", field: name)
    }

    /// A rule violation with the status its rule earns (`RuleID.httpStatus`).
    init(_ v: RuleViolation) {
        self.init(HTTPResponse.Status(code: v.rule.httpStatus), rule: v.id, message: v.message, field: v.field, eventIndex: v.eventIndex,
                  conflictingSeq: v.conflictingSeq)
    }

    var description: String { "\(status.code) \(rule): \(message)" }

    /// The error body: `{"error":{"status","rule","message","field","event_index","conflicting_seq"}}`.
    var body: [UInt8] {
        var e: JSONObject = ["status": .int(Int64(status.code)), "rule": .string(rule), "message": .string(message)]
        if let field { e["field"] = .string(field) }
        if let eventIndex { e["event_index"] = .int(Int64(eventIndex)) }
        if let conflictingSeq, conflictingSeq <= UInt64(JSONValue.maxSafeInteger) { e["conflicting_seq"] = .int(Int64(conflictingSeq)) }
        return CanonicalJSON.encode(["error": .object(e)]) + [0x0A]
    }
}
