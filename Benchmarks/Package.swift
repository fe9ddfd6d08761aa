// swift-tools-version:6.1
import PackageDescription

// Micro benchmarks (ordo-one/benchmark). Kept in this nested package so CI does not build them.
// Run: cd Benchmarks && swift package benchmark
let package = Package(
    name: "CarbonLedgerBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
        .package(name: "CarbonLedger", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "LedgerBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "CarbonLedger", package: "CarbonLedger"),
                .product(name: "LedgerDemo", package: "CarbonLedger"),
            ],
            path: "Benchmarks/LedgerBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
