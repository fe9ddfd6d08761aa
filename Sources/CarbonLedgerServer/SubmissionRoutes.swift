import CarbonLedger
import Foundation
import Hummingbird
import LedgerCore

extension LedgerServer {
    func addSubmissionRoutes(_ router: Router<BasicRequestContext>) {
        router.post("/v1/submissions") { request, _ -> Response in
            self.metrics.request()
            guard let committer = self.committer else {
                return API.error(.methodNotAllowed, rule: "server.read_only", message: "this server is a read-only mirror; submit to the registry's server")
            }
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: self.limits.maxBodyBytes) } catch {
                return API.error(.contentTooLarge, rule: "request.too_large", message: "the body exceeds \(self.limits.maxBodyBytes) bytes")
            }
            let sub: Submission
            do { sub = try Submission.decode(Array(body.readableBytesView)) } catch let error as SubmissionError {
                self.metrics.rejected("submission.decode")
                var field: String?
                if case .field(let f, _) = error { field = f }
                return API.error(.badRequest, rule: "submission.decode", message: error.description, field: field)
            } catch {
                return API.error(.badRequest, rule: "submission.decode", message: "\(error)")
            }
            guard self.rateLimiter.allow(sub.signer.description) else {
                self.metrics.rejected("request.rate")
                return API.error(.tooManyRequests, rule: "request.rate",
                                 message: "key \(sub.signer.name) exceeds \(Int(self.limits.submissionsPerSecond)) submissions per second; retry later")
            }
            let start = Date()
            do {
                let r = try await committer.submit(sub)
                self.metrics.accepted(events: r.count, seconds: Date().timeIntervalSince(start))
                return API.json(["first_seq": .int(Int64(r.firstSeq)), "last_seq": .int(Int64(r.lastSeq)), "count": .int(Int64(r.count)),
                                 "root": .string(r.root.hex), "tree_size": .int(Int64(r.treeSize))])
            } catch let v as RuleViolation {
                self.metrics.rejected(v.rule)
                return API.violation(v)
            } catch {
                self.logger.error("append failed", metadata: ["error": "\(error)"])
                return API.error(.internalServerError, rule: "server.storage", message: "the submission was not appended: \(error)")
            }
        }
    }
}
