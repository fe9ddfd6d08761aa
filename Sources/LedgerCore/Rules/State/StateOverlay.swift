import Foundation

/// Buffered writes over a `StateReader`: the reducer's scratch space. A savepoint per
/// submission drops a refused submission's writes; replays and checks keep a batch's writes
/// here and store them together. Decoded values are cached, so a key read or written by many
/// events of a batch is decoded and encoded once.
///
/// Over the rules' state in memory (`init(writingThrough:)`) it buffers nothing: reads and
/// writes go to that state, each write journaled so that a refused submission or a batch whose
/// commit failed is undone, and listed for the commit to store (the sequencer's batches).
public final class StateOverlay: StateReader {
    /// What the overlay reads through. `rebase(onto:)` replaces it.
    public private(set) var base: StateReader
    /// A key this overlay knows: written by it (`nil` value: deleted), or read through it from
    /// the base (the base's value, cached). One dictionary for both, so a read costs one hash
    /// of its key, not one per dictionary (hashing keys showed in profiles).
    struct Slot {
        var content: Content
        var written: Bool
        /// The savepoint that last journaled this key: a key written again in the same
        /// savepoint needs no second undo record (rollback restores the first one's).
        var savepoint: UInt32 = 0
    }
    /// What a key holds in the overlay.
    public enum Content {
        /// No record (deleted, or absent from the base).
        case absent
        case value(JSONValue)
        /// The canonical bytes of a record the rules wrote whole (`putCanonical`): parsed only
        /// if read again, copied to the store as they are. Or a record loaded from the rules
        /// checkpoint as it stores it, maybe packed (`PackedRecord`, checked well formed when
        /// loaded): read as its JSON, and stored as that JSON but in the checkpoint.
        case canonical([UInt8])
        /// A record the rules read or wrote as a typed value (`StateRecord`): encoded when
        /// stored, or when a rule still reads it as JSON.
        case typed(any StateRecord)

        /// The record as a value; nil when absent.
        func decoded() throws -> JSONValue? {
            switch self {
            case .absent: return nil
            case .value(let v): return v
            case .canonical(let b): return try JSONParser.parse(Self.json(b))
            case .typed(let r): return try JSONParser.parse(r.canonical)
            }
        }

        init(_ value: JSONValue?) { self = value.map { .value($0) } ?? .absent }

        /// Its canonical JSON bytes, as the state environment stores them; nil when absent.
        public var stored: [UInt8]? {
            switch self {
            case .absent: return nil
            case .value(let v): return CanonicalJSON.encode(v)
            case .canonical(let b): return Self.json(b)
            case .typed(let r): return r.canonical
            }
        }

        public var isAbsent: Bool { if case .absent = self { return true }; return false }

        /// The JSON of stored bytes: a packed record's (`PackedRecord`), else the bytes. A
        /// damaged packed record (loads check they are not) stays as it is, which no JSON
        /// reader takes.
        static func json(_ stored: [UInt8]) -> [UInt8] {
            stored.first == PackedRecord.marker ? stored.withUnsafeBytes(PackedRecord.json(stored:)) : stored
        }
    }
    private var slots: [String: Slot] = [:]
    /// Written keys; `.some(nil)` marks a deletion.
    public var writes: [String: JSONValue?] {
        if resident != nil {
            var out: [String: JSONValue?] = [:]
            for w in written { out[w.key] = .some(try! w.content.decoded()) }
            return out
        }
        return slots.compactMapValues { $0.written ? .some(try! $0.content.decoded()) : nil }
    }
    /// Written keys of the ordered namespaces by parent, for `predecessor` and `children`. A key
    /// is listed when a write finds it unwritten; a key written again after a rollback is listed
    /// twice, which the queries tolerate (they read each listed key's slot). A set per parent
    /// cost a second hash of every such key per write in profiles.
    private var keysByParent: [Substring: [String]] = [:]
    /// Namespaces whose keys are found by `predecessor`; only these are indexed by parent.
    public static let orderedNamespaces = ["elig/", "reqm/", "rng/", "hold/"]

    /// Undo records of the open savepoint: each written key's previous write (or none). Kept
    /// allocated between savepoints: the sequencer opens one per submission.
    private var journal: [(key: String, previous: Slot?)] = []
    private var inSavepoint = false
    /// Numbers savepoints from 1, so that a slot knows whether the open one journaled it.
    private var savepointNumber: UInt32 = 0

