import CarbonLedger
import HTTPTypes

/// One route of the HTTP API: its method, its path in Schemas/openapi.yaml's `{name}` form, and
/// the query parameters that document declares for it.
struct Route: Sendable, Hashable {
    let method: HTTPRequest.Method
    let path: String
    let query: [String]
    /// The path's segments, split once rather than per request.
    private let segments: [Substring]

    init(_ method: HTTPRequest.Method, _ path: String, query: [String] = []) {
        self.method = method
        self.path = path
        self.query = query
        segments = path.split(separator: "/", omittingEmptySubsequences: false)
    }

    /// Whether `got` (a request path's segments) is this route's path, a `{name}` segment
    /// standing for any one non-empty segment and a final `**` for one or more.
    func matches(_ got: [Substring]) -> Bool {
        if segments.last == "**" {
            let fixed = segments.dropLast()
            guard got.count > fixed.count, got[fixed.count...].allSatisfy({ !$0.isEmpty }) else { return false }
            return zip(fixed, got).allSatisfy { w, g in w == g }
        }
        guard segments.count == got.count else { return false }
        for (w, g) in zip(segments, got) {
            if w.hasPrefix("{") { guard !g.isEmpty else { return false } } else if w != g { return false }
        }
        return true
    }
}

/// The one list of routes the server answers. The middleware answers from it what no handler
/// sees (unknown path 404, wrong method 405 with `Allow`, undeclared or repeated query parameters
/// 400), the server registers its handlers by it and refuses to start if one is missing, and
/// the fuzz suite checks it against the OpenAPI document.
enum Routes {
    static let all: [Route] = [
        Route(.post, "/v1/submissions"),
        Route(.get, "/v1/info"),
        Route(.get, "/v1/checkpoint"),
        Route(.get, "/v1/checkpoints", query: ["from", "limit"]),
        Route(.get, "/v1/entries", query: ["from", "limit"]),
        Route(.get, "/v1/proofs/inclusion", query: ["seq", "size"]),
        Route(.get, "/v1/proofs/consistency", query: ["from", "to"]),
        Route(.get, "/v1/accounts/{id}", query: ["history", "history_before"]),
        Route(.get, "/v1/accounts/{id}/holdings"),
        Route(.get, "/v1/projects/{id}"),
        Route(.get, "/v1/batches/{id}"),
        Route(.get, "/v1/retirements", query: Ledger.retirementFilters),
        Route(.get, "/v1/retirements/{id}"),
        Route(.get, "/v1/retirements/{id}/certificate"),
        Route(.get, "/v1/stats", query: ["by", "format"]),
        Route(.get, "/v1/search", query: ["q"]),
        Route(.get, "/healthz"),
        Route(.get, "/metrics"),
        Route(.get, "/"),
        Route(.get, "/explorer/{name}"),
        // The log as C2SP tlog-tiles (SPEC.md section 13): the paths `cledger export tiles`
        // writes, so a tlog client's base URL is the server's root.
        Route(.get, "/checkpoint"),
        Route(.get, "/tile/**"),
        Route(.get, "/v1/requests/{id}"),
        Route(.get, "/v1/market"),
        Route(.get, "/v1/pledges"),
        Route(.get, "/v1/footprints/{id}"),
        Route(.get, "/v1/leaderboard", query: ["month", "from", "to", "region", "scenario", "platform", "top", "account"]),
    ] + Listing.allCases.map { Route(.get, "/v1/\($0.rawValue)", query: $0.filters + ["after", "limit"]) }

    /// The route `method` and `path` reach, or the failure to answer: 404 when no route has the
    /// path, 405 naming the methods that do.
    static func route(_ method: HTTPRequest.Method, _ path: Substring) throws(APIFailure) -> Route {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        let candidates = all.filter { $0.matches(segments) }
        if let r = candidates.first(where: { $0.method == method }) { return r }
        guard !candidates.isEmpty else {
            throw APIFailure(.notFound, rule: "not_found", message: "no route \(String(path.prefix(200))); the API is described in Schemas/openapi.yaml")
        }
        let allow = candidates.map(\.method.rawValue).joined(separator: ", ")
        var failure = APIFailure(.methodNotAllowed, rule: "request.method", message: "\(method.rawValue) is not allowed on this path; use \(allow)")
        failure.headers[.allow] = allow
        throw failure
    }

    /// Refuses a query parameter the route does not declare, or one given twice: a misspelt
    /// parameter silently ignored is a wrong answer.
    static func checkQuery(_ route: Route, _ names: [Substring]) throws(APIFailure) {
        var seen = Set<Substring>()
        for name in names {
            let shown = String(name.prefix(60))
            guard route.query.contains(String(name)) else {
                let takes = route.query.isEmpty ? "it takes none" : "it takes \(route.query.joined(separator: ", "))"
                throw APIFailure(.badRequest, rule: "request.parameter", message: "query parameter \(shown) is not one of \(route.path); \(takes)", field: shown)
            }
            guard seen.insert(name).inserted else {
                throw APIFailure(.badRequest, rule: "request.parameter", message: "query parameter \(shown) is given twice; give it once", field: shown)
            }
        }
    }
}
