// swift-tools-version: 6.2
import PackageDescription

/// One settings list for every target (STYLE.md, rule 1). `NonisolatedNonsendingByDefault` is
/// deliberately off: async functions run where Swift 6.0 runs them, and that stays fixed.
/// CI sets `CI=true`, which turns every warning into an error.
let isCI = Context.environment["CI"] == "true"
let swiftSettings: [SwiftSetting] =
    [
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("InternalImportsByDefault"),
        .enableUpcomingFeature("MemberImportVisibility"),
    ] + (isCI ? [.treatAllWarnings(as: .error)] : [])

let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let nioPosix = Target.Dependency.product(name: "NIOPosix", package: "swift-nio")
/// NIOLockedValueBox, not Synchronization's Mutex: its futex is invisible to ThreadSanitizer on
/// Linux, so every access it guards would be reported as a race.
let locks = Target.Dependency.product(name: "NIOConcurrencyHelpers", package: "swift-nio")
let protobuf = Target.Dependency.product(name: "SwiftProtobuf", package: "swift-protobuf")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let lifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let metrics = Target.Dependency.product(name: "CoreMetrics", package: "swift-metrics")
let prometheus = Target.Dependency.product(name: "Prometheus", package: "swift-prometheus")

/// A daemon: a library with all its logic and a thin `@main` executable named `choros-<name>`.
func daemon(
    _ name: String,
    folder: String,
    extra: [Target.Dependency] = [],
    settings: [SwiftSetting] = []
) -> [Target] {
    [
        .target(
            name: "Choros\(name)",
            dependencies: [
                "ChorosCore", "ChorosClients", "ChorosWire", "ChorosProto", logging, lifecycle, metrics, locks,
            ]
                + extra,
            path: "Services/\(folder)/Choros\(name)",
            swiftSettings: swiftSettings + settings
        ),
        .executableTarget(
            name: "Choros\(name)Daemon",
            dependencies: [.target(name: "Choros\(name)"), "ChorosCore", "ChorosBuildVersion", argumentParser],
            path: "Services/\(folder)/Choros\(name)Daemon",
            swiftSettings: swiftSettings
        ),
    ]
}

let daemons: [(name: String, product: String)] = [
    ("Store", "choros-store"), ("Audit", "choros-audit"), ("Index", "choros-index"),
    ("Airlock", "choros-airlock"), ("Gateway", "choros-gateway"), ("HTTP", "choros-http"),
]