    /// Keys a behaviour report writes, about: what the sequencer and the verifier pre-size a
    /// batch's or a chunk's overlay with, per event.
    public static let writesPerEvent = 10

    /// `expectedWrites` pre-sizes the write set; growing a large dictionary rehashes every key,
    /// which showed in profiles.
    public init(base: StateReader, expectedWrites: Int = 0) {
        self.base = base
        self.resident = nil
        index = Self.index(over: base)
        slots.reserveCapacity(expectedWrites + expectedWrites / 4)
    }

    /// Over a store, whose behaviours `index` indexes (the verifier's replay keeps its own, as
    /// its chunks' records go to its scratch store): changes it in place.
    public init(base: StateReader, index: BehaviourIndex, expectedWrites: Int = 0) {
        self.base = base
        self.resident = nil
        self.index = index
        slots.reserveCapacity(expectedWrites + expectedWrites / 4)
    }

    /// The index an overlay over `base` reads and changes: a layer over the index of an overlay
    /// or of the state in memory, which stay as they are; a new one over the empty state; none
    /// over a store, which keeps no index (`init(base:index:)` gives one).
    private static func index(over base: StateReader) -> BehaviourIndexWriting? {
        switch base {
        case let o as StateOverlay: return o.index.map { BehaviourIndexLayer(over: $0) }
        case let r as ResidentState: return BehaviourIndexLayer(over: r.index)
        case is EmptyState: return BehaviourIndex(ages: false)
        default: return nil
        }
    }

    /// The index of behaviours (`BehaviourIndex`) the rules read and change through this overlay.
    private let index: BehaviourIndexWriting?
    public var behaviourIndex: BehaviourIndexReading? { index }
    /// The changes made to `index` through this overlay, oldest first, to undo them: since its
    /// start, or writing through since its last `releaseUndo`.
    private var indexChanges: [BehaviourIndexChange] = []
    private var indexSavepointStart = 0

    /// Changes `state` in place: no second lookup per read and no merge after the commit (both
    /// showed in profiles of the rules thread, Benchmarks/RESULTS.md). Only one such overlay may
    /// change `state` at a time, on the thread that owns it.
    public init(writingThrough state: ResidentState, expectedWrites: Int = 0) {
        self.base = state
        self.resident = state
        index = state.index
        // A report changes the index twice (its interval, its day's cap).
        indexChanges.reserveCapacity(expectedWrites / 5)
        written.reserveCapacity(expectedWrites)
        undo.reserveCapacity(expectedWrites)
        // A report writes three cold records (its behaviour, eligibility and source reference)
        // of its ten or so; growing the layer rehashes every key in it.
        coldLayer.records.reserveCapacity(expectedWrites * 3 / 10)
        state.push(coldLayer)
    }

    /// Writing through: this overlay's cold writes (`ResidentState.isCold`), a layer of the state
    /// until the environment has them.
    public let coldLayer = ColdLayer()

    /// The state this overlay writes through, if it does.
    let resident: ResidentState?
    /// Writing through: every write in order, for the commit (the last one of a key wins).
    private var written: [Write] = []
    /// A write, as `written` lists it. A struct, not a tuple: arrays of tuples are copied and
    /// freed element by element through the runtime's generic tuple witnesses, which showed in
    /// profiles of the threads that sort and free a batch's writes (Benchmarks/RESULTS.md).
    struct Write {
        let key: String
        let content: Content
    }
    /// What a write replaced (nil: nothing held), to undo it.
    public struct Undo {
        public let key: String
        public let previous: Content?
    }
    /// Writing through: whether a write was made to a key `matching`.
    public func wrote(_ matching: (String) -> Bool) -> Bool {
        written.contains { matching($0.key) }
    }

    /// What the rules found in the programme's catalogue (`CatalogueMemo`): read by every
    /// report, changed only by a registration. Kept while no catalogue record changes through
    /// this overlay: any write of one, any undo and a new base drop it. Not kept once frozen
    /// (another thread may read).
    var catalogue = CatalogueMemo()

    /// Writing through: what each write replaced (nil: nothing held), in order, to undo it.
    private var undo: [Undo] = []
    /// Writing through: where the open savepoint began in `written` and `undo`.
    private var savepointStart = (written: 0, undo: 0)

