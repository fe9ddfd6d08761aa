/// A C2SP tlog-checkpoint body: origin line, decimal tree size, base64 root hash, each ending in
/// a newline (extension lines are not used by this ledger and are rejected).
public struct Checkpoint: Equatable, Sendable {
    public var origin: String
    public var size: UInt64
    public var root: Digest

    public init(origin: String, size: UInt64, root: Digest) {
        self.origin = origin
        self.size = size
        self.root = root
    }

    /// The note text that is signed.
    public var text: String { "\(origin)\n\(size)\n\(root.base64)\n" }

    /// Parses a checkpoint body.
    public init(text: String) throws(NoteError) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count == 4, lines[3].isEmpty else { throw .malformedCheckpoint("expected exactly 3 lines: origin, size, root") }
        guard !lines[0].isEmpty else { throw .malformedCheckpoint("empty origin") }
        let sizeText = String(lines[1])
        guard let size = UInt64(sizeText), String(size) == sizeText else {
            throw .malformedCheckpoint("size \"\(sizeText)\" is not a decimal integer without leading zeros")
        }
        guard let rootBytes = Base64.decode(String(lines[2])), let root = Digest(bytes: rootBytes) else {
            throw .malformedCheckpoint("root is not the base64 of 32 bytes")
        }
        self.init(origin: String(lines[0]), size: size, root: root)
    }

    /// Signs the checkpoint as a signed note.
    public func sign(with key: NoteSigningKey) -> String { sign(with: [key]) }

    /// Signs the checkpoint with several keys: the commit that rotates the registry key is
    /// signed by the outgoing and the incoming key, so either verifies it.
    public func sign(with keys: [NoteSigningKey]) -> String {
        do { return try SignedNote.sign(text: text, keys: keys).serialized } catch {
            fatalError("checkpoint text is well-formed by construction: \(error)")
        }
    }

    /// Verifies a signed checkpoint note against any of `keys` (the registry keys a relying
    /// party trusts: before and after a rotation). Fails with the last key's error.
    public static func open(_ note: String, keys: [NoteVerifierKey], origin: String? = nil) throws(NoteError) -> Checkpoint {
        var last = NoteError.noSignatureByKey(keys.map(\.description).joined(separator: ", "))
        for key in keys {
            do { return try open(note, key: key, origin: origin) } catch { last = error }
        }
        throw last
    }

    /// Verifies a signed checkpoint note against the registry's verifier key; also checks the
    /// origin when `origin` is given.
    public static func open(_ note: String, key: NoteVerifierKey, origin: String? = nil) throws(NoteError) -> Checkpoint {
        let n = try SignedNote.open(note, key: key)
        let c = try Checkpoint(text: n.text)
        if let o = origin, c.origin != o {
            throw .malformedCheckpoint("origin \"\(c.origin)\" is not the expected \"\(o)\"")
        }
        return c
    }
}
