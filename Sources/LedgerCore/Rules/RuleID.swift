/// Every rule a submission can break, by its stable id (SPEC.md section 8.22): the reducer
/// throws them, clients and metrics key on the id, and the HTTP status each earns is in
/// `httpStatus`, the one table of it. `fields` stands for the `TYPE.fields` of every event type
/// (its id names the type: `RuleViolation.id`).
public enum RuleID: String, CaseIterable, Sendable {
    case submissionSignature = "submission.signature"
    case submissionReplay = "submission.replay"
    case genesisAlone = "genesis.alone"
    case genesisFirst = "genesis.first"
    case genesisFields = "genesis.fields"
    case genesisOrigin = "genesis.origin"
    case genesisRegistryKey = "genesis.registry_key"
    case genesisRules = "genesis.rules"
    case genesisAdmins = "genesis.admins"
    case genesisSigner = "genesis.signer"
    case genesisWindows = "genesis.windows"
    case eventObject = "event.object"
    case eventType = "event.type"
    case authUnknownKey = "auth.unknown_key"
    case authRevoked = "auth.revoked"
    case authRole = "auth.role"
    case authScope = "auth.scope"
    case keyDuplicate = "key.duplicate"
    case keyRevoked = "key.revoked"
    case keyCollision = "key.collision"
    case keyUnknown = "key.unknown"
    case keyLastAdmin = "key.last_admin"
    case registryRotateSame = "registry.rotate.same"
    case keyHolderExists = "key.holder_exists"
    case keyHolderRole = "key.holder_role"
    case recoveryDuplicate = "recovery.duplicate"
    case recoveryUnknown = "recovery.unknown"
    case recoveryState = "recovery.state"
    case recoverySameAdmin = "recovery.same_admin"
    case linkConflict = "link.conflict"
    case linkLimit = "link.limit"
    case pointsRefReused = "points.ref_reused"
    case projectPlatforms = "project.platforms"
    case issuanceBatchID = "issuance.batch_id"
    case complianceAllowance = "compliance.allowance"
    case complianceEligibility = "compliance.eligibility"
    case methodologyDuplicate = "methodology.duplicate"
    case methodologyAmbiguous = "methodology.ambiguous"
    case methodologyNone = "methodology.none"
    case accountDuplicate = "account.duplicate"
    case accountEmployer = "account.employer"
    case accountUnknown = "account.unknown"
    case accountKind = "account.kind"
    case consentMissing = "consent.missing"
    case behaviourTime = "behaviour.time"
    case behaviourFuture = "behaviour.future"
    case behaviourDoubleCounted = "behaviour.double_counted"
    case behaviourAmount = "behaviour.amount"
    case behaviourLate = "behaviour.late"
    case reverseUnknown = "reverse.unknown"
    case reverseAlready = "reverse.already"
    case reverseSpent = "reverse.spent"
    case reversePointsSpent = "reverse.points_spent"
    case reverseLate = "reverse.late"
    case pointsInsufficient = "points.insufficient"
    case donationRecipient = "donation.recipient"
    case donationInsufficient = "donation.insufficient"
    case projectDuplicate = "project.duplicate"
    case projectOwner = "project.owner"
    case projectMethodology = "project.methodology"
    case projectUnknown = "project.unknown"
    case issuancePeriod = "issuance.period"
    case issuanceDuplicate = "issuance.duplicate"
    case issuanceEmpty = "issuance.empty"
    case issuanceUnknown = "issuance.unknown"
    case issuanceState = "issuance.state"
    case issuanceLineage = "issuance.lineage"
    case issuanceAmount = "issuance.amount"
    case issuanceProject = "issuance.project"
    case issuanceUnits = "issuance.units"
    case issuanceRegion = "issuance.region"
    case issuanceVintage = "issuance.vintage"
    case issuanceDuplicateBatch = "issuance.duplicate_batch"
    case reverseLocked = "reverse.locked"
    case unitsUnknownBatch = "units.unknown_batch"
    case unitsInsufficient = "units.insufficient"
    case unitsNotHeld = "units.not_held"
    case unitsDoubleSpend = "units.double_spend"
    case retirementDuplicate = "retirement.duplicate"
    case complianceCompany = "compliance.company"
    case complianceScheme = "compliance.scheme"
    case complianceLimit = "compliance.limit"
    case supplyInvariant = "supply.invariant"
    case footprintDuplicate = "footprint.duplicate"
    case footprintUnknown = "footprint.unknown"
    /// A member missing, unknown or malformed: `TYPE.fields` for the event's type.
    case fields = "TYPE.fields"
    /// Not a rule of the log (a replay never sees it): the sequencer does not hold the key the
    /// rotation names, so it could not sign the next checkpoint.
    case registryKeyUnavailable = "registry.key_unavailable"

    /// The HTTP status of a submission refused by this rule: 401 a bad signature, 403 keys, roles
    /// and scopes, 409 what the log already holds, 400 malformed events, 422 every other rule.
    public var httpStatus: Int {
        switch self {
        case .submissionSignature: return 401
        case .authUnknownKey, .authRevoked, .authRole, .authScope: return 403
        case .submissionReplay, .behaviourDoubleCounted, .unitsDoubleSpend, .retirementDuplicate: return 409
        case .genesisFields, .eventObject, .eventType, .fields: return 400
        default: return 422
        }
    }
}