    /// Reads through `newBase` from now on. The verifier's pipelined replay applies chunk k+1
    /// over chunk k's overlay while k is stored; before each new chunk it rebases k's overlay
    /// onto a fresh snapshot of the store, so the chain of overlays never grows beyond two.
    /// Sound only when `newBase` differs from the old base at most by this overlay's own writes
    /// (the snapshot was taken after the chunks below were stored, and no one else wrote): the
    /// read cache then stays valid.
    public func rebase(onto newBase: StateReader) {
        precondition(!inSavepoint, "rebase inside a savepoint")
        precondition(resident == nil, "an overlay writing through has no base of its own")
        base = newBase
        catalogue = CatalogueMemo()
    }

    /// Starts a savepoint: later writes can be undone together by `rollback()`. The sequencer
    /// opens one per submission in the batch's overlay, so a refused submission leaves no trace
    /// and an accepted one costs no copying.
    public func beginSavepoint() {
        precondition(!inSavepoint && !frozen, "savepoints do not nest, and a frozen overlay takes no writes")
        inSavepoint = true
        indexSavepointStart = indexChanges.count
        if resident != nil {
            savepointStart = (written.count, undo.count)
            return
        }
        savepointNumber &+= 1
        // After 2^32 savepoints, numbers of old slots could come round again: start afresh.
        if savepointNumber == 0 {
            for k in Array(slots.keys) { slots[k]!.savepoint = 0 }
            savepointNumber = 1
        }
    }

    /// Keeps the writes since `beginSavepoint()`.
    public func commitSavepoint() {
        journal.removeAll(keepingCapacity: true)
        inSavepoint = false
    }

    /// Undoes every write since `beginSavepoint()`, newest first.
    public func rollback() {
        precondition(inSavepoint, "rollback without a savepoint")
        undoIndexChanges(from: indexSavepointStart)
        catalogue = CatalogueMemo()
        if resident != nil {
            undo(from: savepointStart.undo)
            written.removeSubrange(savepointStart.written...)
            inSavepoint = false
            return
        }
        for (key, previous) in journal.reversed() {
            slots[key] = previous
        }
        journal.removeAll(keepingCapacity: true)
        inSavepoint = false
    }

    /// Writing through: undoes every change this overlay made to the state (a batch whose
    /// commit failed, or that was prepared and not committed), newest first, and removes its
    /// cold layer. Its list of writes stays: a commit of the batch may be reading it on another
    /// thread, and if that commit goes through after all, the state replays the batch from the log.
    public func undoAll() {
        precondition(!inSavepoint, "undo inside a savepoint")
        undo(from: 0)
        undoIndexChanges()
        catalogue = CatalogueMemo()
        resident?.drop(coldLayer)
    }

    /// Undoes the changes made to the index of behaviours through this overlay, newest first:
    /// a verifier's chunk started over.
    public func undoIndexChanges() {
        precondition(!inSavepoint, "undo inside a savepoint")
        undoIndexChanges(from: 0)
    }

    private func undoIndexChanges(from start: Int) {
        guard let index else { return }
        for change in indexChanges[start...].reversed() { index.apply(change.inverse) }
        indexChanges.removeSubrange(start...)
    }

    /// Writing through: lets go of the undo records of a batch known committed, which is never
    /// undone; its writes stay, for the rules checkpoint (the undo records hold every value the
    /// batch replaced, as much memory again).
    public func releaseUndo() -> [Undo] {
        precondition(!inSavepoint, "release inside a savepoint")
        indexChanges = []
        defer { undo = [] }
        return undo
    }

    private func undo(from start: Int) {
        guard let resident else { preconditionFailure("only an overlay writing through keeps undo records") }
        // Routed as the writes were: the state ages days out only when no batch not yet
        // committed has written to them (`Sequencer`), so no key changed sides in between.
        for u in undo[start...].reversed() {
            if resident.isCold(u.key) {
                coldLayer.records[u.key] = u.previous
            } else {
                resident.set(u.key, u.previous ?? .absent)
            }
        }
        undo.removeSubrange(start...)
    }

