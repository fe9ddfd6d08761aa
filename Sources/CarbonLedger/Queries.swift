import Foundation
import LedgerCore
import LedgerStore

extension StateReader {
    /// The registry key named by the last `registry.rotate` in this state, nil if none.
    func rotatedRegistryKey() throws -> NoteVerifierKey? {
        try get("registry")?["key"]?.stringValue.map(NoteVerifierKey.init)
    }
}

extension StoreReader {
    /// Every state record whose key starts with `prefix`, in key order.
    func stateRecords(prefix: String, limit: Int = .max) throws -> [(key: String, value: JSONValue)] {
        var out: [(String, JSONValue)] = []
        let p = Array(prefix.utf8)
        try p.withUnsafeBytes { start in
            try stateTxn.scan(store.state, from: start) { k, v in
                guard k.starts(with: p), out.count < limit else { return false }
                out.append((String(decoding: k, as: UTF8.self), try JSONParser.parseCanonical(Array(v))))
                return true
            }
        }
        return out
    }

    func state(_ key: String) throws -> JSONValue? { try StoreStateReader(self).get(key) }

    /// Entry 0, the genesis: the origin, the registry key, the rule set and the windows the log
    /// is bound to.
    func genesis() throws -> Entry {
        guard let bytes = try entryBytes(0) else { throw StoreError.missing("entry 0 (genesis)") }
        return try Entry.decode(bytes)
    }

    /// The leaf hash of the entry before `size` (zero for none): the head of a log of `size`
    /// entries, as `meta/head` holds it for the whole log and a rules checkpoint for its own.
    func leafHash(ofEntryBefore size: UInt64) throws -> Digest {
        guard size > 0 else { return .zero }
        guard let bytes = try entryBytes(size - 1) else { throw StoreError.missing("entry \(size - 1)") }
        return MerkleHasher().leafHash(bytes)
    }

    /// The newest `limit` lines of an account's history before seq `before` (all seqs if nil),
    /// oldest first, and whether older lines exist (for paging back). The lines are kept under
    /// `hist/MILLION/ACCOUNT/SEQ16` (SPEC.md section 10): the millions present are found by
    /// seeking past each one's keys ('0' follows '/' in ASCII), and read newest first.
    func accountHistory(_ account: String, limit: Int, before given: UInt64? = nil) throws -> (lines: [(key: String, value: JSONValue)], more: Bool) {
        // No seq reaches 2^53: a bound beyond it is no bound (and would not fit the key's digits).
        let before = given.flatMap { $0 <= UInt64(JSONValue.maxSafeInteger) ? $0 : nil }
        let prefix = Array("hist/".utf8)
        var millions: [String] = []
        var seek = prefix
        while true {
            var million: [UInt8]?
            try seek.withUnsafeBytes { start in
                try stateTxn.scan(store.state, from: start) { k, _ in
                    guard k.starts(with: prefix), let end = k[prefix.count...].firstIndex(of: UInt8(ascii: "/")) else { return false }
                    million = Array(k[prefix.count..<end])
                    return false
                }
            }
            guard let m = million else { break }
            millions.append(String(decoding: m, as: UTF8.self))
            seek = prefix + m + [UInt8(ascii: "0")]
        }
        var newest: [(key: String, value: JSONValue)] = []
        for m in millions.reversed() {
            // A million's lines all have seqs from MILLION x 10^6 on.
            if let before, let first = UInt64(m), first.multipliedReportingOverflow(by: 1_000_000).partialValue >= before { continue }
            var lines = try stateRecords(prefix: "hist/\(m)/\(account)/")
            if let before {
                let bound = Projection.historyPath(seq: before, account: account)
                lines.removeAll { !StateOverlay.less($0.key, bound) }
            }
            newest.insert(contentsOf: lines, at: 0)
            if newest.count > limit { break }
        }
        let more = newest.count > limit
        return (Array(newest.suffix(limit)), more)
    }

