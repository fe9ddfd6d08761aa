/// The rule state as a snapshot holds it (`Snapshot`'s content): each record as its key's
/// length (4 bytes, big-endian), the key, its canonical JSON's length (4 bytes) and the JSON,
/// in no particular order. Records are encoded as the state environment stores them, so a
/// snapshot's records are the stored ones byte for byte.
extension ResidentState {
    /// The records as of now, to encode on another thread while the rules go on: a copy of the
    /// dictionary, whose storage the state shares until its next change (then copied once).
    public struct Image: @unchecked Sendable {
        let records: [String: StateOverlay.Content]
        /// The entries the state reflected.
        public let size: UInt64

        /// The snapshot content.
        public func encoded() -> [UInt8] {
            var out: [UInt8] = []
            out.reserveCapacity(records.count * 128)
            var record = CanonicalRecord(capacity: 1024)
            func u32(_ n: Int) { withUnsafeBytes(of: UInt32(n).bigEndian) { out.append(contentsOf: $0) } }
            for (key, content) in records {
                u32(key.utf8.count)
                out.append(contentsOf: key.utf8)
                switch content {
                case .typed(let r):
                    record.reset()
                    r.encode(into: &record)
                    record.finishInPlace { b in u32(b.count); out.append(contentsOf: b) }
                case .canonical(let b):
                    u32(b.count)
                    out.append(contentsOf: b)
                case .value(let v):
                    let b = CanonicalJSON.encode(v)
                    u32(b.count)
                    out.append(contentsOf: b)
                case .absent:
                    assert(false, "the state holds no absent record")
                }
            }
            return out
        }
    }

    public func image() -> Image { Image(records: records, size: size) }

    /// A snapshot's content that is not a rule state.
    public struct ImageError: Error, CustomStringConvertible {
        public let offset: Int
        public let reason: String
        public var description: String { "the snapshot's content at byte \(offset): \(reason)" }
    }

    /// The state a snapshot's content holds, reflecting `size` entries. The framing and keys are
    /// checked here; values are decoded when the rules first read them, and refused then if
    /// damaged (the snapshot's checksum has already vouched for them).
    public convenience init(image bytes: [UInt8], size: UInt64) throws(ImageError) {
        self.init(size: size)
        var i = 0
        func u32() throws(ImageError) -> Int {
            guard bytes.count - i >= 4 else { throw ImageError(offset: i, reason: "a length is cut short") }
            let n = bytes[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) }
            i += 4
            return n
        }
        while i < bytes.count {
            let at = i
            let keyLength = try u32()
            guard keyLength > 0, keyLength <= 511, bytes.count - i >= keyLength else { throw ImageError(offset: at, reason: "a key of \(keyLength) bytes") }
            let keyBytes = bytes[i..<(i + keyLength)]
            guard keyBytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw ImageError(offset: i, reason: "a key that is not printable ASCII") }
            let key = String(decoding: keyBytes, as: UTF8.self)
            i += keyLength
            let valueLength = try u32()
            guard valueLength > 0, bytes.count - i >= valueLength else { throw ImageError(offset: i - 4, reason: "a value of \(valueLength) bytes for \(key)") }
            guard Self.holds(key) else { throw ImageError(offset: at, reason: "\(key) is a read model's, not the rules'") }
            guard records.updateValue(.canonical(Array(bytes[i..<(i + valueLength)])), forKey: key) == nil else {
                throw ImageError(offset: at, reason: "\(key) twice")
            }
            i += valueLength
        }
        // The ordered index, sorted once (records come in no order; inserting each in place
        // would move a large parent's keys for every one).
        for key in records.keys where StateOverlay.isOrdered(key) {
            ordered[StateOverlay.parent(of: key), default: OrderedKeys()].keys.append(key)
        }
        for parent in ordered.keys { ordered[parent]?.keys.sort(by: StateOverlay.less) }
    }
}