    public func get(_ key: String) throws -> JSONValue? {
        if let resident { return try resident.get(key) }
        if let slot = slots[key] {
            switch slot.content {
            case .canonical, .typed: break
            default: return try slot.content.decoded()
            }
            let v = try slot.content.decoded()
            // Read again later in the batch: keep the parsed value (its bytes are the same).
            if !frozen, let v { slots[key]!.content = .value(v) }
            return v
        }
        let v = try base.get(key)
        if !frozen { slots[key] = Slot(content: Content(v), written: false) }
        return v
    }

    /// Ends changes to this overlay: later reads through it no longer cache what they read
    /// from the base, so another thread may read its writes (to commit them) while the next
    /// batch reads through it. Whoever reads through a frozen overlay caches the values itself.
    public func freeze() {
        precondition(!inSavepoint, "freeze inside a savepoint")
        frozen = true
    }

    public private(set) var frozen = false

    /// The record at `key` as a `R`, decoded once and then kept typed in this overlay (writes
    /// of it stay typed until they are stored); nil when there is none.
    public func record<R: StateRecord>(_ type: R.Type, at key: String) throws -> R? {
        if let resident { return try resident.record(R.self, at: key) }
        if let slot = slots[key] {
            if case .typed(let r) = slot.content, let typed = r as? R { return typed }
            guard let r = try Self.typed(R.self, slot.content, key: key) else { return nil }
            if !frozen { slots[key]!.content = .typed(r) }
            return r
        }
        let r = try base.record(R.self, at: key)
        if !frozen { slots[key] = Slot(content: r.map { .typed($0) } ?? .absent, written: false) }
        return r
    }

    /// Writes a typed record (nil: deletes the key).
    public func putRecord(_ key: String, _ record: (any StateRecord)?) {
        write(key, record.map { .typed($0) } ?? .absent)
    }

    /// Writes the record of the behaviour at `seq` (`beh/SEQ16`, at `key`) that was `old`
    /// (nil: none), and changes the index of behaviours as the new record has it: how the rules
    /// write one, knowing what it was.
    public func putBehaviour(_ key: String, seq: Int64, _ record: BehaviourRecord, replacing old: BehaviourRecord?) {
        changeIndex(from: old, to: record, seq: seq)
        write(key, .typed(record), indexed: true)
    }

    private func changeIndex(from old: BehaviourRecord?, to new: BehaviourRecord?, seq: Int64) {
        guard let index else { return }
        BehaviourIndexChange.forEach(from: old, to: new, seq: seq) { change in
            index.apply(change)
            indexChanges.append(change)
        }
    }

    /// Any other write of a behaviour's record (a scratch overlay's writes merged into the
    /// overlay below it): the index changes as the records do, what was there read first.
    private func indexWrite(_ key: String, _ content: Content) {
        guard index != nil, key.hasBytePrefix("beh/"), let seq = Int64(key.dropFirst(4)) else { return }
        let old = try? record(BehaviourRecord.self, at: key)
        let new = try? Self.typed(BehaviourRecord.self, content, key: key)
        changeIndex(from: old ?? nil, to: new ?? nil, seq: seq)
    }

    public func put(_ key: String, _ value: JSONValue?) {
        write(key, Content(value))
    }

    /// Writes a record given as its canonical bytes (`CanonicalRecord`), finishing it.
    public func putCanonical(_ key: String, _ record: inout CanonicalRecord) {
        write(key, .canonical(record.finish()))
    }

    /// Writes a record given as its canonical bytes.
    public func putCanonical(_ key: String, bytes: [UInt8]) {
        write(key, .canonical(bytes))
    }