    /// The registry key named by the last `registry.rotate` (SPEC.md 8.3), nil if none yet (then
    /// the genesis entry's key is in effect).
    public func rotatedRegistryKey() throws -> NoteVerifierKey? {
        try StoreStateReader(self).rotatedRegistryKey()
    }

    /// The whole signed submission that the entry at `seq` belongs to, rebuilt from the log.
    public func submission(at seq: UInt64) throws -> Submission {
        try storedSubmission(at: seq, hasher: MerkleHasher()).submission
    }

    /// The whole signed submission that the entry at `seq` belongs to, rebuilt from the log,
    /// with what the reducer needs to apply it again: its first seq, commit time and its
    /// entries' leaf hashes.
    public func storedSubmission(at seq: UInt64, hasher: MerkleHasher) throws -> StoredSubmission {
        guard let bytes = try entryBytes(seq) else { throw StoreError.missing("entry \(seq)") }
        let entry = try Entry.decode(bytes)
        guard UInt64(entry.sub.index) <= seq else { throw StoreError.corrupt("entry \(seq) says it is event \(entry.sub.index) of its submission, before the log's start") }
        let first = seq - UInt64(entry.sub.index)
        // Each entry is read and decoded once; the catch-up asks for first entries.
        let head: Entry, headBytes: [UInt8]
        if first == seq {
            (head, headBytes) = (entry, bytes)
        } else {
            guard let b = try entryBytes(first) else { throw StoreError.missing("entry \(first)") }
            (head, headBytes) = (try Entry.decode(b), b)
        }
        guard let signer = head.sub.signer, let signature = head.sub.signature else {
            throw StoreError.corrupt("entry \(first) does not start a signed submission")
        }
        var events: [JSONValue] = [head.event], leaves: [Digest] = [hasher.leafHash(headBytes)]
        for s in (first + 1)..<(first + UInt64(head.sub.count)) {
            guard let b = try entryBytes(s) else { throw StoreError.missing("entry \(s)") }
            events.append(try Entry.decode(b).event)
            leaves.append(hasher.leafHash(b))
        }
        return StoredSubmission(submission: Submission(unsigned: try Submission.Unsigned(events: events), signer: signer, signature: signature),
                                firstSeq: first, time: head.time, leafHashes: leaves)
    }
}

