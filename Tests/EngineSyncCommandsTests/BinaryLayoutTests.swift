import EngineSyncTestSupport
import Foundation
import Testing

/// How the `enginesync` executable is linked, which the idle daemon's memory depends on (docs/BENCHMARKS.md,
/// "The daemon's code, placed by use"): a broken flag in `Package.swift` changes no behaviour, only this.
@Suite("the enginesync binary's layout")
struct BinaryLayoutTests {
    /// `linking/enginesync.order`, from the repository root.
    static var orderFile: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("linking/enginesync.order").path
    }

    /// The executable's function symbols in address order (`nm -n`, binutils).
    static func functionSymbols(of binary: String) throws -> [String] {
        try ShortLivedTool.run("/usr/bin/env", ["nm", "-n", "--defined-only", binary]).split(separator: "\n")
            .compactMap { line in
                let parts = line.split(separator: " ", maxSplits: 2)
                guard parts.count == 3, parts[1] == "t" || parts[1] == "T" else { return nil }
                return String(parts[2])
            }
    }

    @Test func theFunctionsTheDaemonRunsArePlacedFirst() throws {
        let ordered = Set(
            try String(contentsOfFile: Self.orderFile, encoding: .utf8).split(separator: "\n")
                .filter { !$0.hasPrefix("#") }.map(String.init))
        #expect(ordered.count > 1000, "linking/enginesync.order lists \(ordered.count) functions")

        let symbols = try Self.functionSymbols(of: EngineSyncBinary.path)
        let positions = symbols.indices.filter { ordered.contains(symbols[$0]) }
        // Debug builds name fewer of them (no specialisations), but still hundreds.
        #expect(positions.count > 500, "the binary defines \(positions.count) of the order file's functions")
        // Placed by lld, they sit in the first part of the code; left where they are, they would be spread over all
        // of it, their median in the middle.
        let median = positions.isEmpty ? symbols.count : positions[positions.count / 2]
        let share = Double(median) / Double(max(symbols.count, 1))
        #expect(share < 0.3, "the median ordered function is at \(Int(share * 100)) % of the code")
    }

    @Test func jemallocFindsTheBinarysSettings() throws {
        // Sources/JemallocSettings: jemalloc's statistics, printed at exit, show the settings it runs with.
        let allocator = try EngineSyncBinary.run(["--version"], environment: ["MALLOC_CONF": "stats_print:true"])
        #expect(allocator.status == 0)
        #expect(allocator.stderr.contains("opt.narenas: 1"), "\(allocator.stderr.prefix(2000))")
        #expect(allocator.stderr.contains("opt.tcache_max: 1024"), "\(allocator.stderr.prefix(2000))")
    }
}
