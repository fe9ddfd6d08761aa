/// What the rules read of the programme's catalogue for every behaviour report, kept by a
/// batch's overlay between reports (`StateOverlay.catalogue`): the methodologies a scenario in a
/// region may use and the reporting platform's points rule. Looked up record by record, each
/// report built their keys and searched the region's chain again: a sixth of `behaviourReport`'s
/// instructions (callgrind; Benchmarks/RESULTS.md). A registration, a points rule or any undo
/// drops it whole: they are rare, and a stale choice would credit the wrong amount.
struct CatalogueMemo {
    var methodologies: [MethodologyChoice.Key: MethodologyChoice] = [:]
    /// Each (platform, scenario)'s points rule, nil when it has none.
    var pointsRules: [PointsRuleKey: PointsRuleRecord?] = [:]

    struct PointsRuleKey: Hashable {
        var platform: String
        var scenario: String
    }

    /// Whether a write of `key` changes what the memo was made from: a methodology's record
    /// (`meth/`), the versions of a scenario in a region (`msel/`) or a points rule (`prule/`).
    @inline(__always)
    static func isSource(_ key: String) -> Bool {
        switch key.utf8.first {
        case UInt8(ascii: "m"): return key.hasBytePrefix("meth/") || key.hasBytePrefix("msel/")
        case UInt8(ascii: "p"): return key.hasBytePrefix("prule/")
        default: return false
        }
    }
}

/// The methodologies a behaviour of one scenario in one region may use (`selectMethodology`).
struct MethodologyChoice {
    struct Key: Hashable {
        var scenario: String
        var region: String
    }

    /// Each region containing the behaviour's that has versions registered, most specific first:
    /// its versions, and the records of those registered (a missing one is a corrupt state,
    /// reported if it is chosen).
    var regions: [(versions: MethodologyVersions, records: [MethodologyRecord])] = []
}
