import LedgerCore

/// The base of a prepared batch's overlay once its read snapshot has ended: reading through it
/// is a bug in the pipeline (it would read a closed LMDB transaction), so it stops the process.
final class DetachedState: StateReader, Sendable {
    static let shared = DetachedState()

    func get(_ key: String) throws -> JSONValue? {
        preconditionFailure("read of \(key) through a prepared batch whose snapshot has ended")
    }

    func predecessor(parent: String, before: String) throws -> (key: String, value: JSONValue)? {
        preconditionFailure("read of \(parent)/ through a prepared batch whose snapshot has ended")
    }

    func children(of parent: String) throws -> [(key: String, value: JSONValue)] {
        preconditionFailure("read of \(parent)/ through a prepared batch whose snapshot has ended")
    }
}
