import CarbonLedger
import Foundation
import Hummingbird
import LedgerCore
import LedgerStore

extension LedgerServer {
    /// Runs a read, turning what the ledger throws into the failure a client can act on:
    /// unknown things are 404, bad parameters 400.
    func read<T>(_ body: () throws -> T) throws(APIFailure) -> T {
        do { return try body() } catch let e as APIFailure {
            throw e
        } catch let e as QueryError {
            switch e {
            case .badDimension, .repeatedDimension: throw APIFailure.parameter("by", e.description)
            case .badFilter(let name, _): throw APIFailure.parameter(name, e.description)
            default: throw APIFailure(.notFound, rule: "not_found", message: e.description)
            }
        } catch let e as LedgerError {
            switch e {
            case .seqOutOfRange, .noCheckpoint: throw APIFailure(.notFound, rule: "not_found", message: e.description)
            default: throw APIFailure(.badRequest, rule: "request.invalid", message: e.description)
            }
        } catch let e as MerkleProofError {
            throw APIFailure(.badRequest, rule: "request.invalid", message: e.description)
        } catch let e as LeaderboardError {
            throw APIFailure.parameter(e.field, e.description)
        } catch let e as ListingError {
            throw APIFailure.parameter(e.field, e.description)
        } catch {
            throw APIFailure(.internalServerError, rule: "server.storage", message: "\(error)")
        }
    }

    /// The `{id}` path segment: an identifier of SPEC's form, else 400 naming it.
    func pathID(_ context: LedgerRequestContext) throws(APIFailure) -> String {
        let id = context.parameters.get("id") ?? ""
        if let why = Identifier.problem(id) { throw APIFailure.parameter("id", "\"\(id.prefix(80))\" \(why)") }
        return id
    }

    func addReadRoutes(_ routes: RouteRegistrar) throws {
        let pageSize = 1...UInt64(limits.maxEntriesPerPage)
        try routes.get("/healthz") { _, _ in API.text("ok\n") }
        try routes.get("/metrics") { _, _ in API.text(self.metrics.text(stateFaults: self.committer?.stateFaults ?? 0, readsWaiting: self.positions.waiting), contentType: "text/plain; version=0.0.4") }
        try routes.get("/v1/info") { _, _ in
            try self.read {
                var info = try self.ledger.info().json
                info["read_only"] = .bool(self.committer == nil)
                return API.json(.object(info))
            }
        }
        try routes.get("/v1/checkpoint") { _, _ in try self.read { API.text(try self.ledger.checkpoint()) } }
        try routes.get("/v1/checkpoints") { request, _ in
            let q = QueryParameters(request: request)
            let from = try q.integer("from", in: QueryParameters.position, default: 1)
            let limit = try q.integer("limit", in: pageSize, default: 100)
            return try self.read { API.json(["checkpoints": .array(try self.ledger.checkpoints(from: from, limit: Int(limit)).map(JSONValue.string))]) }
        }
        try routes.get("/v1/entries") { request, _ in
            let q = QueryParameters(request: request)
            let from = try q.integer("from", in: QueryParameters.position, default: 0)
            let limit = try q.integer("limit", in: pageSize, default: 100)
            return try self.read {
                let (size, entries) = try self.ledger.entries(from: from, limit: Int(limit))
                return API.json(["from": .int(Int64(from)), "size": .int(Int64(size)), "entries": .array(entries)])
            }
        }
        try routes.get("/v1/proofs/inclusion") { request, _ in
            let q = QueryParameters(request: request)
            let seq = try q.required("seq", in: QueryParameters.position)
            let size = try q.optional("size", in: 1...QueryParameters.position.upperBound)
            return try self.read { API.json(try self.ledger.inclusionProof(seq: seq, size: size).json) }
        }
        try routes.get("/v1/proofs/consistency") { request, _ in
            let q = QueryParameters(request: request)
            let from = try q.required("from", in: 1...QueryParameters.position.upperBound)
            let to = try q.optional("to", in: 1...QueryParameters.position.upperBound)
            return try self.read { API.json(try self.ledger.consistencyProof(from: from, to: to).json) }
        }
        try routes.get("/v1/accounts/{id}") { request, context in
            let id = try self.pathID(context)
            let q = QueryParameters(request: request)
            let history = try q.integer("history", in: 0...1000, default: 200)
            let before = try q.optional("history_before", in: 1...QueryParameters.position.upperBound)
            return try self.read { API.json(try self.ledger.accountView(id, historyLimit: Int(history), historyBefore: before)) }
        }
        try routes.get("/v1/accounts/{id}/holdings") { _, context in
            let id = try self.pathID(context)
            return try self.read { API.json(try self.ledger.holdingsView(id)) }
        }
        try routes.get("/v1/projects/{id}") { _, context in try self.record("proj", "project", try self.pathID(context)) }
        try routes.get("/v1/batches/{id}") { _, context in try self.record("batch", "batch", try self.pathID(context)) }
        try routes.get("/v1/footprints/{id}") { _, context in
            let id = try self.pathID(context)
            return try self.read { API.json(try self.ledger.footprint(id)) }
        }
        try routes.get("/v1/pledges") { _, _ in try self.read { API.json(.array(try self.ledger.pledges())) } }
        try routes.get("/v1/market") { _, _ in try self.read { API.json(.array(try self.ledger.market())) } }
        try routes.get("/v1/leaderboard") { request, _ in
            let p = QueryParameters(request: request)
            let month = try p.optionalString("month", maxLength: 6), from = try p.optionalString("from", maxLength: 8)
            let to = try p.optionalString("to", maxLength: 8)
            let period: (from: String, to: String)
            do throws(LeaderboardError) { period = try Leaderboard.Query.period(month: month, from: from, to: to) } catch {
                throw APIFailure.parameter(error.field, error.description)
            }
            var q = Leaderboard.Query(from: period.from, to: period.to)
            q.region = try p.optionalString("region", maxLength: 12)
            q.scenario = try p.optionalString("scenario", maxLength: 64)
            q.platform = try p.optionalString("platform", maxLength: 64)
            q.account = try p.optionalString("account", maxLength: 64)
            q.top = Int(try p.integer("top", in: 1...1000, default: 10))
            return try self.read { API.json(try self.ledger.leaderboard(q).json) }
        }
        try routes.get("/v1/requests/{id}") { _, context in try self.record("req", "issuance request", try self.pathID(context)) }
        for listing in Listing.allCases {
            try routes.get("/v1/\(listing.rawValue)") { request, _ in
                let q = QueryParameters(request: request)
                var filters: [String: String] = [:]
                for name in listing.filters { filters[name] = try q.optionalString(name, maxLength: 200) }
                let after = try q.optionalString("after", maxLength: 300)
                let limit = try q.integer("limit", in: 1...1000, default: 100)
                return try self.read {
                    let page = try self.ledger.list(listing, filters: filters, after: after, limit: Int(limit))
                    var o: JSONObject = ["items": .array(page.items)]
                    if let next = page.next { o["next_after"] = .string(next) }
                    return API.json(.object(o))
                }
            }
        }
        try routes.get("/v1/retirements") { request, _ in
            let q = QueryParameters(request: request)
            var filters: [String: String] = [:]
            for name in Ledger.retirementFilters { filters[name] = try q.optionalString(name, maxLength: 256) }
            return try self.read { API.json(.array(try self.ledger.retirements(filters: filters))) }
        }
        try routes.get("/v1/retirements/{id}") { _, context in try self.record("ret", "retirement", try self.pathID(context)) }
        try routes.get("/v1/retirements/{id}/certificate") { _, context in
            let id = try self.pathID(context)
            return try self.read { API.json(try self.ledger.certificate(id)) }
        }
        try routes.get("/v1/stats") { request, _ in
            let q = QueryParameters(request: request)
            let dims = try q.string("by", maxLength: 100, default: "scenario").split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let csv = try q.choice("format", ["json", "csv"], default: "json") == "csv"
            return try self.read { try self.stats(dims, csv: csv) }
        }
        try routes.get("/v1/search") { request, _ in
            let text = try QueryParameters(request: request).string("q", maxLength: 200, default: "")
            return try self.read { API.json(try self.ledger.search(text)) }
        }
    }

