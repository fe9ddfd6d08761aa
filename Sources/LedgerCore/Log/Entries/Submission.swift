/// A batch of 1 to 10,000 events signed once by the submitting actor: the signature covers the
/// canonical statement `{"count":N,"origin":O,"root":R,"type":"carbonledger/submission/v1"}`
/// where R is the RFC 6962 root over the leaf hashes of the events' canonical bytes.
public struct Submission: Sendable {
    public static let maxEvents = 10_000
    public static let statementType = "carbonledger/submission/v1"

    /// The events, parsed.
    public let events: [JSONValue]
    /// Their canonical bytes, exactly as they are embedded in entries.
    public let eventBytes: [[UInt8]]
    /// The RFC 6962 root over the events' leaf hashes; also the submission's identity.
    public let root: Digest
    public let signer: NoteVerifierKey
    public let signature: [UInt8]
    /// Its entries' leaf hashes begun off the rules thread (`withLeafPrefixes()`), if they were.
    public internal(set) var leafPrefixes: LeafPrefixes?

    /// An unsigned batch, ready to be signed.
    public struct Unsigned: Sendable {
        public let events: [JSONValue]
        public let eventBytes: [[UInt8]]
        public let root: Digest

        public init(events: [JSONValue]) throws(SubmissionError) {
            try Self.check(events)
            self.events = events
            self.eventBytes = events.map(CanonicalJSON.encode)
            let h = MerkleHasher()
            self.root = h.root(ofLeafHashes: eventBytes.map { h.leafHash($0) })
        }

        /// Events whose canonical bytes and leaf hashes are known (a replay takes them from its
        /// entries' canonical bytes, hashed on other cores): the same submission as
        /// `init(events:)` without encoding or hashing the events again.
        init(events: [JSONValue], eventBytes: [[UInt8]], eventLeafHashes: [Digest]) throws(SubmissionError) {
            try Self.check(events)
            assert(eventBytes == events.map(CanonicalJSON.encode), "an event's bytes are its canonical encoding")
            assert(eventLeafHashes == eventBytes.map { MerkleHasher().leafHash($0) }, "an event's leaf hash is of its bytes")
            self.events = events
            self.eventBytes = eventBytes
            self.root = MerkleHasher().root(ofLeafHashes: eventLeafHashes)
        }

        private static func check(_ events: [JSONValue]) throws(SubmissionError) {
            guard (1...Submission.maxEvents).contains(events.count) else { throw .eventCount(events.count) }
            for (i, e) in events.enumerated() where e.objectValue == nil {
                throw .field("events[\(i)]", "must be a JSON object, got \(e.typeName)")
            }
        }

        /// Signs for the ledger `origin`.
        public func signed(by key: NoteSigningKey, origin: String) -> Submission {
            let sig = key.sign(Submission.statement(origin: origin, root: root, count: events.count))
            return Submission(events: events, eventBytes: eventBytes, root: root, signer: key.verifierKey, signature: sig)
        }
    }

    /// A submission from its parts (as a verifier reassembles it from the log).
    public init(unsigned: Unsigned, signer: NoteVerifierKey, signature: [UInt8]) {
        self.init(events: unsigned.events, eventBytes: unsigned.eventBytes, root: unsigned.root, signer: signer, signature: signature)
    }

    init(events: [JSONValue], eventBytes: [[UInt8]], root: Digest, signer: NoteVerifierKey, signature: [UInt8]) {
        self.events = events
        self.eventBytes = eventBytes
        self.root = root
        self.signer = signer
        self.signature = signature
    }

    /// The exact bytes that are signed (canonical JSON).
    public static func statement(origin: String, root: Digest, count: Int) -> [UInt8] {
        CanonicalJSON.encode([
            "count": .int(Int64(count)), "origin": .string(origin), "root": .string(root.hex),
            "type": .string(statementType),
        ])
    }

    /// True if the signature is valid for ledger `origin`.
    public func hasValidSignature(origin: String) -> Bool {
        signer.publicKey.isValidSignature(signature, for: Self.statement(origin: origin, root: root, count: events.count))
    }

    /// Decodes the wire form `{"events":[...],"signature":"base64","signer":"name+id+base64"}`.
    /// The signature is checked later, by the reducer, against the ledger's origin.
    public static func decode(_ bytes: [UInt8]) throws(SubmissionError) -> Submission {
        let (unsigned, value) = try decodeUnsigned(bytes)
        guard let signerText = value["signer"]?.stringValue else { throw .field("signer", "missing or not a string (a verifier key name+keyid+base64)") }
        let signer: NoteVerifierKey
        do { signer = try NoteVerifierKey(signerText) } catch { throw .field("signer", error.description) }
        guard let sigText = value["signature"]?.stringValue else { throw .field("signature", "missing or not a string") }
        guard let sig = Base64.decode(sigText), sig.count == 64 else { throw .field("signature", "must be the base64 of 64 bytes") }
        return Submission(events: unsigned.events, eventBytes: unsigned.eventBytes, root: unsigned.root, signer: signer, signature: sig)
    }

    /// Decodes a batch that may be unsigned; returns the parsed document too, so a caller can
    /// see whether signature fields were present.
    public static func decodeUnsigned(_ bytes: [UInt8]) throws(SubmissionError) -> (Unsigned, JSONValue) {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch { throw .notJSON(error) }
        guard let obj = value.objectValue else { throw .field("(top level)", "must be a JSON object, got \(value.typeName)") }
        for k in obj.keys where !["events", "signature", "signer"].contains(k) {
            throw .field(k, "unknown field (allowed: events, signature, signer)")
        }
        guard let events = value["events"]?.arrayValue else { throw .field("events", "missing or not an array") }
        return (try Unsigned(events: events), value)
    }

    /// The wire form.
    public var json: JSONValue {
        ["events": .array(events), "signature": .string(Base64.encode(signature)), "signer": .string(signer.description)]
    }
}
