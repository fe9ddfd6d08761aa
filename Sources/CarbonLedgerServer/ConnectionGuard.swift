import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// A request body that did not arrive whole: failed into the request's body stream, so that a
/// route reading it refuses it instead of taking the bytes that came as the whole body (a
/// truncated submission can still be valid JSON with a valid signature of its own).
enum IncompleteBody: Error, CustomStringConvertible {
    case timedOut(seconds: Double)
    case connectionClosed

    var description: String {
        switch self {
        case .timedOut(let s): return "the request body did not arrive within \(s) s"
        case .connectionClosed: return "the connection closed before the request body ended"
        }
    }
}

/// What one connection is doing, and the timer that bounds it: no client holds a connection
/// (a descriptor, a slot under `--max-connections`) longer than the phase it is in allows.
/// Idle (no request begun): closed after the idle timeout. Headers begun but not finished:
/// 408 after the header timeout. Headers read, body unfinished: the body fails with
/// `RequestTimeout` after the body timeout, and the connection closes after its answer. While
/// the server works on a request no timer runs: a submission waits for its group commit.
///
/// Hummingbird's decoder answers a request head it cannot parse with an empty 400; the guard
/// answers it first with the JSON error of error.schema.json (431 for oversized headers).
///
/// All of it runs on the connection's event loop (NIO calls a channel's handlers there only),
/// which is why it needs no lock.
final class ConnectionGuard: @unchecked Sendable {
    enum Phase { case idle, head, body, working }

    let limits: LedgerServer.Limits
    let metrics: Metrics
    fileprivate var raw: ChannelHandlerContext?
    fileprivate var heads = 0, ends = 0, responses = 0
    /// Bytes of a request whose head is not decoded yet.
    fileprivate var partial = false
    fileprivate var closeAfterResponse = false
    /// A head that failed to parse while an earlier response was still being written.
    fileprivate var pendingFailure: APIFailure?
    private var phase: Phase?
    private var timer: Scheduled<Void>?
    private var counted = false
    /// Refused at the cap: what the client sends is dropped.
    fileprivate var refused = false

    init(limits: LedgerServer.Limits, metrics: Metrics) {
        self.limits = limits
        self.metrics = metrics
    }

    private var current: Phase {
        if heads > ends { return .body }
        if ends > responses { return .working }
        return partial ? .head : .idle
    }

    /// Counts the connection in, or refuses it: the listener stops accepting at the cap, but one
    /// read of the listening socket can accept a few at once, and those past the cap get 503.
    fileprivate func opened(_ context: ChannelHandlerContext) {
        guard !counted else { return }
        raw = context
        guard metrics.connectionOpened(cap: limits.maxConnections) else {
            var busy = APIFailure(.serviceUnavailable, rule: "server.busy",
                                  message: "the server holds its maximum of \(limits.maxConnections) connections; retry shortly")
            busy.headers[.retryAfter] = "1"
            refused = true
            respondAndClose(busy)
            return
        }
        counted = true
        update()
    }

    fileprivate func closed() {
        timer?.cancel()
        timer = nil
        raw = nil
        if counted { counted = false; metrics.connectionClosed() }
    }

    /// Re-arms the timer when the phase changes (not per byte: a deadline runs from the phase's start).
    fileprivate func update() {
        let now = current
        guard now != phase, let raw else { return }
        phase = now
        timer?.cancel()
        timer = nil
        let seconds: Double
        switch now {
        case .idle: seconds = limits.idleTimeout
        case .head: seconds = limits.headerTimeout
        case .body: seconds = limits.bodyTimeout
        case .working: return
        }
        // At most a day (serve's bound), so that any Limits a caller sets converts without a trap.
        let nanoseconds = Int64((seconds.isFinite ? min(max(seconds, 0.001), 86_400) : 86_400) * 1e9)
        timer = raw.eventLoop.scheduleTask(in: .nanoseconds(nanoseconds)) { [self] in expired(now) }
    }

    private func expired(_ p: Phase) {
        guard let raw, phase == p else { return }
        switch p {
        case .idle:
            raw.close(promise: nil)
        case .head:
            respondAndClose(APIFailure(.requestTimeout, rule: "request.timeout",
                                       message: "the request's headers did not arrive within \(limits.headerTimeout) s; the connection is closed"))
        case .body:
            closeAfterResponse = true
            if responses >= heads {
                // Answered already (the route did not need the body): nobody waits for the rest.
                raw.close(promise: nil)
            } else {
                parts?.fireErrorCaught(IncompleteBody.timedOut(seconds: limits.bodyTimeout))
            }
        case .working:
            break
        }
    }

