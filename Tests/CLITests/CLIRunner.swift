import Foundation

/// Runs the `cledger` binary built alongside the tests.
enum CLI {
    /// `cledger`, what users run.
    static let binary = built("cledger")
    /// `cledger-tools`, the developer tools (stress-append, bench-proofs).
    static let tools = built("cledger-tools")

    static func built(_ name: String) -> String {
        var candidates: [String] = []
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        candidates.append(runner.deletingLastPathComponent().appendingPathComponent(name).path)
        candidates.append(URL(fileURLWithPath: Bundle.main.bundlePath).deletingLastPathComponent().appendingPathComponent(name).path)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/\(name)").path)
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            fatalError("\(name) binary not found; looked at \(candidates)")
        }
        return found
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
        /// Killed by a signal (a crash) rather than exiting with `status`.
        var signalled = false
    }

    /// Runs `cledger args` (or `executable args`) to completion, with `environment` added to this process's.
    @discardableResult
    static func run(_ args: [String], stdin: String? = nil, cwd: String? = nil, executable: String? = nil,
                    environment: [String: String] = [:]) throws -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable ?? binary)
        p.arguments = args
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        if let s = stdin { inp.fileHandleForWriting.write(Data(s.utf8)) }
        try inp.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self),
                      signalled: p.terminationReason == .uncaughtSignal)
    }

    /// Runs `cledger-tools args` to completion.
    @discardableResult
    static func tool(_ args: [String]) throws -> Output { try run(args, executable: tools) }

    /// Starts `cledger-tools stress-append` on `dir` (note events, until killed); what it prints to
    /// stdout (`ack FIRST LAST ROOT` per durable commit) collects in the returned buffer.
    static func startStressAppend(dir: String, clients: Int) throws -> (process: Process, stdout: Collected) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tools)
        p.arguments = ["stress-append", "--dir", dir, "--events-per-batch", "5", "--clients", String(clients)]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        let collected = Collected(reading: out)
        try p.run()
        return (p, collected)
    }
}
