// swift-tools-version: 6.2
// The resident memory any Swift daemon holds idle with the libraries enginesync must use (Debian's libpq and
// libgit2, the static Swift runtime), with no Foundation, FoundationEssentials or full Foundation: the floor under
// issue 14's idle-RSS goals. Not part of enginesync's build; `run.sh` builds and measures it (docs/BENCHMARKS.md).
import PackageDescription

let package = Package(
    name: "memory-floor",
    targets: [
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CLibGit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
        .target(name: "Idle"),
        .target(name: "PostgresProbe", dependencies: ["CLibPQ", "Idle"]),
        .target(name: "GitProbe", dependencies: ["CLibGit2", "Idle"]),
        .executableTarget(name: "bare", dependencies: ["Idle"]),
        .executableTarget(name: "pq", dependencies: ["Idle", "PostgresProbe"]),
        .executableTarget(name: "gitinit", dependencies: ["Idle", "CLibGit2"]),
        .executableTarget(name: "pqgit", dependencies: ["Idle", "PostgresProbe", "GitProbe"]),
        .executableTarget(name: "pqgit-essentials", dependencies: ["Idle", "PostgresProbe", "GitProbe"]),
        .executableTarget(name: "pqgit-foundation", dependencies: ["Idle", "PostgresProbe", "GitProbe"]),
    ]
)