extension Ledger {
    /// The account view: balances in mg and kg, points per platform, employer totals, history.
    /// An account's record with its balances, units held, keys, points and the newest
    /// `historyLimit` history lines before seq `historyBefore` (`history_more` says whether
    /// older ones exist, `history_before` where to ask from).
    public func accountView(_ id: String, historyLimit: Int = 1000, historyBefore: UInt64? = nil) throws -> JSONValue {
        try store.read { r in
            guard let account = try r.state("acct/\(id)")?.objectValue else { throw QueryError.noSuchAccount(id) }
            var view = account
            let available = Self.available(.object(account))
            view["account"] = .string(id)
            view["available_mg"] = .int(available)
            view["available_kg"] = .string(Self.kilograms(available))
            var units = JSONObject()
            for (key, h) in try r.stateRecords(prefix: "hold/\(id)/") {
                let (batch, first) = try Self.holding(key)
                let last = h["last"]?.intValue ?? first
                units[batch] = .int((units[batch]?.intValue ?? 0) + last - first + 1)
            }
            view["units_held"] = .object(units)
            // Who can move the units (v2): every holder key the account has had, and its recoveries.
            if let known = try r.state("hkeys/\(id)")?["keys"]?.arrayValue {
                view["holder_keys"] = .array(try known.compactMap(\.stringValue).map { text -> JSONValue in
                    var k: JSONObject = ["key": .string(text)]
                    if let parsed = try? NoteVerifierKey(text), let record = try r.state(Reducer.keyStatePath(parsed)) {
                        k["registered_seq"] = record["registered_seq"] ?? .null
                        if let revoked = record["revoked_seq"] { k["revoked_seq"] = revoked }
                        if let recovery = record["recovery"] { k["recovery"] = recovery }
                    }
                    return .object(k)
                })
            }
            let recoveries = try r.stateRecords(prefix: "recovery/").filter { $0.value["account"]?.stringValue == id }
            if !recoveries.isEmpty {
                view["recoveries"] = .array(recoveries.map { key, v in
                    var o = v.objectValue ?? [:]
                    o["proposal"] = .string(String(key.dropFirst("recovery/".count)))
                    return .object(o)
                })
            }
            if account["kind"] == "enterprise" {
                let emp = (account["employees_credited_mg"]?.intValue ?? 0) - (account["employees_reversed_mg"]?.intValue ?? 0)
                view["employees_net_mg"] = .int(emp)
                view["employees_net_kg"] = .string(Self.kilograms(emp))
            }
            var points = JSONObject()
            for (key, p) in try r.stateRecords(prefix: "pts/\(id)/") {
                let platform = String(key.split(separator: "/").last!)
                let earned = p["earned"]?.intValue ?? 0, rev = p["reversed"]?.intValue ?? 0, redeemed = p["redeemed"]?.intValue ?? 0
                points[platform] = ["earned": .int(earned), "reversed": .int(rev), "redeemed": .int(redeemed), "balance": .int(earned - rev - redeemed)]
            }
            view["points"] = .object(points)
            let (lines, more) = try r.accountHistory(id, limit: historyLimit, before: historyBefore)
            let history = try lines.map { key, value -> JSONValue in
                let seq = try Self.number(key, segment: -1)
                return value.objectValue.map { var o = $0; o["seq"] = .int(seq); return .object(o) } ?? value
            }
            view["history"] = .array(history)
            // Paging back: the older lines are those before the oldest shown.
            view["history_more"] = .bool(more)
            if more, let oldest = history.first?["seq"] { view["history_before"] = oldest }
            return .object(view)
        }
    }

    static func available(_ a: JSONValue) -> Int64 { Reducer.available(a) }

    /// Milligrams as kilograms with 6 decimals, exact (no floating point).
    public static func kilograms(_ mg: Int64) -> String { decimal(mg, places: 6) }

    /// Yuan with 2 decimals from fen, exact.
    public static func yuan(_ fen: Int64) -> String { decimal(fen, places: 2) }

    /// An integer count of 10^-`places` as a decimal with that many places, exact.
    static func decimal(_ v: Int64, places: Int) -> String {
        let unit = (0..<places).reduce(UInt64(1)) { a, _ in a * 10 }
        let sign = v < 0 ? "-" : "", m = v.magnitude
        let frac = String(m % unit)
        return "\(sign)\(m / unit).\(String(repeating: "0", count: places - frac.count))\(frac)"
    }

    /// One row of `stats`.
    public struct StatsRow: Sendable {
        public var group: [String: String]
        public var totals: [String: Int64]
    }

    /// Statistics fields summed per group.
    public static let statsFields = ["behaviours", "credited_mg", "qualitative_mg", "capped_mg", "reversed_mg", "reversals", "points",
                                     "duplicates"]

