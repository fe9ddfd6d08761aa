import LedgerCore

/// A snapshot of derived state: what a replay of the first `seq` entries built, so that an
/// opening ledger replays only the entries after it. It says what it is: its format, the
/// entries it reflects, the log's head (the hash of entry `seq - 1`) so it is never taken for
/// another log's or another history's, and a SHA-256 over everything else in the file, so a
/// torn or damaged file is refused, never loaded as a wrong state.
///
/// On disk: a text header, a blank line, the content.
///
///     carbonledger-snapshot/1
///     seq 1000000
///     head 5f0e...(64 hex)
///     length 123456789
///     sha256 9a1c...(64 hex)
///
///     <length bytes of content>
///
/// `sha256` is the SHA-256 of the header's bytes before its line, followed by the content.
public struct Snapshot: Equatable, Sendable {
    public static let format = "carbonledger-snapshot/1"
    /// A header longer than this is not one (the reader looks no further for its blank line).
    static let maxHeader = 512

    public var seq: UInt64
    public var head: Digest
    public var content: [UInt8]

    public init(seq: UInt64, head: Digest, content: [UInt8]) {
        self.seq = seq; self.head = head; self.content = content
    }

    /// Why a file is not a snapshot.
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    /// The file's bytes.
    public func encoded() -> [UInt8] {
        let signed = Array("\(Self.format)\nseq \(seq)\nhead \(head.hex)\nlength \(content.count)\n".utf8)
        let hasher = SHA256Context()
        hasher.begin()
        signed.withUnsafeBytes { hasher.update($0) }
        content.withUnsafeBytes { hasher.update($0) }
        return signed + Array("sha256 \(hasher.finish().hex)\n\n".utf8) + content
    }

    /// Reads a snapshot file's bytes, checking every part of it.
    public init(decoding bytes: [UInt8]) throws(Invalid) {
        func invalid(_ why: String) -> Invalid { Invalid(reason: why) }
        // The header ends at the first blank line.
        var end: Int?
        var i = 1
        while i < min(bytes.count, Self.maxHeader) {
            if bytes[i] == 0x0A && bytes[i - 1] == 0x0A {
                end = i
                break
            }
            i += 1
        }
        guard let end, let header = String(validating: bytes[..<(end - 1)], as: UTF8.self) else {
            throw invalid(bytes.isEmpty ? "the file is empty" : "no header: not a snapshot, or torn before its header ended")
        }
        let lines = header.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count == 5, lines[0] == Self.format else {
            throw invalid("the header is not \(Self.format)'s (format line, seq, head, length, sha256)")
        }
        func field(_ i: Int, _ name: String) throws(Invalid) -> Substring {
            let prefix = name + " "
            guard lines[i].hasPrefix(prefix) else { throw invalid("header line \(i + 1) is not \(name)") }
            return lines[i].dropFirst(prefix.count)
        }
        let seqText = try field(1, "seq"), lengthText = try field(3, "length")
        guard let seq = UInt64(seqText), String(seq) == seqText else { throw invalid("seq \(seqText) is not a number") }
        guard let head = Digest(hex: String(try field(2, "head"))) else { throw invalid("head is not 64 hex digits") }
        guard let length = Int(lengthText), String(length) == lengthText else { throw invalid("length \(lengthText) is not a number") }
        guard let sha = Digest(hex: String(try field(4, "sha256"))) else { throw invalid("sha256 is not 64 hex digits") }
        let contentStart = end + 1
        guard bytes.count - contentStart == length else {
            throw invalid("the content is \(bytes.count - contentStart) bytes, the header says \(length): torn or appended to")
        }
        // What the checksum covers: the header up to its sha256 line, and the content.
        let signedEnd = lines[0..<4].reduce(0) { $0 + $1.utf8.count + 1 }
        let hasher = SHA256Context()
        hasher.begin()
        bytes.withUnsafeBytes { b in
            hasher.update(UnsafeRawBufferPointer(rebasing: b[0..<signedEnd]))
            hasher.update(UnsafeRawBufferPointer(rebasing: b[contentStart...]))
        }
        guard hasher.finish() == sha else { throw invalid("its SHA-256 does not match: the file is damaged") }
        self.init(seq: seq, head: head, content: Array(bytes[contentStart...]))
    }
}
