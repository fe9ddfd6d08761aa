import ArgumentParser

/// The developer and benchmark tools, apart from `cledger` so that its help lists only what
/// users run. `Benchmarks/` and `Tests/` build and call it.
@main
struct CLedgerTools: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cledger-tools",
        abstract: "CarbonLedger's developer tools: generated load for crash tests and benchmarks, proof and restart timings.",
        discussion: "Not for production ledgers: stress-append signs and appends generated submissions. Users run `cledger`.",
        subcommands: [StressAppend.self, BenchProofs.self, RestartTime.self, RulesJSON.self])
}
