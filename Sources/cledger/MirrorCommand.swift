import ArgumentParser
import CarbonLedger
import CarbonLedgerServer
import Foundation
import LedgerCore

struct MirrorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mirror",
        abstract: "Keep a verified replica of a ledger served over HTTP; stop with an alarm if the server forks its history.",
        discussion: """
            Pulls entries and the registry's checkpoints, verifies every hash link, signature and rule with \
            the same reducer as `cledger verify`, and checks every new checkpoint for consistency with the last \
            one trusted. Exit status 2 and a FORK DETECTED or BAD ENTRIES line mean the server cannot be \
            trusted. The replica can be served read-only with `cledger serve --dir DIR`.
            """)

    @Option(help: "Base URL of the ledger server, e.g. http://127.0.0.1:8080/")
    var from: String

    @Option(help: "Replica directory (created on first run).")
    var dir: String

    @Option(help: "Pin the registry's verifier key (name+keyid+base64, or a file). Default: trust the genesis entry on first sync, then keep it.")
    var key: String?

    @Flag(help: "Keep following the server until interrupted.")
    var follow = false

    @Option(help: "Seconds between rounds with --follow.")
    var interval: Double = 2

    func validate() throws {
        guard interval.isFinite, interval >= 0.1, interval <= 86_400 else { throw ValidationError("--interval must be from 0.1 to 86400 seconds") }
    }

    func run() async throws {
        guard let url = URL(string: from), url.scheme == "http" || url.scheme == "https" else { throw ValidationError("--from must be an http(s) URL") }
        let pinned = try key.map(verifierKey)
        let mirror = try LedgerMirror(from: url, directory: dir, registryKey: pinned)
        repeat {
            do {
                let size = try await mirror.sync()
                print("replica \(dir) at tree size \(size), verified; registry key \(mirror.registryKey?.description ?? "?")")
            } catch let alarm as LedgerMirror.Alarm {
                FileHandle.standardError.write(Data("\(alarm)\n".utf8))
                if case .server = alarm, follow { try await Task.sleep(nanoseconds: UInt64(interval * 1e9)); continue }
                throw ExitCode(2)
            }
            if follow { try await Task.sleep(nanoseconds: UInt64(interval * 1e9)) }
        } while follow
    }
}
