import Foundation
import Hummingbird

/// The request context: Hummingbird's, plus what a route learnt that the request's log line
/// reports (the signer of a submission). The context is copied into each handler, so the notes
/// are a shared box.
struct LedgerRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let notes = RequestNotes()

    init(source: Source) {
        coreContext = .init(source: source)
    }
}

/// What a route noted for the request's log line.
final class RequestNotes: @unchecked Sendable {
    private let lock = NSLock()
    private var _signer: String?

    var signer: String? {
        get { lock.withLock { _signer } }
        set { lock.withLock { _signer = newValue } }
    }
}
