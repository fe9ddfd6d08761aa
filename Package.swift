// swift-tools-version:6.1
import PackageDescription

// Dependencies point one way: LedgerCore (pure: Log/ is what an exchange's verifier needs, Rules/
// what only the ledger does) <- LedgerStore (LMDB) <- CarbonLedger (service) <- CarbonLedgerServer
// (HTTP, Hummingbird) <- cledger (the CLI users run). Hummingbird stays out of the others. The
// demo city (LedgerDemo) and the developer tools (cledger-tools) sit beside the product: only the
// executables, the tests and the benchmarks import them.
let package = Package(
    name: "CarbonLedger",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "CarbonLedger", targets: ["LedgerCore", "LedgerStore", "CarbonLedger"]),
        .executable(name: "cledger", targets: ["cledger"]),
        // Developer and benchmark tools (stress-append, bench-proofs), built by Benchmarks/ and Tests/.
        .executable(name: "cledger-tools", targets: ["cledger-tools"]),
        // The demo city's generator, for the nested benchmark package.
        .library(name: "LedgerDemo", targets: ["LedgerDemo"]),
    ],
    // Jemalloc (default): `cledger` runs on jemalloc (Sources/CLISupport/Allocator.swift says why).
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
        // Hummingbird's own dependencies, named for the connection guard's channel handlers.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.24.0"),
    ],
    targets: [
        .systemLibrary(name: "CLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // The executables' allocator (Sources/CLISupport/Allocator.swift says why).
        .systemLibrary(name: "CJemalloc", pkgConfig: "jemalloc", providers: [.apt(["libjemalloc-dev"])]),
        .target(name: "LedgerCore", dependencies: ["COpenSSL"]),
        .target(name: "LedgerStore", dependencies: ["LedgerCore", "CLMDB"]),
        .target(name: "CarbonLedger", dependencies: ["LedgerCore", "LedgerStore"]),
        .target(name: "CarbonLedgerServer", dependencies: [
            "CarbonLedger", "LedgerStore", "LedgerCore",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "Logging", package: "swift-log"),
        ], resources: [.copy("Explorer")]),
        // A deterministic city of residents, platforms and a market: the demo, tests, benchmarks.
        .target(name: "LedgerDemo", dependencies: ["CarbonLedger", "LedgerStore", "LedgerCore"]),
        // What both executables share: the --dir option, user-facing errors, the allocator.
        .target(name: "CLISupport", dependencies: [
            "CarbonLedger", "LedgerStore",
            .target(name: "CJemalloc", condition: .when(traits: ["Jemalloc"])),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "cledger", dependencies: [
            "CarbonLedger", "LedgerStore", "LedgerCore", "CarbonLedgerServer", "LedgerDemo", "CLISupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "cledger-tools", dependencies: [
            "CarbonLedger", "LedgerStore", "LedgerCore", "LedgerDemo", "CLISupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Helpers shared by the test targets (temp dirs, a seeded PRNG, a naive RFC 6962 model).
        .target(name: "TestSupport", dependencies: ["LedgerCore", "LedgerStore", "CarbonLedger", "LedgerDemo"], path: "Tests/TestSupport"),
        .testTarget(name: "LedgerCoreTests", dependencies: ["LedgerCore", "LedgerDemo", "TestSupport"]),
        .testTarget(name: "CarbonLedgerTests", dependencies: ["CarbonLedger", "LedgerStore", "LedgerCore", "LedgerDemo", "TestSupport"]),
        // Runs the real `cledger` and `cledger-tools` binaries as a user or an auditor would (exit codes, output, SIGKILL).
        .testTarget(name: "CLITests", dependencies: ["cledger", "cledger-tools", "CarbonLedger", "LedgerStore", "LedgerCore", "LedgerDemo", "CLISupport", "TestSupport"]),
    ]
)
