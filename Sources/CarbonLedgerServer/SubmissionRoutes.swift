import CarbonLedger
import Foundation
import Hummingbird
import LedgerCore
import NIOCore
import NIOHTTP1

extension LedgerServer {
    func addSubmissionRoutes(_ routes: RouteRegistrar) throws {
        try routes.on(.post, "/v1/submissions") { request, context -> Response in
            guard let committer = self.committer else {
                throw APIFailure(.methodNotAllowed, rule: "server.read_only", message: "this server is a read-only mirror; submit to the registry's server")
            }
            try Self.requireJSON(request)
            let body = try await self.body(of: request)
            let sub: Submission
            do { sub = try Submission.decode(Array(body.readableBytesView)) } catch {
                self.metrics.rejected("submission.decode")
                var field: String?
                if case .field(let f, _)? = error as? SubmissionError { field = f }
                throw APIFailure(.badRequest, rule: "submission.decode", message: "\(error)", field: field)
            }
            context.notes.signer = sub.signer.name
            guard self.rateLimiter.allow(sub.signer.description) else {
                self.metrics.rejected("request.rate")
                throw APIFailure(.tooManyRequests, rule: "request.rate",
                                 message: "key \(sub.signer.name) exceeds \(self.limits.submissionsPerSecond) submissions per second; retry later")
            }
            let start = Date()
            do {
                let r = try await committer.submit(sub)
                self.metrics.accepted(events: r.count, seconds: Date().timeIntervalSince(start))
                return API.json(["first_seq": .int(Int64(r.firstSeq)), "last_seq": .int(Int64(r.lastSeq)), "count": .int(Int64(r.count)),
                                 "root": .string(r.root.hex), "tree_size": .int(Int64(r.treeSize))])
            } catch let v as RuleViolation {
                self.metrics.rejected(v.id)
                throw APIFailure(v)
            } catch {
                self.logger.error("append failed", metadata: ["error": "\(error)"])
                throw APIFailure(.internalServerError, rule: "server.storage", message: "the submission was not appended: \(error)")
            }
        }
    }

    /// A submission is JSON: a form post or a body without a type is refused before it is read.
    static func requireJSON(_ request: Request) throws(APIFailure) {
        let type = request.headers[.contentType] ?? ""
        let media = type.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard media == "application/json" else {
            throw APIFailure(.unsupportedMediaType, rule: "request.content_type",
                             message: type.isEmpty ? "the request has no Content-Type; send application/json"
                                 : "Content-Type \(type.prefix(80)) is not accepted; send application/json",
                             field: "Content-Type")
        }
    }

    /// The whole body, up to the limit. Past the limit, or when the body's framing is broken, the
    /// rest of the connection cannot be read as requests: the answer closes it.
    func body(of request: Request) async throws(APIFailure) -> ByteBuffer {
        do { return try await request.body.collect(upTo: limits.maxBodyBytes) } catch {
            var f: APIFailure
            if error is NIOTooManyBytesError {
                f = APIFailure(.contentTooLarge, rule: "request.too_large", message: "the body exceeds \(limits.maxBodyBytes) bytes")
            } else {
                f = APIMiddleware.failure(for: error)
            }
            f.headers[.connection] = "close"
            throw f
        }
    }
}
