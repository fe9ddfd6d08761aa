import CarbonLedger
import Foundation
import Hummingbird
import LedgerCore
import LedgerStore

extension LedgerServer {
    /// Runs a read; unknown things are 404, bad parameters 400.
    func read(_ body: () throws -> Response) -> Response {
        metrics.request()
        do { return try body() } catch let e as QueryError {
            return API.error(.notFound, rule: "not_found", message: e.description)
        } catch let e as LedgerError {
            switch e {
            case .seqOutOfRange, .noCheckpoint: return API.error(.notFound, rule: "not_found", message: e.description)
            default: return API.error(.badRequest, rule: "request.invalid", message: e.description)
            }
        } catch let e as MerkleProofError {
            return API.error(.badRequest, rule: "request.invalid", message: e.description)
        } catch let e as BadParameter {
            return API.error(.badRequest, rule: "request.invalid", message: e.description, field: e.name)
        } catch {
            return API.error(.internalServerError, rule: "server.storage", message: "\(error)")
        }
    }

    struct BadParameter: Error, CustomStringConvertible {
        let name: String
        let why: String
        var description: String { "query parameter \(name): \(why)" }
    }

    func uint(_ request: Request, _ name: String, default d: UInt64? = nil) throws -> UInt64 {
        guard let s = request.uri.queryParameters.get(name) else {
            if let d { return d }
            throw BadParameter(name: name, why: "is required")
        }
        // The bound keeps every echoed value a JSON integer of the ledger's range (SPEC.md section 11).
        let max = UInt64(JSONValue.maxSafeInteger)
        guard let v = UInt64(s), v <= max else {
            throw BadParameter(name: name, why: "must be an integer from 0 to \(max), got \"\(s.prefix(40))\(s.count > 40 ? "..." : "")\"")
        }
        return v
    }

    func addReadRoutes(_ router: Router<BasicRequestContext>) {
        router.get("/healthz") { _, _ in API.text("ok\n") }
        router.get("/metrics") { _, _ in API.text(self.metrics.text(stateFaults: self.committer?.stateFaults ?? 0), contentType: "text/plain; version=0.0.4") }
        router.get("/v1/info") { _, _ in
            self.read {
                let i = try self.ledger.info()
                return API.json(["origin": .string(i.origin), "size": .int(Int64(i.size)), "head": .string(i.head.hex),
                                 "registry_key": .string(i.registryKey.description), "checkpoint": .string(i.checkpoint),
                                 "read_only": .bool(self.committer == nil)])
            }
        }
        router.get("/v1/checkpoint") { _, _ in self.read { API.text(try self.ledger.checkpoint()) } }
        router.get("/v1/checkpoints") { request, _ in
            self.read {
                let from = try self.uint(request, "from", default: 1)
                let limit = min(try self.uint(request, "limit", default: 100), UInt64(self.limits.maxEntriesPerPage))
                return API.json(["checkpoints": .array(try self.ledger.checkpoints(from: from, limit: Int(limit)).map(JSONValue.string))])
            }
        }
        router.get("/v1/entries") { request, _ in
            self.read {
                let from = try self.uint(request, "from", default: 0)
                let limit = min(try self.uint(request, "limit", default: 100), UInt64(self.limits.maxEntriesPerPage))
                let (size, entries) = try self.ledger.entries(from: from, limit: Int(limit))
                return API.json(["from": .int(Int64(from)), "size": .int(Int64(size)), "entries": .array(entries)])
            }
        }
        router.get("/v1/proofs/inclusion") { request, _ in
            self.read {
                let size = request.uri.queryParameters.get("size") == nil ? nil : try self.uint(request, "size")
                return API.json(try self.ledger.inclusionProof(seq: try self.uint(request, "seq"), size: size).json)
            }
        }
        router.get("/v1/proofs/consistency") { request, _ in
            self.read {
                let to = request.uri.queryParameters.get("to") == nil ? nil : try self.uint(request, "to")
                return API.json(try self.ledger.consistencyProof(from: try self.uint(request, "from"), to: to).json)
            }
        }
        router.get("/v1/accounts/:id") { _, context in
            self.read { API.json(try self.ledger.accountView(context.parameters.get("id") ?? "", historyLimit: 200)) }
        }
        router.get("/v1/accounts/:id/holdings") { _, context in
            self.read { API.json(try self.ledger.holdingsView(context.parameters.get("id") ?? "")) }
        }
        router.get("/v1/projects/:id") { _, context in self.read { try self.record("proj", context.parameters.get("id")) } }
        router.get("/v1/batches/:id") { _, context in self.read { try self.record("batch", context.parameters.get("id")) } }
        router.get("/v1/retirements") { _, _ in self.read { API.json(.array(try self.ledger.retirements())) } }
        router.get("/v1/retirements/:id") { _, context in self.read { try self.record("ret", context.parameters.get("id")) } }
        router.get("/v1/retirements/:id/certificate") { _, context in
            self.read { API.json(try self.ledger.certificate(context.parameters.get("id") ?? "")) }
        }
        router.get("/v1/stats") { request, _ in
            self.read {
                let dims = (request.uri.queryParameters.get("by") ?? "scenario").split(separator: ",").map(String.init)
                let rows: [Ledger.StatsRow]
                do { rows = try self.ledger.stats(by: dims) } catch let e as QueryError { throw BadParameter(name: "by", why: e.description) }
                let fields = Ledger.statsFields
                if request.uri.queryParameters.get("format") == "csv" {
                    var out = (dims + fields).joined(separator: ",") + "\n"
                    for r in rows { out += (dims.map { r.group[$0]! } + fields.map { String(r.totals[$0] ?? 0) }).joined(separator: ",") + "\n" }
                    return API.text(out, contentType: "text/csv; charset=utf-8")
                }
                let objects: [JSONValue] = rows.map { r in
                    var o = JSONObject()
                    for d in dims { o[d] = .string(r.group[d]!) }
                    for f in fields { o[f] = .int(r.totals[f] ?? 0) }
                    return .object(o)
                }
                return API.json(.array(objects))
            }
        }
        router.get("/v1/search") { request, _ in
            self.read { API.json(try self.ledger.search(request.uri.queryParameters.get("q").map { String($0) } ?? "")) }
        }
    }

    func record(_ prefix: String, _ id: String?) throws -> Response {
        guard let id, let v = try ledger.state("\(prefix)/\(id)") else {
            return API.error(.notFound, rule: "not_found", message: "no \(["proj": "project", "batch": "batch", "ret": "retirement"][prefix]!) \(id ?? "")")
        }
        return API.json(v)
    }

    func addExplorerRoutes(_ router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in self.file("index.html") }
        router.get("/explorer/:name") { _, context in self.file(context.parameters.get("name") ?? "") }
    }

    func file(_ name: String) -> Response {
        guard let f = explorer[name] else { return API.error(.notFound, rule: "not_found", message: "no explorer file \(name)") }
        return API.bytes(f.body, contentType: f.type)
    }
}