    private func write(_ key: String, _ content: Content, indexed: Bool = false) {
        precondition(!frozen, "write to a frozen overlay")
        if !indexed { indexWrite(key, content) }
        if CatalogueMemo.isSource(key) { catalogue = CatalogueMemo() }
        assert(key.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }, "state keys are printable ASCII")
        if let resident {
            let previous: Content?
            if resident.isCold(key) {
                previous = coldLayer.write(key, content)
                resident.wroteCold(key)
            } else {
                previous = resident.set(key, content)
            }
            undo.append(Undo(key: key, previous: previous))
            written.append(Write(key: key, content: content))
            return
        }
        // One hash of the key for both the write and the undo record.
        let number = inSavepoint ? savepointNumber : 0
        let previous = slots.updateValue(Slot(content: content, written: true, savepoint: number), forKey: key)
        if inSavepoint && previous?.savepoint != number { journal.append((key, previous)) }
        if previous?.written != true { listIfOrdered(key) }
    }

    private func listIfOrdered(_ key: String) {
        if Self.isOrdered(key) { keysByParent[Self.parent(of: key), default: []].append(key) }
    }

    /// Changes the object at `key` in place: the rules' counters (totals, statistics, points)
    /// change a few members of the same record many times per batch, and a copy per change
    /// showed in profiles. The record is copied once per savepoint at most, for its undo record.
    /// An absent key starts from an empty object.
    public func updateObject(_ key: String, _ body: (inout JSONObject) -> Void) throws {
        precondition(!frozen, "write to a frozen overlay")
        precondition(resident == nil, "read models are not written through the rules' state")
        assert(key.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }, "state keys are printable ASCII")
        if CatalogueMemo.isSource(key) { catalogue = CatalogueMemo() }
        let number = inSavepoint ? savepointNumber : 0
        var index = slots.index(forKey: key)
        if index == nil {
            slots[key] = Slot(content: Content(try base.get(key)), written: false)
            index = slots.index(forKey: key)
        }
        let i = index!
        if inSavepoint && slots.values[i].savepoint != number { journal.append((key, slots.values[i])) }
        if !slots.values[i].written { listIfOrdered(key) }
        var object: JSONObject
        switch try slots.values[i].content.decoded() {
        case .object(let o)?: object = o
        case nil: object = JSONObject()
        case let other?: preconditionFailure("state record \(key) is a \(other.typeName), not an object")
        }
        // The slot lets go of the record, so the change below is in place unless the journal
        // (or a caller) still holds it.
        slots.values[i] = Slot(content: .absent, written: true, savepoint: number)
        body(&object)
        slots.values[i].content = .value(.object(object))
    }

    /// Whether `key` is in one of `orderedNamespaces`; the first byte rules out most keys.
    @inline(__always)
    static func isOrdered(_ key: String) -> Bool {
        switch key.utf8.first {
        // `orderedNamespaces`, written out as bytes (`hasBytePrefix`): this runs per write.
        case UInt8(ascii: "e"): return key.hasBytePrefix("elig/")
        case UInt8(ascii: "r"): return key.hasBytePrefix("reqm/") || key.hasBytePrefix("rng/")
        case UInt8(ascii: "h"): return key.hasBytePrefix("hold/")
        default: return false
        }
    }

    public func predecessor(parent: String, before: String) throws -> (key: String, value: JSONValue)? {
        if let resident { return try resident.predecessor(parent: parent, before: before) }
        return try predecessor(parent: parent, before: before, base: { try self.base.predecessor(parent: parent, before: $0) }, own: { try $0.decoded() })
    }

    public func predecessorRecord<R: StateRecord>(_ type: R.Type, parent: String, before: String) throws -> (key: String, record: R)? {
        if let resident { return try resident.predecessorRecord(R.self, parent: parent, before: before) }
        return try predecessor(parent: parent, before: before, base: { try self.base.predecessorRecord(R.self, parent: parent, before: $0).map { (key: $0.key, value: $0.record) } },
                        own: { try Self.typed(R.self, $0, key: parent) })
            .map { (key: $0.key, record: $0.value) }
    }

    public func children(of parent: String) throws -> [(key: String, value: JSONValue)] {
        if let resident { return try resident.children(of: parent) }
        return try children(of: parent, base: try base.children(of: parent), own: { try $0.decoded() })
    }

    public func childRecords<R: StateRecord>(_ type: R.Type, of parent: String) throws -> [(key: String, record: R)] {
        if let resident { return try resident.childRecords(R.self, of: parent) }
        return try children(of: parent, base: try base.childRecords(R.self, of: parent).map { (key: $0.key, value: $0.record) }, own: { try Self.typed(R.self, $0, key: parent) })
            .map { (key: $0.key, record: $0.value) }
    }

    /// What a slot holds as a `R`, nil when absent.
    static func typed<R: StateRecord>(_ type: R.Type, _ content: Content, key: String) throws -> R? {
        switch content {
        case .absent: return nil
        case .typed(let r): if let typed = r as? R { return typed }
        case .canonical(let bytes): return try bytes.withUnsafeBytes { b throws(StateRecordError) in try R.stored(b, at: key) }
        case .value: break
        }
        guard let value = try content.decoded() else { return nil }
        return try R.stored(value, at: key)
    }

    /// The greatest key below `before` under `parent`, of this overlay's writes and the base's
    /// (`base(bound)`: the base's predecessor below `bound`), its value read by `own` from a slot.
    private func predecessor<V>(parent: String, before: String, base: (String) throws -> (key: String, value: V)?,
                                own: (Content) throws -> V?) throws -> (key: String, value: V)? {
        assert(Self.orderedNamespaces.contains(where: parent.hasPrefix), "predecessor queries only ordered namespaces")
        // Own writes below `before`, newest key first; only the one found is decoded.
        var ownKey: String?
        if let keys = keysByParent[Substring(parent)] {
            for k in keys where Self.less(k, before) && ownKey.map({ Self.less($0, k) }) ?? true {
                if let slot = slots[k], slot.written, !slot.content.isAbsent { ownKey = k }
            }
        }
        var mine: (key: String, value: V)?
        if let k = ownKey, let slot = slots[k], let v = try own(slot.content) { mine = (k, v) }
        // The base's predecessor, skipping keys this overlay deleted or replaced.
        var bound = before
        while let b = try base(bound) {
            var value = b.value
            if let slot = slots[b.key], slot.written {
                guard let replaced = try own(slot.content) else { bound = b.key; continue }
                value = replaced
            }
            if let o = mine, !Self.less(o.key, b.key) { return o }
            return (b.key, value)
        }
        return mine
    }

    private func children<V>(of parent: String, base: [(key: String, value: V)], own: (Content) throws -> V?) throws -> [(key: String, value: V)] {
        assert(Self.orderedNamespaces.contains(where: parent.hasPrefix), "children queries only ordered namespaces")
        var merged: [String: V] = [:]
        for c in base { merged[c.key] = c.value }
        for k in keysByParent[Substring(parent)] ?? [] {
            guard let slot = slots[k], slot.written else { continue }
            merged[k] = try own(slot.content)
        }
        return merged.sorted { Self.less($0.key, $1.key) }.map { (key: $0.key, value: $0.value) }
    }

    /// Written keys in byte order (LMDB's), for flushing.
    public var sortedWrites: [(key: String, value: JSONValue?)] {
        var out: [(key: String, value: JSONValue?)] = []
        forEachWriteInOrder { out.append(($0, try! $1.decoded())) }
        return out
    }

    /// Calls `body` with each written key (and its value, nil for a deletion) in byte order.
    /// LMDB takes sorted puts much faster (its pages stay in cache; Benchmarks/RESULTS.md).
    /// Sorting and copying tens of thousands of records per batch still showed in profiles of
    /// the commit thread, so this sorts slot positions by each key's first 32 bytes as
    /// integers, compares whole keys only on a tie, and copies no record. (16 bytes tied most
    /// keys of the largest namespaces: `hist/0000000000/` and `lb/20261207/r-0` are 16 long.)
    /// `skipping`: keys left out, before the sort (the state environment's writer leaves out
    /// half of a batch's writes, the rules' own).
    public func forEachWriteInOrder(skipping: ((String) -> Bool)? = nil, _ body: (String, Content) throws -> Void) rethrows {
        if resident != nil { return try forEachWrittenThroughInOrder(skipping: skipping, body) }
        var order: [(prefix: KeyPrefix, index: Dictionary<String, Slot>.Index)] = []
        order.reserveCapacity(slots.count)
        var i = slots.startIndex
        while i != slots.endIndex {
            if slots.values[i].written, skipping?(slots.keys[i]) != true { order.append((Self.prefix(slots.keys[i]), i)) }
            i = slots.index(after: i)
        }
        order.sort { a, b in
            if a.prefix != b.prefix { return a.prefix < b.prefix }
            return Self.less(slots.keys[a.index], slots.keys[b.index])
        }
        for o in order { try body(slots.keys[o.index], slots.values[o.index].content) }
    }

    /// The writes of `overlays`, oldest first, as writing each one's in turn would leave
    /// them: the last write of each key, once, in byte order. A rules checkpoint's step takes
    /// the batches of tens of thousands of entries: walked batch by batch, an account written
    /// in several was put in the B-tree once per batch, and each batch's walk went down the
    /// tree again (Benchmarks/RESULTS.md). It holds the step's writes in one list while it
    /// walks: about 104 bytes a write with its sort entry (keys and records are shared, not
    /// copied), some 35 MB for a default step of 32,768 entries of ten writes each.
    public static func forEachWriteInOrder(of overlays: [StateOverlay], _ body: (String, Content) throws -> Void) rethrows {
        // In the order made, overlay after overlay: one sort finds each key's last write.
        var all: [Write] = []
        all.reserveCapacity(overlays.reduce(0) { $0 + $1.written.count + $1.slots.count / 2 })
        for o in overlays {
            if o.resident != nil {
                all.append(contentsOf: o.written)
            } else {
                // One slot a key: its last write.
                for (key, slot) in o.slots where slot.written { all.append(Write(key: key, content: slot.content)) }
            }
        }
        try forEachLastWriteInOrder(all, skipping: nil, body)
    }

    /// `forEachWriteInOrder` of an overlay writing through: the last write of each key, sorted
    /// the same way (a key's writes stay in the order made, so the last is found after a sort).
    private func forEachWrittenThroughInOrder(skipping: ((String) -> Bool)?, _ body: (String, Content) throws -> Void) rethrows {
        try Self.forEachLastWriteInOrder(written, skipping: skipping, body)
    }

    /// The last of each key's writes in `writes` (a key's later write is the later one), in
    /// byte order, but those `skipping` leaves out.
    private static func forEachLastWriteInOrder(_ writes: [Write], skipping: ((String) -> Bool)?, _ body: (String, Content) throws -> Void) rethrows {
        var order: [(prefix: KeyPrefix, index: Int)] = []
        order.reserveCapacity(writes.count)
        for i in writes.indices where skipping?(writes[i].key) != true { order.append((prefix(writes[i].key), i)) }
        order.sort { a, b in
            if a.prefix != b.prefix { return a.prefix < b.prefix }
            let c = compare(writes[a.index].key, writes[b.index].key)
            return c != 0 ? c < 0 : a.index < b.index
        }
        for (n, o) in order.enumerated() {
            let key = writes[o.index].key
            if n + 1 < order.count, order[n + 1].prefix == o.prefix, writes[order[n + 1].index].key == key { continue }
            try body(key, writes[o.index].content)
        }
    }

    /// A key's first 32 bytes as four big-endian integers (zero-padded; keys hold no zero
    /// byte): their order is the keys' byte order, up to ties.
    typealias KeyPrefix = (UInt64, UInt64, UInt64, UInt64)
    static func prefix(_ key: String) -> KeyPrefix {
        var bytes: KeyPrefix = (0, 0, 0, 0)
        let copied: Void? = key.utf8.withContiguousStorageIfAvailable { u in
            withUnsafeMutableBytes(of: &bytes) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(u).prefix(32))) }
        }
        if copied == nil {
            withUnsafeMutableBytes(of: &bytes) { b in for (i, c) in key.utf8.prefix(32).enumerated() { b[i] = c } }
        }
        return (UInt64(bigEndian: bytes.0), UInt64(bigEndian: bytes.1), UInt64(bigEndian: bytes.2), UInt64(bigEndian: bytes.3))
    }

    static func parent(of key: String) -> Substring {
        guard let slash = key.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "" }
        return key[..<slash]
    }

    /// Byte order (LMDB's order for these keys).
    public static func less(_ a: String, _ b: String) -> Bool { compare(a, b) < 0 }

    /// Byte order as a three-way answer: negative, 0 (the same bytes) or positive.
    static func compare(_ a: String, _ b: String) -> Int {
        // Non-mutating access: `withUTF8` on `var` copies retains both strings per compare.
        let fast: Int?? = a.utf8.withContiguousStorageIfAvailable { ua in
            b.utf8.withContiguousStorageIfAvailable { ub in
                let n = Swift.min(ua.count, ub.count)
                let c = n == 0 ? 0 : memcmp(ua.baseAddress!, ub.baseAddress!, n)
                return c != 0 ? Int(c) : ua.count - ub.count
            }
        }
        if case .some(.some(let r)) = fast { return r }
        if a.utf8.elementsEqual(b.utf8) { return 0 }
        return a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : 1
    }
}