    /// Totals grouped by any of region, scenario and day or month (CST), from the state the log
    /// derives alone: a mirror or a replay answers the same. What was refused is not in the log
    /// (an origin's count of it is operational: `carbonledger_submissions_rejected_total` in /metrics).
    public func stats(by dimensions: [String]) throws -> [StatsRow] {
        for d in dimensions where !["region", "scenario", "day", "month"].contains(d) { throw QueryError.badDimension(d) }
        if dimensions.contains("day") && dimensions.contains("month") { throw QueryError.badDimension("day and month together") }
        // Each dimension once: a row's group is keyed by dimension name.
        var seen = Set<String>()
        for d in dimensions where !seen.insert(d).inserted { throw QueryError.repeatedDimension(d) }
        var groups: [[String]: [String: Int64]] = [:]
        func key(day: String, region: String, scenario: String) -> [String] {
            dimensions.map { d -> String in
                switch d {
                case "region": return region
                case "scenario": return scenario
                case "day": return day
                default: return String(day.prefix(6))
                }
            }
        }
        try store.read { r in
            for (k, v) in try r.stateRecords(prefix: "stat/") {
                let parts = k.split(separator: "/").map(String.init)  // stat/DAY/REGION/SCENARIO
                let g = key(day: parts[1], region: parts[2], scenario: parts[3])
                for f in Self.statsFields { groups[g, default: [:]][f, default: 0] += v[f]?.intValue ?? 0 }
            }
        }
        return groups.keys.sorted { $0.lexicographicallyPrecedes($1) }.map { g in
            // Dimensions are distinct (checked above); a repeated one would keep its last value, not trap.
            StatsRow(group: Dictionary(zip(dimensions, g), uniquingKeysWith: { $1 }), totals: groups[g] ?? [:])
        }
    }

    /// The ledger-wide totals record.
    public func totals() throws -> JSONValue { try store.read { try $0.state("totals") } ?? [:] }
}

extension Ledger {
    /// A resident's point balance with one platform.
    public func pointsBalance(_ account: String, platform: String) throws -> Int64 {
        try store.read { r in
            guard let p = try r.state("pts/\(account)/\(platform)") else { return 0 }
            return (p["earned"]?.intValue ?? 0) - (p["reversed"]?.intValue ?? 0) - (p["redeemed"]?.intValue ?? 0)
        }
    }

    /// Reductions an account can still donate or (later) have issued, in mg.
    public func availableMg(_ account: String) throws -> Int64 {
        try store.read { r in
            guard let a = try r.state("acct/\(account)") else { throw QueryError.noSuchAccount(account) }
            return Self.available(a)
        }
    }
}

extension Ledger {
    /// Entries `from ..< from+limit` as JSON objects (their canonical bytes re-encode exactly),
    /// with the log's size.
    public func entries(from: UInt64, limit: Int) throws -> (UInt64, [JSONValue]) {
        try store.read { r in
            let size = try r.metaU64(.size) ?? 0
            var out: [JSONValue] = []
            var seq = from
            while seq < size && out.count < limit {
                guard let b = try r.entryBytes(seq) else { throw StoreError.missing("entry \(seq)") }
                out.append(try JSONParser.parseCanonical(b))
                seq += 1
            }
            return (size, out)
        }
    }

    /// The serial blocks an account holds, per batch.
    public func holdingsView(_ account: String) throws -> JSONValue {
        try store.read { r in
            guard try r.state("acct/\(account)") != nil else { throw QueryError.noSuchAccount(account) }
            var byBatch = JSONObject()
            for (k, v) in try r.stateRecords(prefix: "hold/\(account)/") {
                let (batch, first) = try Self.holding(k)
                var blocks = byBatch[batch]?.arrayValue ?? []
                blocks.append([.int(first), v["last"] ?? .int(first)])
                byBatch[batch] = .array(blocks)
            }
            return ["account": .string(account), "holdings": .object(byBatch)]
        }
    }

    /// Resolves what a person typed: a seq, a retirement id, an account id, a batch, or a serial
    /// number (CN-...-first-last or a single unit) to the retirement or holder that has it.
    public func search(_ q: String) throws -> JSONValue {
        let q = q.trimmingCharacters(in: .whitespaces)
        if let seq = UInt64(q) {
            let size = try info().size
            guard seq < size else { return ["query": .string(q), "results": []] }
            return ["query": .string(q), "results": [["kind": "entry", "seq": .int(Int64(seq))]]]
        }
        return try store.read { r in
            var results: [JSONValue] = []
            if try r.state("ret/\(q)") != nil { results.append(["kind": "retirement", "id": .string(q)]) }
            if try r.state("acct/\(q)") != nil { results.append(["kind": "account", "id": .string(q)]) }
            if try r.state("batch/\(q)") != nil { results.append(["kind": "batch", "id": .string(q)]) }
            if q.hasPrefix("CN-") { results += try Self.serialHits(q, r) }
            return ["query": .string(q), "results": .array(results)]
        }
    }
}

