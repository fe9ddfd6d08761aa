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

    @Flag(help: "Skip fsync on commit (faster; loses recent commits on power failure).")
    var noSync = false

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard maxBody >= 1024 else { throw ValidationError("--max-body must be at least 1024") }
        guard rate > 0, rate.isFinite else { throw ValidationError("--rate must be a positive number") }
        if let b = burst { guard b >= 1, b.isFinite else { throw ValidationError("--burst must be at least 1") } }
    }

    func run() async throws {
        var options = LMDBOptions()
        options.noSync = noSync
        let ledger = try ledgerDirectory.open(options: options)
        var limits = LedgerServer.Limits()
        limits.maxBodyBytes = maxBody
        limits.submissionsPerSecond = rate
        limits.burst = burst ?? max(1, rate * 2)
        let server = try LedgerServer(ledger: ledger, limits: limits)
        try await server.run(host: host, port: port) { port in
            // Tests and scripts wait for this line; write it unbuffered.
            FileHandle.standardOutput.write(Data("listening on http://\(host):\(port)/\n".utf8))
        }
    }
}
