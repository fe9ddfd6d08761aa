// swift-tools-version:6.1
import PackageDescription

// Dependencies point one way: LedgerCore (pure) <- LedgerStore (LMDB) <- CarbonLedger (service)
// <- CarbonLedgerServer (HTTP, Hummingbird) <- cledger (CLI). Hummingbird stays out of the others.
let package = Package(
    name: "CarbonLedger",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "CarbonLedger", targets: ["LedgerCore", "LedgerStore", "CarbonLedger"]),
        .executable(name: "cledger", targets: ["cledger"]),
    ],
    // Jemalloc (default): `cledger` runs on jemalloc (Sources/cledger/Allocator.swift says why).
    // Sanitizer builds turn it off, as jemalloc replaces the allocator the sanitizers intercept:
    // `swift test --sanitize=thread --disable-default-traits`.
    traits: [
        .trait(name: "Jemalloc", description: "Link the cledger executable against jemalloc."),
        .default(enabledTraits: ["Jemalloc"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // HTTP only in the server module, so the core modules keep building fast.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0", traits: []),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // The executable's allocator (see Sources/cledger/Allocator.swift for the measurement).
        .systemLibrary(name: "CJemalloc", pkgConfig: "jemalloc", providers: [.apt(["libjemalloc-dev"])]),
        .target(name: "LedgerCore", dependencies: ["COpenSSL"]),
        .target(name: "LedgerStore", dependencies: ["LedgerCore", "CLMDB"]),
        .target(name: "CarbonLedger", dependencies: ["LedgerCore", "LedgerStore"]),
        .target(name: "CarbonLedgerServer", dependencies: [
            "CarbonLedger", "LedgerStore", "LedgerCore",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ], resources: [.copy("Explorer")]),
        .executableTarget(name: "cledger", dependencies: [
            "CarbonLedger", "LedgerStore", "LedgerCore", "CarbonLedgerServer",
            .target(name: "CJemalloc", condition: .when(traits: ["Jemalloc"])),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Helpers shared by the test targets (temp dirs, a seeded PRNG, a naive RFC 6962 model).
        .target(name: "TestSupport", dependencies: ["LedgerCore", "LedgerStore", "CarbonLedger"], path: "Tests/TestSupport"),
        .testTarget(name: "LedgerCoreTests", dependencies: ["LedgerCore", "TestSupport"]),
        .testTarget(name: "CarbonLedgerTests", dependencies: ["CarbonLedger", "LedgerStore", "LedgerCore", "TestSupport"]),
        // Runs the real `cledger` binary as a user or an auditor would (exit codes, output, SIGKILL).
        .testTarget(name: "CLITests", dependencies: ["cledger", "CarbonLedger", "LedgerStore", "LedgerCore", "TestSupport"]),
    ]
)
