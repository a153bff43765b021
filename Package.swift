// swift-tools-version: 6.2
// enginesync — keeps a PostgreSQL schema in step with a git repository of EngineJS DSL files.
//
// Modules follow the data (see docs/ARCHITECTURE.md):
//   CLibPQ, CLibGit2,
//   CLibPgQuery           C headers only
//   EngineSyncCore        pure: DSL compiler, schema model, planner, SQL fragments (no I/O, no C)
//   PostgresClient        the only owner of libpq handles
//   GitClient             the only owner of libgit2 handles
//   PgQuery               the only caller of libpg_query (PostgreSQL's own parser, for migration lint)
//   EngineSync            one reconcile: source, session, migrations, introspection, Safe Sync, reports
//   EngineSyncDaemon      the daemon: service loop, ref watcher, worker, systemd notifier, metrics
//   EngineSyncCommands    the CLI (composition root)
//   enginesync            a thin @main
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("ExistentialAny"),
]

// The enginesync binary (docs/BENCHMARKS.md, "Where issue 14 stands"):
// - allocates with jemalloc (Debian's libjemalloc2): glibc's malloc left a 1,000-model reconcile's freed memory
//   scattered between the objects the daemon keeps, where malloc_trim cannot return it (57 MiB anonymous for
//   19 MiB in use); jemalloc's size classes keep small objects of one size together and its purge returns the
//   rest (25 MiB). `FreeMemoryRelease` purges after each reconcile.
// - is linked by lld with packed relative relocations (DT_RELR; glibc 2.36, Debian 12) and without exporting its
//   own symbols: the loader reads an 18 kB relocation table instead of 2.3 MB and a 15 kB dynamic symbol table
//   instead of 1.4 MB (nothing looks the executable's symbols up; crash backtraces read the file's symbol table).
let daemonLinking: [LinkerSetting] = [
    .linkedLibrary("jemalloc", .when(platforms: [.linux])),
    .unsafeFlags(
        ["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs", "-Xlinker", "--no-export-dynamic"],
        .when(platforms: [.linux])),
]

let package = Package(
    name: "enginesync",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "enginesync", targets: ["enginesync"]),
        .library(name: "EngineSync", targets: ["EngineSync"]),
        .library(name: "EngineSyncCore", targets: ["EngineSyncCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CLibGit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
        // Debian's libpg-query-dev has no .pc file: the module map links `pg_query` by name.
        .systemLibrary(name: "CLibPgQuery", providers: [.apt(["libpg-query-dev"])]),
        .target(
            name: "EngineSyncCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .target(name: "PostgresClient", dependencies: ["CLibPQ"], swiftSettings: swiftSettings),
        .target(
            name: "GitClient",
            // Crypto: HMAC-SHA1 for hashed known_hosts entries.
            dependencies: ["CLibGit2", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .target(name: "PgQuery", dependencies: ["CLibPgQuery"], swiftSettings: swiftSettings),
        .target(
            name: "EngineSync",
            dependencies: [
                "EngineSyncCore", "PostgresClient", "GitClient", "PgQuery",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EngineSyncDaemon",
            dependencies: [
                "EngineSync", "EngineSyncCore", "PostgresClient", "GitClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EngineSyncCommands",
            dependencies: [
                "EngineSync", "EngineSyncDaemon", "EngineSyncCore", "PostgresClient", "GitClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "enginesync", dependencies: ["EngineSyncCommands"], swiftSettings: swiftSettings,
            linkerSettings: daemonLinking),
        .executableTarget(
            name: "enginesync-bench",
            dependencies: [
                "EngineSync", "EngineSyncCore", "EngineSyncDaemon", "PostgresClient",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/EngineSyncBench",
            swiftSettings: swiftSettings,
            // The daemon's allocator and linking, so that its memory figures are the daemon's.
            linkerSettings: daemonLinking
        ),
        .target(
            name: "EngineSyncTestSupport",
            dependencies: ["EngineSync", "EngineSyncCore", "PostgresClient", "GitClient"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EngineSyncCoreTests",
            dependencies: ["EngineSyncCore", "EngineSyncTestSupport"],
            exclude: ["Golden"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PostgresClientTests",
            dependencies: ["PostgresClient", "EngineSyncTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GitClientTests",
            dependencies: ["GitClient", "EngineSyncTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EngineSyncTests",
            dependencies: [
                "EngineSync", "EngineSyncDaemon", "EngineSyncCore", "PostgresClient", "GitClient", "PgQuery",
                "EngineSyncTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            // Read from the source tree (#filePath), not from a resource bundle.
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EngineSyncCommandsTests",
            dependencies: ["EngineSyncCommands", "EngineSyncCore", "EngineSyncTestSupport", "PostgresClient"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EngineSyncDaemonTests",
            dependencies: [
                "EngineSync", "EngineSyncDaemon", "EngineSyncCore", "EngineSyncCommands", "GitClient",
                "EngineSyncTestSupport", "PostgresClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