extension Ledger {
    /// At most this many blocks are listed for one serial range.
    static let maxSerialHits = 100

    /// The blocks a serial (`PREFIX-a` or `PREFIX-a-b`) names, read against the registered
    /// batches: the prefix must be one batch's exactly, so a batch id with digits in it is never
    /// mistaken for unit numbers. Under rule set v2 no batch id ends in `-DIGITS` (SPEC.md 8.16),
    /// so at most one reading matches; a v1 log may register batches that make a serial read two
    /// ways, and then every reading is listed, each with its batch, never a guess.
    static func serialHits(_ q: String, _ r: StoreReader) throws -> [JSONValue] {
        let readings = SerialNumber.readings(q)
        // The batch of each reading's prefix, looked up by the ids the prefix could end with:
        // a few point reads, however many batches the registry holds.
        var batches: [String: (id: String, units: Int64)] = [:]
        for prefix in Set(readings.map(\.prefix)) {
            for id in SerialNumber.candidateBatchIDs(prefix) where Identifier.problem(id) == nil {
                if let b = try r.state("batch/\(id)"), b["serial_prefix"]?.stringValue == prefix {
                    batches[prefix] = (id, b["units"]?.intValue ?? 0)
                }
            }
        }
        let reader = StoreStateReader(r)
        var hits: [JSONValue] = []
        for reading in readings {
            guard let batch = batches[reading.prefix], reading.first >= 1, reading.first <= reading.last, reading.last <= batch.units else { continue }
            // The blocks cover 1...units: the one before `unit + 1` holds `unit`.
            var unit = reading.first
            while unit <= reading.last, hits.count < maxSerialHits {
                guard let range = try reader.predecessor(parent: "rng/\(batch.id)", before: "rng/\(batch.id)/\(String(format: "%016lld", unit + 1))") else { break }
                let blockLast = range.value["last"]?.intValue ?? unit
                var hit: JSONObject = ["kind": "serial", "batch": .string(batch.id), "serial_prefix": .string(reading.prefix), "unit": .int(unit),
                                       "first": .int(unit), "last": .int(min(blockLast, reading.last)),
                                       "state": range.value["state"] ?? .null, "account": range.value["account"] ?? .null]
                if let ret = range.value["retirement"] { hit["retirement"] = ret }
                hits.append(.object(hit))
                guard blockLast >= unit else { break }
                unit = blockLast + 1
            }
        }
        return hits
    }

    /// Signed checkpoints at tree sizes >= `from`, ascending (every commit signed one).
    public func checkpoints(from: UInt64, limit: Int) throws -> [String] {
        try store.read { r in
            try r.checkpointSizes(near: from, limit: limit).map { try r.checkpoint(size: $0)! }
        }
    }
}

extension Ledger {
    /// The batch and first unit of a holding key `hold/ACCOUNT/BATCH/FIRST`.
    static func holding(_ key: String) throws -> (batch: String, first: Int64) {
        let parts = key.split(separator: "/")
        guard parts.count == 4 else { throw StoreError.corrupt("state key \(key) is not hold/ACCOUNT/BATCH/FIRST") }
        return (String(parts[2]), try number(key, segment: 3))
    }

    /// The integer segment `segment` of a state key (negative: from the end); a damaged state
    /// file is reported, never trapped on.
    static func number(_ key: String, segment: Int) throws -> Int64 {
        let parts = key.split(separator: "/")
        let i = segment < 0 ? parts.count + segment : segment
        guard parts.indices.contains(i), let v = Int64(parts[i]) else { throw StoreError.corrupt("state key \(key) has no number at segment \(segment)") }
        return v
    }
}
