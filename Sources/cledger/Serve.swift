import ArgumentParser
import CarbonLedger
import CLISupport
import CarbonLedgerServer
import Foundation
import LedgerStore

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the ledger over HTTP: submissions, reads, proofs, certificates, statistics, metrics and the explorer page (GET /).",
        discussion: """
            POST /v1/submissions takes the same JSON as `cledger submit` and answers after the durable commit; \
            concurrent submissions share commits. A directory without registry.key (a mirror) is served read-only. \
            Stops on SIGINT or SIGTERM after finishing in-flight commits. The API is described in Schemas/openapi.yaml.
            """)

    @OptionGroup var ledgerDirectory: LedgerDirectoryOption

    @Option(help: "Address to listen on (loopback by default).")
    var host: String = "127.0.0.1"

    @Option(help: "Port (0 picks a free one; the chosen port is printed).")
    var port: Int = 8080

    @Option(help: "Largest request body in bytes.")
    var maxBody: Int = 8 << 20

    @Option(help: "Submissions per second allowed per signer key.")
    var rate: Double = 200

    @Option(help: "Submissions a signer key may send at once before --rate applies (default: twice --rate, at least 1).")
    var burst: Double?

    @Option(help: "Seconds a connection may stay idle between requests before it is closed.")
    var idleTimeout: Double = 60

    @Option(help: "Seconds a client may take to send a request's headers, from its first byte (then 408 and close).")
    var headerTimeout: Double = 10

    @Option(help: "Seconds a client may take to send a request's body, from the end of its headers (then 408 and close; nothing is appended).")
    var bodyTimeout: Double = 30

    @Option(help: "Connections served at once; more wait in the listen backlog (default: 4096, or the open-file limit less 64 if lower).")
    var maxConnections: Int?

    @Option(help: "Entries after which the rules checkpoint (DIR/rules) takes the committed writes: a restart replays at most about this many.")
    var checkpointEntries: UInt64 = Sequencer.defaultCheckpointEntries

    @Option(help: "Seconds after which the rules checkpoint takes the committed writes when fewer entries came.")
    var checkpointSeconds: Double = 60

    @Flag(help: "Skip fsync on commit (faster; loses recent commits on power failure).")
    var noSync = false

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard maxBody >= 1024 else { throw ValidationError("--max-body must be at least 1024") }
        guard rate.isFinite, rate >= 0.001, rate <= 1_000_000 else { throw ValidationError("--rate must be from 0.001 to 1000000 submissions per second") }
        if let b = burst { guard b.isFinite, b >= 1, b <= 1_000_000_000 else { throw ValidationError("--burst must be from 1 to 1000000000") } }
        for (name, v) in [("--idle-timeout", idleTimeout), ("--header-timeout", headerTimeout), ("--body-timeout", bodyTimeout)] {
            guard v.isFinite, v >= 0.001, v <= 86_400 else { throw ValidationError("\(name) must be from 0.001 to 86400 seconds") }
        }
        if let m = maxConnections { guard (1...1_000_000).contains(m) else { throw ValidationError("--max-connections must be 1 to 1000000") } }
        guard (1...1_000_000_000_000).contains(checkpointEntries) else { throw ValidationError("--checkpoint-entries must be from 1 to 1000000000000") }
        guard checkpointSeconds.isFinite, checkpointSeconds >= 0.001, checkpointSeconds <= 86_400 else {
            throw ValidationError("--checkpoint-seconds must be from 0.001 to 86400")
        }
    }

    func run() async throws {
        var options = LMDBOptions()
        options.noSync = noSync
        let ledger = try ledgerDirectory.open(options: options)
        var limits = LedgerServer.Limits()
        limits.maxBodyBytes = maxBody
        limits.submissionsPerSecond = rate
        limits.burst = burst ?? max(1, rate * 2)
        limits.idleTimeout = idleTimeout
        limits.headerTimeout = headerTimeout
        limits.bodyTimeout = bodyTimeout
        limits.checkpointEntries = checkpointEntries
        limits.checkpointSeconds = checkpointSeconds
        let descriptors = FileLimit.raise()
        // Each connection is a descriptor; LMDB, the log and the listener need some of their own.
        let fit = max(1, descriptors - 64)
        if let m = maxConnections, m > fit {
            throw ValidationError("--max-connections \(m) exceeds what the open-file limit (\(descriptors)) allows: at most \(fit); raise `ulimit -n` or ask for fewer")
        }
        limits.maxConnections = maxConnections ?? min(4096, fit)
        let server = try LedgerServer(ledger: ledger, limits: limits)
        try await server.run(host: host, port: port) { port in
            // Tests and scripts wait for this line; write it unbuffered.
            FileHandle.standardOutput.write(Data("listening on http://\(host):\(port)/\n".utf8))
        }
    }
}
