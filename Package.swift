// swift-tools-version: 6.1
import PackageDescription

/// abtop: live A/B comparison of LLMs behind one Databricks-style serving endpoint.
///
/// Dependencies point down only: `abtop` (composition root) → feature modules → `ABCore`.
/// `CCurl` and `CNcurses` are system libraries with header-only shims: ncurses is imported by one file
/// (`ABTUI/Terminal/NcursesTerminal.swift`), libcurl only in `ABEngine/Transport/`. Linux only: the transport uses epoll and eventfd
/// (`Sources/ABEngine/Transport/Platform+Linux.swift`), so no other platform is claimed.
let package = Package(
    name: "abtop",
    products: [
        .executable(name: "abtop", targets: ["abtop"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // SHA-256 and HMAC for AWS Signature V4, RS256 for Google service-account tokens (BoringSSL underneath).
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        .systemLibrary(name: "CCurl", path: "Sources/CCurl"),
        .systemLibrary(name: "CNcurses", path: "Sources/CNcurses"),
        // The fleet's shared state (Redis, over hiredis) and the PostgreSQL journal (libpq): Debian's own clients,
        // blocking, each used from threads of its own.
        .systemLibrary(name: "CHiredis", path: "Sources/CHiredis"),
        .systemLibrary(name: "CLibpq", path: "Sources/CLibpq"),
        .target(name: "ABCore"),
        .target(
            name: "ABProviders",
            dependencies: [
                "ABCore", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]),
        .target(name: "ABReport", dependencies: ["ABCore"]),
        .target(
            name: "ABStore",
            dependencies: ["ABCore", "CLibpq", .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "GRDBSQLite", package: "GRDB.swift")]
        ),
        // Replicas of `abtop serve` sharing configs, splits and rate limits through Redis: the one module that
        // touches hiredis.
        .target(
            name: "ABFleet",
            dependencies: ["ABCore", "ABServer", "CHiredis", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "ABEngine",
            dependencies: ["ABCore", "ABProviders", "CCurl"]
        ),
        .target(name: "ABTUI", dependencies: ["ABCore", "CNcurses"]),
        .target(
            name: "ABServer",
            dependencies: [
                "ABCore",
                "ABProviders",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "abtop",
            dependencies: [
                "ABCore",
                "ABEngine",
                "ABTUI",
                "ABProviders",
                "ABReport",
                "ABServer",
                "ABStore",
                "ABFleet",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "Benchmarks",
            dependencies: ["ABCore", "ABTUI", "ABEngine", "ABProviders"],
            path: "Benchmarks",
            exclude: ["scripts"]
        ),
        // Fuzz targets: built with `-sanitize=fuzzer -DFUZZING` by scripts/fuzz.sh; a plain build replays files.
        .executableTarget(name: "ABFuzz", dependencies: ["ABCore", "ABProviders", "ABReport"], path: "Tests/Fuzz",
                          exclude: ["Corpus"]),
        .testTarget(
            name: "ABCoreTests",
            // The Histogram package is the reference `DurationHistogram` is checked against; the config reader's
            // tests read configs with the standard providers (ABProviders).
            dependencies: ["ABCore", "ABProviders", .product(name: "Histogram", package: "hdrhistogram-swift")],
            exclude: ["Fixtures"]
        ),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(
            name: "ABServerTests",
            dependencies: ["ABServer", "ABCore", "TestSupport", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "ABTUITests", dependencies: ["ABTUI", "ABCore"], exclude: ["Golden"]),
        .testTarget(name: "ABProvidersTests", dependencies: ["ABProviders", "ABCore"], exclude: ["Fixtures"]),
        // The engine alone, against a scripted transport: no server, no sockets.
        .testTarget(name: "ABEngineTests", dependencies: ["ABEngine", "ABProviders", "ABCore"]),
        // The engine over real HTTP to the mock server (ABServer), as users run it.
        .testTarget(name: "EngineEndToEndTests",
                    dependencies: ["ABEngine", "ABProviders", "ABServer", "ABCore", "TestSupport"]),
        .testTarget(name: "abtopTests", dependencies: ["abtop", "ABCore", "ABEngine", "ABReport", "ABServer", "ABStore",
                                                     "TestSupport", .product(name: "GRDB", package: "GRDB.swift")],
                    exclude: ["Fixtures"]),
        .testTarget(name: "SystemLibrariesTests", dependencies: ["CCurl", "CNcurses"]),
        .testTarget(name: "ABStoreTests", dependencies: ["ABStore", "ABCore", "ABProviders"]),
        .testTarget(name: "ABReportTests", dependencies: ["ABReport", "ABCore"]),
        // The fleet's shared state against a real redis-server each test starts on loopback.
        .testTarget(name: "ABFleetTests", dependencies: ["ABFleet", "ABServer", "ABCore"]),
    ],
    swiftLanguageModes: [.v6]
)
