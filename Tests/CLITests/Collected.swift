import Foundation

/// What a child process writes to a pipe, collected as it arrives, so that a test acts on what
/// the process has observably done (a line it printed) rather than on elapsed time.
final class Collected: @unchecked Sendable {
    private let condition = NSCondition()
    private var buffer = Data()
    private var ended = false

    /// A buffer that the test fills itself.
    init() {}

    /// Collects everything written to `pipe` until its last writer closes it (the process exited).
    /// A thread of its own does blocking reads: Foundation's `readabilityHandler` on Linux was
    /// seen to miss the end of a pipe whose writer was killed, leaving a test waiting forever.
    init(reading pipe: Pipe) {
        let handle = pipe.fileHandleForReading
        let reader = Thread { [self] in
            while true {
                let d = handle.availableData
                if d.isEmpty { break }
                append(d)
            }
            end()
        }
        reader.start()
    }

    func append(_ d: Data) {
        condition.lock(); buffer.append(d); condition.broadcast(); condition.unlock()
    }

    /// Nothing more will be appended (for a buffer that the test fills itself).
    func end() {
        condition.lock(); ended = true; condition.broadcast(); condition.unlock()
    }

    var data: Data { condition.lock(); defer { condition.unlock() }; return buffer }
    var text: String { String(decoding: data, as: UTF8.self) }

    /// The complete lines so far (a torn last line is not one).
    var lines: [String] {
        var l = text.components(separatedBy: "\n")
        l.removeLast()
        return l
    }

    /// How long a wait may last before the test fails instead of hanging CI: a guard against a
    /// hung child process, not a guess at how long anything takes.
    static let hangGuard: TimeInterval = 600

    /// Blocks until `holds` is true of what was collected, or the pipe ended (the process exited)
    /// without it; returns whether it holds.
    @discardableResult
    func wait(until holds: (Data) -> Bool) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let limit = Date().addingTimeInterval(Self.hangGuard)
        while !holds(buffer) && !ended && condition.wait(until: limit) {}
        return holds(buffer)
    }

    /// Blocks until `count` complete lines were collected or the pipe ended; returns whether they were.
    @discardableResult
    func wait(forLines count: Int) -> Bool {
        wait { data in data.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) } >= count }
    }

    /// Blocks until the pipe ended: everything the process wrote is collected.
    func waitForEnd() {
        condition.lock()
        defer { condition.unlock() }
        let limit = Date().addingTimeInterval(Self.hangGuard)
        while !ended && condition.wait(until: limit) {}
    }
}