let package = Package(
    name: "Choros",
    platforms: [.macOS(.v15)],
    products: daemons.map { .executable(name: $0.product, targets: ["Choros\($0.name)Daemon"]) } + [
        .executable(name: "choros", targets: ["ChorosSupervisorCLI"]),
        .executable(name: "choros-admin", targets: ["ChorosAdminCLI"]),
        .executable(name: "choros-mcp", targets: ["ChorosMCPBridge"]),
        .executable(name: "choros-cockpit", targets: ["ChorosCockpitCLI"]),
        .executable(name: "choros-bench", targets: ["ChorosBenchmarks"]),
        .executable(name: "choros-fuzz", targets: ["ChorosFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk.git", from: "0.12.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        .target(
            name: "ChorosProto",
            dependencies: [protobuf],
            path: "Shared/ChorosProto",
            exclude: ["Generated/protos.sha256"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ChorosWire",
            dependencies: ["ChorosProto", nioCore, nioPosix, protobuf, logging, lifecycle, metrics, locks],
            path: "Shared/ChorosWire",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ChorosCore",
            dependencies: [
                "ChorosProto", "ChorosWire", "CSodium", logging, lifecycle, nioCore, nioPosix, argumentParser, protobuf,
                metrics, prometheus, locks,
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Shared/ChorosCore",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ChorosClients",
            dependencies: ["ChorosCore", "ChorosWire", "ChorosProto", protobuf, locks],
            path: "Shared/ChorosClients",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ChorosTesting",
            dependencies: [
                "ChorosCore", "ChorosClients", "ChorosWire", "ChorosProto", logging, lifecycle, nioPosix, protobuf,
                locks,
            ],
            path: "Shared/ChorosTesting",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ChorosAuth",
            dependencies: [
                "ChorosCore", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Shared/ChorosAuth",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ChorosPractitioner",
            dependencies: ["ChorosAuth", "ChorosCore", "ChorosClients", "ChorosWire", "ChorosProto", protobuf, locks],
            path: "Shared/ChorosPractitioner",
            swiftSettings: swiftSettings
        ),
        .systemLibrary(
            name: "CCmark",
            path: "Shared/CCmark",
            providers: [.apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"])]
        ),
        .plugin(name: "BuildVersion", capability: .buildTool(), path: "Plugins/BuildVersion"),
        // Only the executables' commands import it, so a new commit rebuilds them, not the tree.
        .target(name: "ChorosBuildVersion", path: "Shared/ChorosBuildVersion", plugins: ["BuildVersion"]),
        .systemLibrary(
            name: "CSodium",
            path: "Shared/CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        .systemLibrary(
            name: "CGit2",
            path: "Services/Store/CGit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"])]
        ),
    ]
        + daemon(
            "Store",
            folder: "Store",
            extra: ["CGit2", protobuf],
            settings: [.define("CHOROS_FAULT_INJECTION", .when(configuration: .debug))]
        )
        + daemon("Audit", folder: "Audit", extra: [.product(name: "GRDB", package: "GRDB.swift"), protobuf])
        + daemon("Index", folder: "Index", extra: [.product(name: "GRDB", package: "GRDB.swift"), protobuf])
        + daemon(
            "Airlock",
            folder: "Airlock",
            extra: [protobuf],
            settings: [.define("CHOROS_FAULT_INJECTION", .when(configuration: .debug))]
        )
        + daemon(
            "Gateway",
            folder: "Gateway",
            extra: [protobuf],
            // Crash points for the write-path tests exist only in debug builds.
            settings: [.define("CHOROS_FAULT_INJECTION", .when(configuration: .debug))]
        )
        + daemon(
            "HTTP",
            folder: "HTTP",
            extra: [
                "ChorosAuth", "ChorosMCP", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Crypto", package: "swift-crypto"), nioCore, protobuf,
            ]
        )
        + [
            .target(
                name: "ChorosSupervisor",
                dependencies: [
                    "ChorosCore", "ChorosWire", "ChorosProto", logging, lifecycle, nioCore, nioPosix, locks,
                    .product(name: "NIOHTTP1", package: "swift-nio"),
                    .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                ],
                path: "Services/Supervisor/ChorosSupervisor",
                swiftSettings: swiftSettings
            ),
            .executableTarget(
                name: "ChorosSupervisorCLI",
                dependencies: [
                    "ChorosSupervisor", "ChorosCore", "ChorosWire", "ChorosProto", "ChorosBuildVersion", argumentParser,
                    logging, protobuf,
                ],
                path: "Services/Supervisor/ChorosSupervisorCLI",
                swiftSettings: swiftSettings
            ),
            .executableTarget(
                name: "ChorosAdminCLI",
                dependencies: [
                    "ChorosAuth", "ChorosCore", "ChorosClients", "ChorosWire", "ChorosProto", "ChorosBuildVersion",
                    "ChorosPractitioner", argumentParser, protobuf,
                ],
                path: "Services/Admin/ChorosAdminCLI",
                swiftSettings: swiftSettings
            ),
            .target(
                name: "ChorosMCP",
                dependencies: [
                    "ChorosCore", "ChorosWire", "ChorosProto", logging, .product(name: "MCP", package: "swift-sdk"),
                ],
                path: "Shared/ChorosMCP",
                swiftSettings: swiftSettings
            ),
            .target(
                name: "ChorosCockpit",
                dependencies: [
                    "ChorosPractitioner", "ChorosAuth", "ChorosCore", "ChorosClients", "ChorosWire", "ChorosProto",
                    "CCmark", protobuf, logging, lifecycle, nioCore, locks,
                    .product(name: "Hummingbird", package: "hummingbird"),
                    .product(name: "HTTPTypes", package: "swift-http-types"),
                    .product(name: "Mustache", package: "swift-mustache"),
                    .product(name: "Crypto", package: "swift-crypto"),
                ],
                path: "Services/Cockpit/ChorosCockpit",
                swiftSettings: swiftSettings
            ),
            .executableTarget(
                name: "ChorosCockpitCLI",
                dependencies: [
                    "ChorosCockpit", "ChorosCore", "ChorosBuildVersion", argumentParser, logging, lifecycle,
                    .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                ],
                path: "Services/Cockpit/ChorosCockpitCLI",
                swiftSettings: swiftSettings
            ),
            .executableTarget(
                name: "ChorosMCPBridge",
                dependencies: ["ChorosMCP", "ChorosCore", "ChorosBuildVersion", argumentParser, logging],
                path: "Services/MCP/ChorosMCPBridge",
                swiftSettings: swiftSettings
            ),
            .executableTarget(
                name: "ChorosBenchmarks",
                dependencies: [
                    "ChorosWire", "ChorosProto", "ChorosCore", "ChorosClients", "ChorosStore", "ChorosAudit",
                    "ChorosAuth",
                    "ChorosIndex", "ChorosBuildVersion",
                    "ChorosTesting",
                    protobuf,
                    nioCore,
                    nioPosix,
                    argumentParser, logging, lifecycle,
                    .product(name: "NIOExtras", package: "swift-nio-extras"),
                ],
                path: "Benchmarks",
                swiftSettings: swiftSettings
            ),
            // The parsers' fuzz entry points (issue 20): libFuzzer drives choros-fuzz when
            // scripts/fuzz builds it with -sanitize=fuzzer; the tests replay the corpora.
            .target(
                name: "ChorosFuzzing",
                dependencies: [
                    "ChorosCore", "ChorosWire", "ChorosProto", "ChorosGateway", nioCore, protobuf,
                    .product(name: "NIOEmbedded", package: "swift-nio"),
                ],
                path: "Tests/Fuzz/ChorosFuzzing",
                swiftSettings: swiftSettings
            ),
            .executableTarget(
                name: "ChorosFuzz",
                dependencies: ["ChorosFuzzing", argumentParser],
                path: "Tests/Fuzz/ChorosFuzz",
                swiftSettings: swiftSettings
            ),
            .testTarget(
                name: "ChorosWireTests",
                dependencies: ["ChorosWire", "ChorosProto", "ChorosTesting", nioCore, nioPosix, logging, protobuf],
                swiftSettings: swiftSettings
            ),
            .testTarget(
                name: "ChorosCoreTests",
                dependencies: ["ChorosCore", "ChorosTesting", "ChorosWire", "ChorosProto", "ChorosFuzzing", logging],
                swiftSettings: swiftSettings
            ),
            .testTarget(
                name: "ChorosAuditTests",
                dependencies: [
                    "ChorosAudit", "ChorosClients", "ChorosCore", "ChorosTesting", "ChorosProto", protobuf,
                    .product(name: "GRDB", package: "GRDB.swift"),
                ],
                swiftSettings: swiftSettings
            ),
            .testTarget(
                name: "ChorosAirlockTests",
                dependencies: [
                    "ChorosAirlock", "ChorosClients", "ChorosTesting", "ChorosCore", "ChorosProto", protobuf,
                ],
                swiftSettings: swiftSettings
            ),
            .testTarget(
                name: "ChorosGatewayTests",
                dependencies: [
                    "ChorosGateway", "ChorosClients", "ChorosCore", "ChorosProto", "ChorosWire", "ChorosTesting",
                    protobuf,
                ],
                swiftSettings: swiftSettings
            ),
            .testTarget(
                name: "ChorosIndexTests",
                dependencies: [
                    "ChorosIndex", "ChorosClients", "ChorosTesting", "ChorosProto", protobuf,
                    .product(name: "GRDB", package: "GRDB.swift"),
                ],
                swiftSettings: swiftSettings
            ),
            .testTarget(
                name: "ChorosHTTPTests",
                dependencies: [
                    "ChorosHTTP", "ChorosAuth", "ChorosTesting", .product(name: "Hummingbird", package: "hummingbird"),
                ],
                swiftSettings: swiftSettings
            ),
            .testTarget(
                name: "ChorosCockpitTests",
                dependencies: [
                    "ChorosCockpit", "ChorosPractitioner", "ChorosCore", "ChorosTesting",
                    .product(name: "Hummingbird", package: "hummingbird"),
                    .product(name: "HummingbirdTesting", package: "hummingbird"),
                ],
                swiftSettings: swiftSettings
            ),
            .testTarget(
                name: "ChorosSupervisorTests",
                dependencies: ["ChorosSupervisor", "ChorosTesting"],
                swiftSettings: swiftSettings
            ),
            .testTarget(
                name: "IntegrationTests",
                dependencies: [
                    "ChorosCore", "ChorosClients", "ChorosWire", "ChorosProto", "ChorosTesting", "ChorosStore",
                    "ChorosAudit", "ChorosAirlock", "ChorosGateway",
                    protobuf,
                    .product(name: "GRDB", package: "GRDB.swift"),
                ],
                swiftSettings: swiftSettings
            ),
        ]
)
