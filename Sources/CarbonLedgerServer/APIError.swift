import CarbonLedger
import HTTPTypes
import Hummingbird
import LedgerCore
import NIOCore

/// JSON responses and the error body every 4xx/5xx carries:
/// `{"error":{"status","rule","field","event_index","message","conflicting_seq"}}`.
enum API {
    static func json(_ v: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        bytes(CanonicalJSON.encode(v) + [0x0A], contentType: "application/json", status: status)
    }

    static func bytes(_ b: [UInt8], contentType: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: b)))
    }

    static func text(_ s: String, contentType: String = "text/plain; charset=utf-8", status: HTTPResponse.Status = .ok) -> Response {
        bytes(Array(s.utf8), contentType: contentType, status: status)
    }

    static func error(_ status: HTTPResponse.Status, rule: String, message: String, field: String? = nil, eventIndex: Int? = nil,
                      conflictingSeq: UInt64? = nil) -> Response {
        var e: JSONObject = ["status": .int(Int64(status.code)), "rule": .string(rule), "message": .string(message)]
        if let field { e["field"] = .string(field) }
        if let eventIndex { e["event_index"] = .int(Int64(eventIndex)) }
        if let conflictingSeq { e["conflicting_seq"] = .int(Int64(conflictingSeq)) }
        return json(["error": .object(e)], status: status)
    }

    /// The HTTP status a rule violation earns: 401 bad signature, 403 keys/roles/scopes, 409
    /// double counting, double spending and replays, 400 malformed events, 422 other rules.
    static func status(of v: RuleViolation) -> HTTPResponse.Status {
        switch v.rule {
        case "submission.signature": return .unauthorized
        case _ where v.rule.hasPrefix("auth."): return .forbidden
        case "behaviour.double_counted", "units.double_spend", "submission.replay", "retirement.duplicate": return .conflict
        case "event.type", "event.object": return .badRequest
        case _ where v.rule.hasSuffix(".fields"): return .badRequest
        default: return .unprocessableContent
        }
    }

    static func violation(_ v: RuleViolation) -> Response {
        error(status(of: v), rule: v.rule, message: v.message, field: v.field, eventIndex: v.eventIndex, conflictingSeq: v.conflictingSeq)
    }
}
