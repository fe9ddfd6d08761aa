import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LedgerCore

/// A `cledger serve` process on a free loopback port.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    let output = Collected()

    init(dir: String, extra: [String] = []) throws {
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["serve", "--dir", dir, "--port", "0"] + extra
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        let collected = output
        out.fileHandleForReading.readabilityHandler = { h in collected.append(h.availableData) }
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        var found: Int?
        while found == nil && Date() < deadline && process.isRunning {
            let text = String(decoding: output.data, as: UTF8.self)
            if let r = text.range(of: "listening on http://127.0.0.1:") {
                found = Int(text[r.upperBound...].prefix { $0.isNumber })
            } else {
                usleep(20_000)
            }
        }
        guard let p = found else { throw CLIError("server did not start: \(String(decoding: output.data, as: UTF8.self))") }
        port = p
    }

    var base: String { "http://127.0.0.1:\(port)" }

    /// SIGTERM, then wait: a graceful shutdown exits 0.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit { if process.isRunning { process.terminate(); process.waitUntilExit() } }
}

struct CLIError: Error, CustomStringConvertible { let description: String; init(_ d: String) { description = d } }

/// Minimal blocking HTTP for tests.
/// Runs `body(i)` for i in 0..<`count`, each on its own thread; wait on the returned group.
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) -> DispatchGroup {
    let group = DispatchGroup()
    for i in 0..<count {
        group.enter()
        Thread.detachNewThread {
            defer { group.leave() }
            body(i)
        }
    }
    return group
}

enum HTTP {
    struct Reply {
        var status: Int
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: JSONValue { (try? JSONParser.parse(body)) ?? .null }
    }

    static func request(_ method: String, _ url: String, body: [UInt8]? = nil) throws -> Reply {
        var req = URLRequest(url: URL(string: url)!)
        req.httpMethod = method
        if let body { req.httpBody = Data(body); req.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        let done = DispatchSemaphore(value: 0)
        let box = ReplyBox()
        URLSession.shared.dataTask(with: req) { data, response, error in
            box.data = data ?? Data()
            box.status = (response as? HTTPURLResponse)?.statusCode ?? 0
            box.failure = error
            done.signal()
        }.resume()
        done.wait()
        if let failure = box.failure { throw failure }
        return Reply(status: box.status, body: Array(box.data))
    }

    static func get(_ url: String) throws -> Reply { try request("GET", url) }
    static func post(_ url: String, _ body: [UInt8]) throws -> Reply { try request("POST", url, body: body) }
}

final class ReplyBox: @unchecked Sendable {
    var data = Data()
    var status = 0
    var failure: Error?
}
