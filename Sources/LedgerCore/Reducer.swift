/// The single home of the ledger's rules: a pure function of state and submission. The sequencer
/// runs it before appending, `cledger verify` re-runs it on replay; a log that breaks a rule fails
/// verification even when its hashes are intact.
public enum Reducer {
    /// The genesis event's `rules` value: the rule set this log is bound to.
    public static let rulesVersion = "carbonledger/v1"

    /// Applies a whole submission whose first event gets seq `state.size`: every event or none.
    /// Returns the new state; `state` is untouched on a violation.
    public static func apply(_ submission: Submission, to state: LedgerState,
                             lookup: some SubmissionLookup) throws -> LedgerState {
        var next = state
        let firstSeq = state.size
        let origin: String
        if firstSeq == 0 {
            origin = try genesisOrigin(submission)
        } else {
            guard let o = state.origin else { preconditionFailure("state past genesis without origin") }
            origin = o
        }
        guard submission.hasValidSignature(origin: origin) else {
            throw RuleViolation(field: "signature", rule: "submission.signature",
                                message: "not a valid Ed25519 signature by \(submission.signer) over this submission for ledger \"\(origin)\"")
        }
        if let earlier = try lookup.firstSeq(ofSubmission: submission.root), earlier != firstSeq {
            throw RuleViolation(field: "events", rule: "submission.replay",
                                message: "the same submission (root \(submission.root.hex)) was already appended at seq \(earlier)")
        }
        for (i, event) in submission.events.enumerated() {
            do {
                try apply(event: event, seq: firstSeq + UInt64(i), signer: submission.signer, state: &next)
            } catch var v {
                v.eventIndex = i
                throw v
            }
        }
        assert(next.size == firstSeq + UInt64(submission.events.count), "every event advances the log by one")
        return next
    }

    /// Applies one event at `seq`.
    static func apply(event: JSONValue, seq: UInt64, signer: NoteVerifierKey, state: inout LedgerState) throws(RuleViolation) {
        guard let obj = event.objectValue else {
            throw RuleViolation(field: "(event)", rule: "event.object", message: "an event must be a JSON object, got \(event.typeName)")
        }
        guard let type = obj["type"]?.stringValue else {
            throw RuleViolation(field: "type", rule: "event.type", message: "missing or not a string")
        }
        if seq == 0 {
            try applyGenesis(obj, signer: signer, state: &state)
        } else {
            guard type != "genesis" else {
                throw RuleViolation(field: "type", rule: "genesis.first", message: "only entry 0 may be a genesis event")
            }
            guard isValidEventType(type) else {
                throw RuleViolation(field: "type", rule: "event.type",
                                    message: "\"\(type)\" is not an event type name (lowercase letter, then up to 63 of a-z 0-9 . _ -)")
            }
        }
        state.size = seq + 1
    }

    private static func applyGenesis(_ obj: JSONObject, signer: NoteVerifierKey, state: inout LedgerState) throws(RuleViolation) {
        guard obj["type"]?.stringValue == "genesis" else {
            throw RuleViolation(field: "type", rule: "genesis.first", message: "entry 0 must be the genesis event")
        }
        guard obj.keys == ["origin", "registry_key", "rules", "type"] else {
            throw RuleViolation(field: "(event)", rule: "genesis.fields",
                                message: "genesis must have exactly origin, registry_key, rules, type; has \(obj.keys)")
        }
        guard let origin = obj["origin"]?.stringValue, isValidOrigin(origin) else {
            throw RuleViolation(field: "origin", rule: "genesis.origin",
                                message: "must be 1 to 255 printable ASCII characters without spaces")
        }
        guard let keyText = obj["registry_key"]?.stringValue, let key = try? NoteVerifierKey(keyText) else {
            throw RuleViolation(field: "registry_key", rule: "genesis.registry_key", message: "must be a signed-note verifier key name+keyid+base64")
        }
        guard obj["rules"]?.stringValue == rulesVersion else {
            throw RuleViolation(field: "rules", rule: "genesis.rules", message: "must be \"\(rulesVersion)\"")
        }
        guard signer == key else {
            throw RuleViolation(field: "signer", rule: "genesis.signer", message: "the genesis submission must be signed by the registry key it names")
        }
        state.origin = origin
        state.registryKey = key
    }

    /// The origin a genesis submission declares (its statement is signed for that origin).
    private static func genesisOrigin(_ submission: Submission) throws -> String {
        guard submission.events.count == 1 else {
            throw RuleViolation(field: "events", rule: "genesis.alone", message: "the genesis submission must hold exactly one event")
        }
        guard let origin = submission.events[0]["origin"]?.stringValue else {
            throw RuleViolation(eventIndex: 0, field: "origin", rule: "genesis.origin", message: "missing or not a string")
        }
        return origin
    }

    /// Origins are checkpoint first lines: printable ASCII, no spaces, at most 255 bytes.
    public static func isValidOrigin(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 255 && s.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }

    static func isValidEventType(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard (1...64).contains(b.count), b[0] >= UInt8(ascii: "a"), b[0] <= UInt8(ascii: "z") else { return false }
        return b.allSatisfy {
            ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
                || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
        }
    }

    /// The genesis event for a new ledger.
    public static func genesisEvent(origin: String, registryKey: NoteVerifierKey) -> JSONValue {
        ["type": "genesis", "origin": .string(origin), "registry_key": .string(registryKey.description),
         "rules": .string(rulesVersion)]
    }
}