    fileprivate var parts: ChannelHandlerContext?

    /// Writes `failure` as a whole HTTP response straight to the socket, then closes: used only
    /// when no response is being written, so it cannot interleave with one.
    fileprivate func respondAndClose(_ failure: APIFailure) {
        guard let raw else { return }
        let body = failure.body
        var head = "HTTP/1.1 \(failure.status.code) \(failure.status.reasonPhrase)\r\n"
        head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
        for field in failure.headers { head += "\(field.name): \(field.value)\r\n" }
        head += "\r\n"
        metrics.request()
        let channel = raw.channel
        raw.writeAndFlush(NIOAny(ByteBuffer(bytes: Array(head.utf8) + body))).whenComplete { _ in channel.close(promise: nil) }
        self.raw = nil
    }

    /// The failure a request head that does not parse earns.
    static func failure(for error: HTTPParserError, limits: LedgerServer.Limits) -> APIFailure {
        if case .headerOverflow = error {
            return APIFailure(.requestHeaderFieldsTooLarge, rule: "request.headers_too_large",
                              message: "the request line and headers exceed \(limits.maxHeaderFieldBytes) bytes a field or \(limits.maxHeaderBytes) bytes in all")
        }
        return APIFailure(.badRequest, rule: "request.framing", message: "the request is not well-formed HTTP/1.1: \(error)")
    }
}

/// First in the pipeline, before the HTTP decoder: sees every byte a client sends, and is where
/// the guard writes the answers it makes itself.
final class RawBytesWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    let guarded: ConnectionGuard

    init(_ guarded: ConnectionGuard) { self.guarded = guarded }

    func handlerAdded(context: ChannelHandlerContext) { if context.channel.isActive { guarded.opened(context) } }
    func handlerRemoved(context: ChannelHandlerContext) { guarded.closed() }

    func channelActive(context: ChannelHandlerContext) {
        guarded.opened(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        // Before the decoder hears of the end: a body cut short must fail, not end early.
        if guarded.heads > guarded.ends { guarded.parts?.fireErrorCaught(IncompleteBody.connectionClosed) }
        guarded.closed()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .inputClosed? = event as? ChannelEvent, guarded.heads > guarded.ends {
            guarded.parts?.fireErrorCaught(IncompleteBody.connectionClosed)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !guarded.refused else { return }
        // The decoder runs on these bytes right after this: a head it completes clears `partial`.
        // Bytes in the middle of a body are the body's, under the body's deadline.
        if guarded.heads == guarded.ends {
            guarded.partial = true
            guarded.update()
        }
        context.fireChannelRead(data)
    }
}

/// After the HTTP codec: sees request heads and ends as they are decoded and responses as they
/// are written.
final class RequestPartsWatcher: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart
    let guarded: ConnectionGuard

    init(_ guarded: ConnectionGuard) { self.guarded = guarded }

    func handlerAdded(context: ChannelHandlerContext) { guarded.parts = context }
    func handlerRemoved(context: ChannelHandlerContext) { guarded.parts = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            guarded.heads += 1
            guarded.partial = false
            guarded.update()
        case .end:
            guarded.ends += 1
            guarded.update()
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let response):
            // A route that could not read its request to the end says so; the connection must
            // then close, as nothing after that request can be framed.
            if response.headerFields[.connection]?.lowercased() == "close" { guarded.closeAfterResponse = true }
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            let done = promise ?? context.eventLoop.makePromise()
            context.write(data, promise: done)
            guarded.responses += 1
            let close = guarded.closeAfterResponse
            let pending = guarded.pendingFailure
            let channel = context.channel
            done.futureResult.whenComplete { [guarded] _ in
                if let pending { guarded.respondAndClose(pending) } else if close { channel.close(promise: nil) }
            }
            guarded.update()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A head that does not parse: no route sees it, so the guard answers. A body that does
        // not parse goes on to its route, which answers it (APIMiddleware) and closes.
        if let e = error as? HTTPParserError, guarded.heads == guarded.ends {
            let failure = ConnectionGuard.failure(for: e, limits: guarded.limits)
            if guarded.ends > guarded.responses { guarded.pendingFailure = failure } else { guarded.respondAndClose(failure) }
            return
        }
        context.fireErrorCaught(error)
    }
}
