import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LedgerCore

/// A `cledger serve` process on a free loopback port.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    let output: Collected

    init(dir: String, extra: [String] = []) throws {
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["serve", "--dir", dir, "--port", "0"] + extra
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        output = Collected(reading: out)
        try process.run()
        // Until the server says where it listens, or exits without saying it.
        let marker = "listening on http://127.0.0.1:"
        output.wait { data in
            let text = String(decoding: data, as: UTF8.self)
            return text.range(of: marker).map { text[$0.upperBound...].contains(where: { !$0.isNumber }) } ?? false
        }
        let text = output.text
        guard let r = text.range(of: marker), let p = Int(text[r.upperBound...].prefix { $0.isNumber }) else {
            throw CLIError("server did not start: \(text)")
        }
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
        var headers: [String: String] = [:]
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: JSONValue { (try? JSONParser.parse(body)) ?? .null }
    }

    /// A request; a body goes as application/json unless `headers` say otherwise.
    static func request(_ method: String, _ url: String, body: [UInt8]? = nil, headers: [String: String] = [:]) throws -> Reply {
        guard let u = URL(string: url) else { throw CLIError("not a URL: \(url)") }
        var req = URLRequest(url: u)
        req.httpMethod = method
        if let body { req.httpBody = Data(body); req.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        for (k, v) in headers { req.setValue(v, forHTTPHeaderField: k) }
        let done = DispatchSemaphore(value: 0)
        let box = ReplyBox()
        URLSession.shared.dataTask(with: req) { data, response, error in
            box.data = data ?? Data()
            box.status = (response as? HTTPURLResponse)?.statusCode ?? 0
            for case let (k as String, v as String) in (response as? HTTPURLResponse)?.allHeaderFields ?? [:] { box.headers[k.lowercased()] = v }
            box.failure = error
            done.signal()
        }.resume()
        done.wait()
        if let failure = box.failure { throw failure }
        return Reply(status: box.status, body: Array(box.data), headers: box.headers)
    }

    static func get(_ url: String) throws -> Reply { try request("GET", url) }
    static func post(_ url: String, _ body: [UInt8], headers: [String: String] = [:]) throws -> Reply { try request("POST", url, body: body, headers: headers) }
}

final class ReplyBox: @unchecked Sendable {
    var data = Data()
    var status = 0
    var headers: [String: String] = [:]
    var failure: Error?
}
