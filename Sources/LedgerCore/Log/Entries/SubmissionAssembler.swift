/// Groups a log's entries, taken in order, back into the signed submissions they were appended
/// as, with every check of SPEC.md sections 4 and 5 that holds before any rule runs: each entry
/// at its seq, chained to the one before, no earlier than it; a submission's entries
/// consecutive, at one time, its events re-deriving its root, its first entry signed. Every
/// replay of a log (verify, recovery, a mirror's intake) assembles through this one type.
public struct SubmissionAssembler: Sendable {
    /// A submission whose last entry was taken.
    public struct Assembled: Sendable {
        public var submission: Submission
        public var firstSeq: UInt64
        /// Its entries' commit time.
        public var time: Timestamp
        public var leafHashes: [Digest]
    }

    /// Why the entries are not a log: the seq of the entry at fault and what is wrong with it.
    public struct Fault: Error, CustomStringConvertible, Equatable {
        public enum Kind: Sendable, Equatable {
            /// Not the seq expected next.
            case position
            /// `prev` is not the leaf hash of the entry before: another history.
            case chain
            /// Anything else: time, the submission's grouping, root or signer.
            case structure
        }
        public var kind: Kind
        public var seq: UInt64
        public var reason: String
        public var description: String { "entry \(seq): \(reason)" }

        public init(kind: Kind, seq: UInt64, reason: String) {
            self.kind = kind; self.seq = seq; self.reason = reason
        }
    }

    /// The seq the next entry must have.
    public private(set) var next: UInt64
    /// The leaf hash of the last entry taken (zeros before entry 0).
    public private(set) var head: Digest
    /// The time of the last entry taken.
    public private(set) var lastTime: Timestamp
    private var open: Open?

    private struct Open: Sendable {
        var firstSeq: UInt64
        var ref: SubmissionRef
        var time: Timestamp
        var events: [JSONValue] = []
        var eventBytes: [[UInt8]] = []
        var eventLeafHashes: [Digest] = []
        var leafHashes: [Digest] = []
    }

    /// An assembler that continues a log after `next` entries, the last with leaf hash `head`
    /// committed at `lastTime`; the defaults start at entry 0.
    public init(next: UInt64 = 0, head: Digest = .zero, lastTime: Timestamp = .minimum) {
        self.next = next
        self.head = head
        self.lastTime = lastTime
    }

    /// The submission taken in part: its first seq, the events taken and how many it has.
    public var incomplete: (firstSeq: UInt64, taken: Int, count: Int)? {
        open.map { ($0.firstSeq, $0.events.count, $0.ref.count) }
    }

    /// Takes the next entry; returns the submission it completes.
    public mutating func add(_ decoded: DecodedEntry) throws(Fault) -> Assembled? {
        try take(decoded)
        return try completed()
    }

    /// `add` in two steps, for a caller that checks the entry itself in between (the verifier
    /// checks its stored tree nodes, so a changed entry is named at its own seq before its
    /// submission's root could name the submission's first): takes the entry after the checks
    /// that concern it alone and its place in its submission.
    public mutating func take(_ decoded: DecodedEntry) throws(Fault) {
        let entry = decoded.entry, leafHash = decoded.leafHash
        let seq = next
        func fail(_ reason: String, _ kind: Fault.Kind = .structure) -> Fault { Fault(kind: kind, seq: seq, reason: reason) }
        guard entry.seq == seq else {
            throw fail("the entry stored at seq \(seq) says seq \(entry.seq) (entries were moved, duplicated or reordered)", .position)
        }
        guard entry.prev == head else {
            throw fail("prev \(entry.prev.hex) is not the leaf hash of entry \(Int64(seq) - 1) (\(head.hex)): the hash chain is broken", .chain)
        }
        guard entry.time >= lastTime else {
            throw fail("time \(entry.time) is earlier than the previous entry's \(lastTime)")
        }
        if entry.sub.index == 0 {
            if let o = open {
                throw fail("a new submission starts while the one at seq \(o.firstSeq) has only \(o.events.count) of \(o.ref.count) events")
            }
            open = Open(firstSeq: seq, ref: entry.sub, time: entry.time)
        } else {
            guard let o = open, o.ref.root == entry.sub.root, o.ref.count == entry.sub.count, o.events.count == entry.sub.index else {
                throw fail("entry claims to be event \(entry.sub.index) of submission \(entry.sub.root.hex), which does not continue the preceding entries")
            }
            guard entry.time == o.time else {
                throw fail("entry time \(entry.time) differs from its submission's \(o.time): a submission is committed at one time")
            }
        }
        next = seq + 1
        head = leafHash
        lastTime = entry.time
        open?.events.append(entry.event)
        open?.eventBytes.append(decoded.eventBytes)
        open?.eventLeafHashes.append(decoded.eventLeafHash)
        open?.leafHashes.append(leafHash)
    }

    /// The submission the last entry taken completes, re-deriving its root; nil while it is
    /// incomplete.
    public mutating func completed() throws(Fault) -> Assembled? {
        func fail(_ reason: String, at s: UInt64) -> Fault { Fault(kind: .structure, seq: s, reason: reason) }
        guard let o = open, o.events.count == o.ref.count else { return nil }
        open = nil
        let unsigned: Submission.Unsigned
        do { unsigned = try Submission.Unsigned(events: o.events, eventBytes: o.eventBytes, eventLeafHashes: o.eventLeafHashes) } catch { throw fail("submission events: \(error)", at: o.firstSeq) }
        guard unsigned.root == o.ref.root else {
            throw fail("submission root \(o.ref.root.hex) does not match its events (computed \(unsigned.root.hex))", at: o.firstSeq)
        }
        guard let signer = o.ref.signer, let signature = o.ref.signature else { throw fail("submission has no signer", at: o.firstSeq) }
        return Assembled(submission: Submission(unsigned: unsigned, signer: signer, signature: signature), firstSeq: o.firstSeq,
                         time: o.time, leafHashes: o.leafHashes)
    }
}
