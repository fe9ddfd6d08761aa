/// The unit of the log. Entry n has `seq` n, `prev` = leaf hash of entry n-1 (32 zero bytes for
/// entry 0), the sequencer's `time`, the `event`, and `sub`, its submission reference. Its leaf
/// hash SHA-256(0x00 || canonical bytes) chains the log and is the Merkle tree's leaf n.
public struct Entry: Equatable, Sendable {
    public var seq: UInt64
    public var prev: Digest
    public var time: Timestamp
    public var event: JSONValue
    public var sub: SubmissionRef

    public init(seq: UInt64, prev: Digest, time: Timestamp, event: JSONValue, sub: SubmissionRef) {
        self.seq = seq; self.prev = prev; self.time = time; self.event = event; self.sub = sub
    }

    /// The canonical bytes of this entry.
    public var canonicalBytes: [UInt8] {
        var out = [UInt8]()
        Entry.write(seq: seq, prev: prev, time: time, eventBytes: CanonicalJSON.encode(event), sub: sub, into: &out)
        return out
    }

    /// Writes canonical entry bytes directly (keys in canonical order: event, prev, seq, sub,
    /// time; sub: count, index, root, sig, signer). `eventBytes` must be canonical JSON.
    public static func write(seq: UInt64, prev: Digest, time: Timestamp, eventBytes: [UInt8],
                             sub: SubmissionRef, into out: inout [UInt8]) {
        let parts = SubmissionParts(sub)
        var timeBytes = [UInt8]()
        time.write(into: &timeBytes)
        write(seq: seq, prev: prev, timeBytes: timeBytes, eventBytes: eventBytes, index: sub.index, parts: parts, into: &out)
    }

    /// The parts of an entry that are the same for every event of a submission, encoded once.
    public struct SubmissionParts {
        /// The canonical decimal count.
        @usableFromInline let countBytes: [UInt8]
        @usableFromInline let rootBytes: [UInt8]
        /// `,"sig":"...","signer":"..."` for the first entry.
        @usableFromInline let signatureBytes: [UInt8]

