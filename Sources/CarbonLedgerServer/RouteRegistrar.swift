import HTTPTypes
import Hummingbird
import CarbonLedger

/// Registers handlers by `Routes`: a handler for a route the list lacks, or a route left
/// without a handler, stops the server at start-up instead of answering 404 or 500 later.
final class RouteRegistrar {
    typealias Handler = @Sendable (Request, LedgerRequestContext) async throws -> Response
    let router: Router<LedgerRequestContext>
    private var registered = Set<Route>()

    init(_ router: Router<LedgerRequestContext>) { self.router = router }

    func on(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) throws {
        guard let route = Routes.all.first(where: { $0.method == method && $0.path == path }), registered.insert(route).inserted else {
            throw LedgerError.io("the server registers \(method) \(path) twice or outside Routes.all")
        }
        router.on(RouterPath(path), method: method, use: handler)
    }

    func get(_ path: String, _ handler: @escaping Handler) throws { try on(.get, path, handler) }

    /// Throws unless every route of `Routes.all` has its handler.
    func finish() throws {
        let missing = Routes.all.filter { !registered.contains($0) }
        guard missing.isEmpty else {
            throw LedgerError.io("no handler for \(missing.map { "\($0.method) \($0.path)" }.joined(separator: ", "))")
        }
    }
}
