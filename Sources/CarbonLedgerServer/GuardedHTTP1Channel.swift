import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's HTTP/1.1 channel with a `ConnectionGuard` on every connection: a raw-bytes
/// watcher before the decoder, a request-parts watcher after it, and the header limits.
struct GuardedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value
    let responder: HTTPChannelHandler.Responder
    let limits: LedgerServer.Limits
    let metrics: Metrics

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let guarded = ConnectionGuard(limits: limits, metrics: metrics)
        let configuration = HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestPartsWatcher(guarded)],
            httpDecoderConfiguration: .init(maxHeaderFieldSize: limits.maxHeaderFieldBytes, maxHeaderListSize: limits.maxHeaderBytes,
                                            maxHeaderFieldCount: limits.maxHeaderFields))
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(RawBytesWatcher(guarded))
        }.flatMap {
            HTTP1Channel(responder: responder, configuration: configuration).setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await HTTP1Channel(responder: responder).handle(value: value, logger: logger)
    }
}
