extension Int64 {
    /// `self + other`, stopping at ±(2^53−1), the integers canonical JSON carries (SPEC.md
    /// section 2), instead of trapping: balances and counters that many events add to (an
    /// account's credit, a month's market value, a sponsor's pledges, the ledger's totals) must
    /// not let valid events stop the ledger or a query. Stopping at Int64's bounds was not
    /// enough: the canonical encoder refuses (traps on) anything beyond ±(2^53−1), so two
    /// signed reports of 2^53−1 mg to one account stopped the sequencer when it stored them.
    public func saturatingAdding(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        if overflow { return other > 0 ? JSONValue.maxSafeInteger : -JSONValue.maxSafeInteger }
        return Swift.min(Swift.max(sum, -JSONValue.maxSafeInteger), JSONValue.maxSafeInteger)
    }
}