    func stats(_ dims: [String], csv: Bool) throws -> Response {
        let rows = try ledger.stats(by: dims)
        let fields = Ledger.statsFields
        func cells(_ r: Ledger.StatsRow) -> [String] { dims.map { r.group[$0] ?? "" } }
        if csv {
            var out = (dims + fields).joined(separator: ",") + "\n"
            for r in rows { out += (cells(r) + fields.map { String(r.totals[$0] ?? 0) }).joined(separator: ",") + "\n" }
            return API.text(out, contentType: "text/csv; charset=utf-8")
        }
        let objects: [JSONValue] = rows.map { r in
            var o = JSONObject()
            for (d, v) in zip(dims, cells(r)) { o[d] = .string(v) }
            for f in fields { o[f] = .int(r.totals[f] ?? 0) }
            return .object(o)
        }
        return API.json(.array(objects))
    }

    func record(_ prefix: String, _ kind: String, _ id: String) throws(APIFailure) -> Response {
        try read {
            guard let v = try ledger.state("\(prefix)/\(id)") else { throw APIFailure(.notFound, rule: "not_found", message: "no \(kind) \(id)") }
            return API.json(v)
        }
    }

    func addExplorerRoutes(_ routes: RouteRegistrar) throws {
        try routes.get("/") { _, _ in try self.file("index.html") }
        try routes.get("/explorer/{name}") { _, context in try self.file(context.parameters.get("name") ?? "") }
    }

    /// `/checkpoint` and `/tile/...`: what `cledger export tiles` would write now. A tile's
    /// bytes never change once it exists, so caches may keep it for ever; the checkpoint moves.
    func addTileRoutes(_ routes: RouteRegistrar) throws {
        try routes.get("/checkpoint") { _, _ in
            var r = try self.read { API.text(try self.ledger.checkpoint()) }
            r.headers[.cacheControl] = "no-cache"
            return r
        }
        try routes.get("/tile/**") { request, _ in
            let path = request.uri.path.dropFirst()
            guard let tile = TileLayout.parse(path) else {
                throw APIFailure(.notFound, rule: "not_found", message: "no tile \(String(path.prefix(120))); tiles are tile/L/N[.p/W] or tile/entries/N[.p/W] as SPEC.md section 13 spells them")
            }
            let bytes = try self.read { try self.ledger.tile(tile) }
            guard let bytes else {
                throw APIFailure(.notFound, rule: "not_found", message: "tile \(tile.path) is not in the latest checkpoint's tree (yet)")
            }
            var r = API.bytes(bytes, contentType: "application/octet-stream")
            r.headers[.cacheControl] = "public, max-age=31536000, immutable"
            return r
        }
    }

    func file(_ name: String) throws(APIFailure) -> Response {
        guard let f = explorer[name] else { throw APIFailure(.notFound, rule: "not_found", message: "no explorer file \(name.prefix(80))") }
        return API.bytes(f.body, contentType: f.type)
    }
}
