import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOHTTP1

/// The one place a request is checked against `Routes`, an error becomes the JSON body of
/// Schemas/error.schema.json, and a request gets its log line: whatever a route throws, and
/// whatever Hummingbird throws for it, the client reads a JSON error naming the rule.
struct APIMiddleware: RouterMiddleware {
    typealias Context = LedgerRequestContext
    let logger: Logger
    let metrics: Metrics
    /// Reads of `/v1/` say how far the state they read reaches, and wait as they ask.
    let positions: ReadPositions?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        metrics.request()
        var route: Route?
        var failure: APIFailure?
        var response: Response
        do {
            let r = try Routes.route(request.method, request.uri.path[...])
            route = r
            try Routes.checkQuery(r, request.uri.queryParameters.map(\.key))
            if request.method == .get, request.uri.path.hasPrefix("/v1/"), let positions {
                response = try await Self.read(request, context, positions: positions, next: next)
            } else {
                response = try await next(request, context)
            }
        } catch {
            let f = Self.failure(for: error)
            failure = f
            response = API.failure(f)
        }
        log(request, route: route, status: response.status, failure: failure, since: start, signer: context.notes.signer)
        return response
    }

    /// A read of `/v1/` with the state's size it reflects (`Ledger-State-Size`), from a state
    /// that reaches the `Ledger-Min-Size` it asks for. When the state is short of it, the read is
    /// first run once to be refused as any read is (a bad parameter is a 400, not a 412), then
    /// waited for and run again: what it reads may not exist yet (a 404 now is no answer).
    static func read(_ request: Request, _ context: Context, positions: ReadPositions,
                     next: (Request, Context) async throws -> Response) async throws -> Response {
        var (reflected, short) = try positions.check(request)
        if let wanted = short {
            do {
                let probe = try await next(request, context)
                if (400..<500).contains(probe.status.code) && probe.status.code != 404 { return probe }
            } catch let f as APIFailure where f.status.code == 404 {
                // Not there yet: wait for it below.
            }
            reflected = try await positions.wait(for: wanted, request)
        }
        var response = try await next(request, context)
        response.headers[ReadPositions.stateSizeHeader] = String(reflected)
        return response
    }

    /// The JSON error for anything a route or Hummingbird threw.
    static func failure(for error: any Error) -> APIFailure {
        switch error {
        case let f as APIFailure:
            return f
        case let e as HTTPParserError:
            // The request's bytes cannot be framed: nothing after them can be trusted either.
            var f = APIFailure(.badRequest, rule: "request.framing", message: "the request is not well-formed HTTP/1.1: \(e)")
            f.headers[.connection] = "close"
            return f
        case let e as IncompleteBody:
            var f: APIFailure
            if case .timedOut = e {
                f = APIFailure(.requestTimeout, rule: "request.timeout", message: "\(e); nothing was appended and the connection is closed")
            } else {
                f = APIFailure(.badRequest, rule: "request.truncated", message: "\(e); nothing was appended")
            }
            f.headers[.connection] = "close"
            return f
        case let e as HTTPResponseError:
            return APIFailure(e.status, rule: e.status.code == 404 ? "not_found" : "request.invalid", message: "\(e.status.reasonPhrase)")
        default:
            return APIFailure(.internalServerError, rule: "server.internal", message: "the request failed inside the server: \(error)")
        }
    }

    private func log(_ request: Request, route: Route?, status: HTTPResponse.Status, failure: APIFailure?, since start: ContinuousClock.Instant, signer: String?) {
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        var metadata: Logger.Metadata = [
            "method": "\(request.method.rawValue)",
            "route": "\(route?.path ?? String(request.uri.path.prefix(200)))",
            "status": "\(status.code)",
            "ms": "\(String(format: "%.3f", ms))",
        ]
        if let signer { metadata["signer"] = "\(signer)" }
        if let failure {
            metadata["rule"] = "\(failure.rule)"
            if let field = failure.field { metadata["field"] = "\(field)" }
        }
        logger.log(level: status.code >= 500 ? .error : .info, "request", metadata: metadata)
    }
}
