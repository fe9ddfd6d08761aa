import LedgerCore

/// Drives the real reducer submission by submission, keeping the state in a `StateOverlay`
/// (in memory) exactly as the sequencer keeps it per batch. A refused submission leaves the
/// state untouched, as in the ledger.
public final class RuleHarness {
    public let origin: String
    public let registry: NoteSigningKey
    public private(set) var ledger = LedgerState()
    public let state = StateOverlay(base: EmptyState())
    public private(set) var roots: [Digest: UInt64] = [:]
    /// The commit time given to the next submission.
    public var time = Timestamp(rfc3339: "2026-11-01T00:00:00.000Z")!
    /// The leaf hash of the last entry, and every entry's, as the log would have them.
    public private(set) var head = Digest.zero
    public private(set) var leafHashes: [Digest] = []
    /// Every submission applied, with its commit time: what a real ledger replays them with.
    public private(set) var applied: [(submission: Submission, time: Timestamp)] = []
    /// What the last submission applied gave the read models, and the keys its rules wrote.
    public private(set) var lastEffects: [Effect] = []
    public private(set) var lastRuleWrites: [String] = []

    public init(origin: String = "harness.test/rules", registry: NoteSigningKey? = nil, admins: [NoteVerifierKey]? = nil, rules: RuleSet = .latest,
                windows: Windows? = nil) throws {
        self.origin = origin
        self.registry = try registry ?? NoteSigningKey.generate(name: "registry")
        let genesis = try Submission.Unsigned(events: [Reducer.genesisEvent(origin: origin, registryKey: self.registry.verifierKey, admins: admins, rules: rules,
                                                                           windows: windows)])
            .signed(by: self.registry, origin: origin)
        try apply(genesis)
    }

    /// Applies a signed submission; returns its first seq or throws its `RuleViolation`.
    @discardableResult
    public func apply(_ sub: Submission) throws -> UInt64 {
        let scratch = StateOverlay(base: state)
        let first = ledger.size
        let entries = SubmissionEntries(sub, firstSeq: first, prev: head, time: time, hasher: MerkleHasher())
        var effects: [Effect] = []
        ledger = try Reducer.apply(sub, to: ledger, state: scratch, time: time, leafHashes: entries.leafHashes, lookup: Lookup(roots: roots), effects: &effects)
        lastRuleWrites = scratch.writes.keys.sorted()
        lastEffects = effects
        // Every rule test holds the rules to it: read models come only from effects.
        if let k = lastRuleWrites.first(where: Self.isReadModel) { throw ReadModelWrittenByRules(key: k) }
        try Projection.apply(effects, to: scratch)
        head = entries.head
        leafHashes += entries.leafHashes
        for (k, v) in scratch.writes { state.put(k, v) }
        roots[sub.root] = first
        applied.append((sub, time))
        return first
    }

    /// Signs `events` with `key` and applies them.
    @discardableResult
    public func submit(_ events: [JSONValue], by key: NoteSigningKey) throws -> UInt64 {
        try apply(try Submission.Unsigned(events: events).signed(by: key, origin: origin))
    }

    /// The violation `events` by `key` cause, or nil if they were applied.
    public func violation(_ events: [JSONValue], by key: NoteSigningKey) -> RuleViolation? {
        do { try submit(events, by: key); return nil } catch let v as RuleViolation { return v } catch { return RuleViolation(field: "?", rule: .fields, eventType: "not-a-rule-violation", message: "\(error)") }
    }

    public func get(_ key: String) -> JSONValue? { try! state.get(key) }

    /// The read models of SPEC.md section 10, which only `Projection` writes.
    public static func isReadModel(_ key: String) -> Bool {
        key.hasPrefix("hist/") || key.hasPrefix("stat/") || key.hasPrefix("mkt/") || key.hasPrefix("lb/") || key == "totals"
    }

    public struct ReadModelWrittenByRules: Error, CustomStringConvertible {
        public let key: String
        public var description: String { "a rule wrote the read model \(key) itself instead of returning an effect" }
    }

    public struct Lookup: SubmissionLookup {
        let roots: [Digest: UInt64]
        public init(roots: [Digest: UInt64]) { self.roots = roots }
        public func firstSeq(ofSubmission root: Digest) throws -> UInt64? { roots[root] }
    }
}
