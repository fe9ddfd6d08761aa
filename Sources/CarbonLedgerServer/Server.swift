import CarbonLedger
import Foundation
import Hummingbird
import HummingbirdCore
import LedgerCore
import LedgerStore
import Logging

/// `cledger serve`: the ledger over HTTP for platforms (submissions), exchanges, auditors and
/// regulators (reads, proofs, certificates, statistics), mirrors (entries) and people (the
/// explorer page). Submissions from concurrent requests share group commits; each is answered
/// only after its commit is durable.
public final class LedgerServer: @unchecked Sendable {
    /// Request limits (documented in README and Schemas/openapi.yaml).
    public struct Limits: Sendable {
        /// Largest request body accepted.
        public var maxBodyBytes = 8 << 20
        /// Submissions per second per signer key, and the burst allowed.
        public var submissionsPerSecond = 200.0
        public var burst = 400.0
        /// Most entries one GET /v1/entries returns.
        public var maxEntriesPerPage = 1000
        /// Seconds a connection may stay idle between requests, take to send a request's headers
        /// (from its first byte), and take to send its body (from the end of its headers).
        public var idleTimeout = 60.0
        public var headerTimeout = 10.0
        public var bodyTimeout = 30.0
        /// Connections served at once; more wait in the listen backlog until one closes.
        public var maxConnections = 4096
        /// Entries, and seconds, after which the rules checkpoint takes the committed batches'
        /// writes (`Sequencer.checkpointEntries`): what a restart replays at most.
        public var checkpointEntries = Sequencer.defaultCheckpointEntries
        public var checkpointSeconds = 60.0
        /// Request line and headers: bytes a field, bytes in all, and fields.
        public var maxHeaderFieldBytes = 16 << 10
        public var maxHeaderBytes = 64 << 10
        public var maxHeaderFields = 100
        public init() {}
    }

    public let ledger: Ledger
    let committer: GroupCommitter?
    let limits: Limits
    let metrics = Metrics()
    let positions: ReadPositions
    let rateLimiter: RateLimiter
    let logger: Logger
    let explorer: [String: (type: String, body: [UInt8])]

    /// A server for `ledger`; without a registry key in the directory (a mirror) it is read-only.
    public init(ledger: Ledger, limits: Limits = Limits(), logger: Logger = Logger(label: "carbonledger")) throws {
        self.ledger = ledger
        self.limits = limits
        self.logger = logger
        rateLimiter = RateLimiter(rate: limits.submissionsPerSecond, burst: limits.burst)
        positions = ReadPositions(sizes: { [ledger] in try ledger.sizes() })
        if FileManager.default.fileExists(atPath: LedgerDirectory.keyPath(ledger.directory)) {
            // The rule state is loaded before serving, not by the first submission.
            let sequencer = try ledger.sequencer()
            sequencer.checkpointEntries = limits.checkpointEntries
            sequencer.checkpointInterval = .milliseconds(Int64(limits.checkpointSeconds * 1000))
            let loaded = try sequencer.loadRulesState()
            logger.info("rule state loaded", metadata: ["records": "\(loaded.records)", "entries": "\(loaded.size)",
                                                        "seconds": "\(String(format: "%.3f", loaded.seconds))", "from": "\(loaded.source)"])
            // Reads waiting for the state (`Ledger-Min-Size`) look again after each of its writes.
            sequencer.onStateWritten = { [positions] _ in positions.advanced() }
            committer = GroupCommitter(sequencer: sequencer)
        } else {
            committer = nil
        }
        var files: [String: (String, [UInt8])] = [:]
        for (name, type) in [("index.html", "text/html; charset=utf-8"), ("app.js", "text/javascript; charset=utf-8"), ("style.css", "text/css; charset=utf-8")] {
            guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Explorer"),
                  let data = FileManager.default.contents(atPath: url.path) else { throw LedgerError.io("explorer resource \(name) is missing from the build") }
            files[name] = (type, Array(data))
        }
        explorer = files
    }

    /// Serves until SIGINT or SIGTERM, then finishes in-flight commits and returns.
    public func run(host: String, port: Int, onListening: (@Sendable (Int) async -> Void)? = nil) async throws {
        let router = Router(context: LedgerRequestContext.self)
        // Middlewares wrap only the routes added after them.
        router.add(middleware: APIMiddleware(logger: logger, metrics: metrics, positions: positions))
        let routes = RouteRegistrar(router)
        try addSubmissionRoutes(routes)
        try addReadRoutes(routes)
        try addExplorerRoutes(routes)
        try addTileRoutes(routes)
        try routes.finish()
        let server = HTTPServerBuilder { [limits, metrics] responder in GuardedHTTP1Channel(responder: responder, limits: limits, metrics: metrics) }
        let configuration = ApplicationConfiguration(address: .hostname(host, port: port), serverName: "carbonledger", backlog: 1024,
                                                     availableConnectionsDelegate: MaximumAvailableConnections(limits.maxConnections, logger: logger))
        let app = Application(router: router, server: server, configuration: configuration,
                              onServerRunning: { channel in
                                  await onListening?(channel.localAddress?.port ?? port)
                              }, logger: logger)
        logger.info("serving", metadata: ["dir": "\(ledger.directory)", "address": "\(host):\(port)", "read_only": "\(committer == nil)",
                                          "max_connections": "\(limits.maxConnections)", "idle_timeout": "\(limits.idleTimeout)",
                                          "header_timeout": "\(limits.headerTimeout)", "body_timeout": "\(limits.bodyTimeout)"])
        try await app.runService()
        committer?.shutdown()
        if let fault = committer?.rulesCheckpointFault {
            logger.error("the last step of the rules checkpoint failed; the next start replays the log from the step before", metadata: ["error": "\(fault)"])
        }
        // The state was written without fsync: flushed now, the next boot trusts it as it is
        // instead of rebuilding it from the log (SPEC.md section 10).
        do { try ledger.store.syncState() } catch {
            logger.error("could not flush the state to disk; after a reboot it is rebuilt from the log", metadata: ["error": "\(error)"])
        }
        logger.info("stopped; in-flight commits finished")
    }
}