        public init(_ sub: SubmissionRef) {
            var c = [UInt8]()
            CanonicalJSON.writeInt(Int64(sub.count), into: &c)
            countBytes = c
            var r = [UInt8]()
            sub.root.writeHex(into: &r)
            rootBytes = r
            var s = [UInt8]()
            if let sig = sub.signature, let signer = sub.signer {
                s.append(contentsOf: #","sig":"#.utf8)
                CanonicalJSON.writeString(Base64.encode(sig), into: &s)
                s.append(contentsOf: #","signer":"#.utf8)
                CanonicalJSON.writeString(signer.description, into: &s)
            }
            signatureBytes = s
        }
    }

    /// An entry's opening, the same wherever it is appended: `{"event":EVENT,"prev":"`
    /// (`LeafPrefixes` hashes it before the entry is sequenced).
    @inlinable
    static func writeEventPrefix(eventBytes: [UInt8], into out: inout [UInt8]) {
        out.append(contentsOf: eventOpening.utf8)
        out.append(contentsOf: eventBytes)
        out.append(contentsOf: prevOpening.utf8)
    }

    @usableFromInline static let eventOpening = #"{"event":"#
    @usableFromInline static let prevOpening = #","prev":""#

    /// The length of that opening for an event of `eventCount` bytes.
    static func eventPrefixLength(_ eventCount: Int) -> Int { eventOpening.utf8.count + eventCount + prevOpening.utf8.count }

    /// The hot-path form of `write`: submission parts and the time's 24 bytes are encoded once
    /// per submission and commit, not once per entry. `parts` carries the signature, which is
    /// written only for `index` 0.
    @inlinable
    public static func write(seq: UInt64, prev: Digest, timeBytes: [UInt8], eventBytes: [UInt8], index: Int,
                             parts: SubmissionParts, into out: inout [UInt8]) {
        out.reserveCapacity(out.count + eventBytes.count + 200 + (index == 0 ? parts.signatureBytes.count : 0))
        writeEventPrefix(eventBytes: eventBytes, into: &out)
        prev.writeHex(into: &out)
        out.append(contentsOf: #"","seq":"#.utf8)
        CanonicalJSON.writeInt(Int64(seq), into: &out)
        out.append(contentsOf: #","sub":{"count":"#.utf8)
        out.append(contentsOf: parts.countBytes)
        out.append(contentsOf: #","index":"#.utf8)
        CanonicalJSON.writeInt(Int64(index), into: &out)
        out.append(contentsOf: #","root":""#.utf8)
        out.append(contentsOf: parts.rootBytes)
        out.append(UInt8(ascii: "\""))
        if index == 0 { out.append(contentsOf: parts.signatureBytes) }
        out.append(contentsOf: #"},"time":""#.utf8)
        out.append(contentsOf: timeBytes)
        out.append(contentsOf: #""}"#.utf8)
    }

    /// Decodes stored bytes, which must be canonical and have exactly the entry's fields.
    public static func decode(_ bytes: [UInt8]) throws(EntryError) -> Entry {
        try decodeLocatingEvent(bytes).entry
    }

    /// `decode`, and where the entry's event lies in `bytes`: its canonical bytes, which a
    /// replay hashes into its submission's root instead of encoding the event again.
    public static func decodeLocatingEvent(_ bytes: [UInt8]) throws(EntryError) -> (entry: Entry, event: Range<Int>) {
        let v: JSONValue, ranges: [Range<Int>]
        do { (v, ranges) = try JSONParser.parseCanonicalMembers(bytes) } catch { throw .json(error) }
        guard let o = v.objectValue else { throw .field("(top level)", "must be an object") }
        guard o.hasKeys(Self.keys), let eventRange = ranges.first else {
            throw .field("(top level)", "must have exactly the keys event, prev, seq, sub, time; has \(o.keys)")
        }
        guard let event = o["event"], event.objectValue != nil else { throw .field("event", "must be an object") }
        guard let seq = o["seq"]?.intValue, seq >= 0 else { throw .field("seq", "must be a non-negative integer") }
        guard let prevText = o["prev"]?.stringValue, let prev = Digest(hex: prevText) else {
            throw .field("prev", "must be 64 lowercase hex digits")
        }
        guard let timeText = o["time"]?.stringValue, let time = Timestamp(rfc3339: timeText) else {
            throw .field("time", "must be RFC 3339 UTC with milliseconds, YYYY-MM-DDTHH:MM:SS.mmmZ")
        }
        guard let s = o["sub"]?.objectValue else { throw .field("sub", "must be an object") }
        guard let count = s["count"]?.intValue, count >= 1, count <= Int64(Submission.maxEvents) else {
            throw .field("sub.count", "must be an integer from 1 to \(Submission.maxEvents)")
        }
        guard let index = s["index"]?.intValue, index >= 0, index < count else {
            throw .field("sub.index", "must be an integer from 0 to count-1")
        }
        guard let rootText = s["root"]?.stringValue, let root = Digest(hex: rootText) else {
            throw .field("sub.root", "must be 64 lowercase hex digits")
        }
        var ref = SubmissionRef(root: root, index: Int(index), count: Int(count))
        if index == 0 {
            guard s.hasKeys(Self.firstSubKeys) else {
                throw .field("sub", "the first entry of a submission must have exactly count, index, root, sig, signer")
            }
            guard let sigText = s["sig"]?.stringValue, let sig = Base64.decode(sigText), sig.count == 64 else {
                throw .field("sub.sig", "must be the base64 of a 64-byte Ed25519 signature")
            }
            guard let signerText = s["signer"]?.stringValue else { throw .field("sub.signer", "must be a string") }
            do { ref.signer = try NoteVerifierKey(signerText) } catch { throw .field("sub.signer", error.description) }
            ref.signature = sig
        } else {
            guard s.hasKeys(Self.laterSubKeys) else {
                throw .field("sub", "entries after the first of a submission must have exactly count, index, root")
            }
        }
        return (Entry(seq: UInt64(seq), prev: prev, time: time, event: event, sub: ref), eventRange)
    }

    private static let keys = ["event", "prev", "seq", "sub", "time"]
    private static let firstSubKeys = ["count", "index", "root", "sig", "signer"]
    private static let laterSubKeys = ["count", "index", "root"]
}
