import LedgerCore

extension BehaviourIndex {
    /// Where the index of behaviours after a log's first `size` entries comes from: the first
    /// CST day a report may start on after them (nil: the log has no windows, or no entry
    /// yet), and the first entry that can have reported an interval or a cap of that day or
    /// later. A behaviour ends at most `Reducer.futureTolerance` after its entry's time, and
    /// entry times never decrease, so the entries before the last one committed before that
    /// day began (less the tolerance) reported none.
    public struct Source: Equatable, Sendable {
        public var firstSeq: UInt64
        public var firstDay: Int64?
        public var ages: Bool

        /// Every behaviour's record, and no ageing: the index a log without windows has, and
        /// what any log's index could be (it holds no less than what the rules reach).
        public static let allRecords = Source(firstSeq: 0, firstDay: nil, ages: false)
    }

    /// The source of the index of the log `r` reads after its first `size` entries, under `windows`.
    public static func source(_ r: StoreReader, size: UInt64, windows: Windows?) throws -> Source {
        guard let windows else { return .allRecords }
        guard size > 0, let last = try r.entryBytes(size - 1) else { return Source(firstSeq: 0, firstDay: nil, ages: true) }
        let day = windows.firstReportDay(at: try Entry.decode(last).time)
        let before = Timestamp(millisecondsSinceEpoch: dayStart(day) - Reducer.futureTolerance - 1)
        return Source(firstSeq: try r.entriesCommitted(atOrBefore: before, limit: size), firstDay: day, ages: true)
    }

    /// The index of the behaviours' records `reader` holds (a rules checkpoint's, or a
    /// verifier's scratch store) from `source.firstSeq` on: what their records contribute
    /// (`StateOverlay.putBehaviour`) to an index aged to `source.firstDay`.
    public static func load(_ reader: StoreStateReader, from source: Source) throws -> BehaviourIndex {
        try startLoading(reader, from: source).wait()
    }

    /// `load` with the records decoded on another thread, as a writer that starts loads its
    /// other records meanwhile (decoding a million behaviours' records took over a second). The
    /// thread reads the records' pages, never the transaction: wait for it before `reader`'s
    /// transaction ends.
    public static func startLoading(_ reader: StoreStateReader, from source: Source) throws -> BackgroundResult<BehaviourIndex> {
        let prefix = Array("beh/".utf8)
        var records: [(seq: Int64, value: UnsafeRawBufferPointer)] = []
        let from = prefix + Array(pad16(Int64(clamping: source.firstSeq)).utf8)
        try from.withUnsafeBytes { start in
            try reader.txn.scan(reader.behaviourRecords, from: start) { k, v in
                guard k.starts(with: prefix) else { return false }
                guard let seq = Self.seq(ofKey: k, after: prefix.count) else {
                    throw StoreError.corrupt("\(String(decoding: k, as: UTF8.self)) is not the key of a behaviour's record")
                }
                records.append((seq, v))
                return true
            }
        }
        let pages = Handoff(value: records)
        return BackgroundResult(on: .global()) {
            let index = BehaviourIndex(ages: source.ages)
            if let day = source.firstDay { index.age(firstDay: day) }
            index.reserveCapacity(behaviours: pages.value.count)
            for (seq, value) in pages.value {
                // The key is spelled out only for the error (per record, it showed in profiles).
                guard let record = BehaviourRecord(canonical: value) else {
                    _ = try StoreStateReader.decode(BehaviourRecord.self, value, at: "beh/" + pad16(seq))
                    continue
                }
                index.add(record, seq: seq)
            }
            return index
        }
    }

    /// The seq of a behaviour's key (`beh/SEQ16`): its 16 digits after the prefix.
    static func seq(ofKey k: UnsafeRawBufferPointer, after prefix: Int) -> Int64? {
        guard k.count == prefix + 16 else { return nil }
        var seq: Int64 = 0
        for b in k[prefix...] {
            let digit = b &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            seq = seq * 10 + Int64(digit)
        }
        return seq
    }
}

extension StoreReader {
    /// How many of the first `limit` entries were committed at or before `time` (entry times
    /// never decrease, so a binary search over seqs finds the boundary).
    public func entriesCommitted(atOrBefore time: Timestamp, limit: UInt64) throws -> UInt64 {
        var lo: UInt64 = 0, hi = limit
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            guard let b = try entryBytes(mid) else { throw StoreError.missing("entry \(mid)") }
            if try Entry.decode(b).time <= time { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
