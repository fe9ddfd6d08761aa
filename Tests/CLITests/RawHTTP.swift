import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LedgerCore

/// A TCP client that writes exactly the bytes it is given: for requests no HTTP library sends
/// (broken framing, a garbage request line, headers left unfinished, a client that stops).
/// One thread uses a connection at a time (each test thread its own).
final class RawConnection: @unchecked Sendable {
    private let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CLIError("socket: errno \(errno)") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        // A guard against a hung test run, not a timing assertion: a reply is read until EOF.
        var limit = timeval(tv_sec: 120, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else { let e = errno; Glibc.close(fd); throw CLIError("connect to port \(port): errno \(e)") }
    }

    func send(_ bytes: [UInt8]) throws {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw CLIError("send: errno \(errno)") }
            off += n
        }
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// No more bytes from this side: the server reads EOF.
    func finishSending() { shutdown(fd, Int32(SHUT_WR)) }

    /// Everything the server sends until it closes the connection.
    func readToEnd() -> [UInt8] {
        var out = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return out }
            out += buf[0..<n]
        }
    }

    deinit { Glibc.close(fd) }

    /// Sends `bytes` and reads the server's answer until it closes.
    static func exchange(port: Int, _ bytes: [UInt8], finish: Bool = false) throws -> RawReply {
        let c = try RawConnection(port: port)
        try c.send(bytes)
        if finish { c.finishSending() }
        return RawReply(c.readToEnd())
    }
}

/// The first response in some bytes a server sent.
struct RawReply: CustomStringConvertible {
    var status = 0
    var headers: [String: String] = [:]
    var body: [UInt8] = []
    let raw: [UInt8]

    init(_ raw: [UInt8]) {
        self.raw = raw
        let text = String(decoding: raw, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { return }
        let lines = text[..<end.lowerBound].components(separatedBy: "\r\n")
        status = Int(lines.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let rest = Array(text[end.upperBound...].utf8)
        body = Array(rest.prefix(Int(headers["content-length"] ?? "") ?? rest.count))
    }

    var json: JSONValue { (try? JSONParser.parse(body)) ?? .null }
    var description: String { String(decoding: raw.prefix(600), as: UTF8.self) }
}

/// Whether `body` is the error of Schemas/error.schema.json for `status`: an object with only
/// `error`, holding status (the HTTP status), rule and message, and no member the schema lacks.
func isErrorBody(_ body: JSONValue, status: Int) -> Bool {
    guard let top = body.objectValue, top.count == 1, let e = top["error"]?.objectValue else { return false }
    let allowed: Set<String> = ["status", "rule", "message", "field", "event_index", "conflicting_seq"]
    return e.keys.allSatisfy(allowed.contains) && e["status"]?.intValue == Int64(status)
        && e["rule"]?.stringValue?.isEmpty == false && e["message"]?.stringValue != nil
}
