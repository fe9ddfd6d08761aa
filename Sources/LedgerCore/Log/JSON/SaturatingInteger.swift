extension Int64 {
    /// `self + other`, stopping at Int64's bounds instead of trapping: counters that many events
    /// add to (a month's market value, a sponsor's pledges) must not let valid events stop the
    /// ledger or a query.
    public func saturatingAdding(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}
