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
        #expect(allocator.stderr.contains("opt.lg_tcache_nslots_mul: -3"), "\(allocator.stderr.prefix(2000))")
    }

    /// The daemon's modules trim, search and replace text with `TextAlgorithms`: Foundation's `StringProtocol`
    /// methods of those names go through `NSString` and CoreFoundation, whose Unicode tables then stay resident
    /// (docs/BENCHMARKS.md). `String.contains(someString)` picks Foundation's silently, so the executable's code is
    /// checked: no function of the daemon's modules calls them.
    @Test func theDaemonsModulesSearchNoTextThroughNSString() throws {
        let foundationTextMethods =
            #"\$sSy10FoundationE(8contains|5range2of|17trimmingCharacters|20replacingOccurrences|10components11separatedBy)"#
        let daemonModules =
            #"\$s(10EngineSync|14EngineSyncCore|16EngineSyncDaemon|18EngineSyncCommands|9GitClient|14PostgresClient|14TextAlgorithms)"#
        // objdump's lines: `ADDRESS <symbol>:` opens a function, `ADDRESS:<tab>call ADDRESS <symbol>` calls one.
        let callers = try ShortLivedTool.run(
            "/bin/sh",
            [
                "-c",
                #"objdump -d --no-show-raw-insn "$1" | awk -v callee="$2" -v caller="$3" '"#
                    + #"/^[0-9a-f]+ <.*>:$/ { function_name = $2 } $0 ~ ("call.*<" callee) && function_name ~ ("^<" caller) "#
                    + #"{ print function_name }' | sort -u"#,
                "sh", try EngineSyncBinary.path, foundationTextMethods, daemonModules,
            ])
        #expect(callers.isEmpty, "these call Foundation's text methods (use TextAlgorithms): \(callers)")

        // The check sees such calls where they are: Yams (not the daemon's, kept for its configuration) makes some.
        let yams = try ShortLivedTool.run(
            "/bin/sh",
            [
                "-c",
                #"objdump -d --no-show-raw-insn "$1" | awk -v callee="$2" '"#
                    + #"/^[0-9a-f]+ <.*>:$/ { function_name = $2 } $0 ~ ("call.*<" callee) { print function_name }' | sort -u"#,
                "sh", try EngineSyncBinary.path, foundationTextMethods,
            ])
        #expect(yams.contains("4Yams"), "\(yams.prefix(2000))")
    }

    /// libcurl (webhooks) is loaded when the first event is sent, and libpg_query (migration lint) at the first
    /// parse, not at start-up: the executable links neither, nor FoundationNetworking, which would link libcurl
    /// (docs/BENCHMARKS.md: what the daemon without `notify:` or pending migrations need not map).
    /// `WebhookClientTests` sends through libcurl; `ValidateLintCommandTests` lints through this binary's libpg_query.
    @Test func theBinaryLinksNeitherLibcurlNorLibpgQuery() throws {
        let dynamic = try ShortLivedTool.run("/usr/bin/env", ["readelf", "-d", try EngineSyncBinary.path])
        let needed = dynamic.split(separator: "\n").filter { $0.contains("(NEEDED)") }
        #expect(needed.contains { $0.contains("libpq.so") }, "\(needed)")
        #expect(
            !needed.contains {
                $0.contains("libcurl") || $0.contains("FoundationNetworking") || $0.contains("pg_query")
            },
            "\(needed)")
    }

    /// `git_libgit2_init` initialises libssh2, whose OpenSSL backend would load every built-in OpenSSL ENGINE
    /// (1.5 MiB of libcrypto resident for the process's life); GitClient initialises libssh2 without its crypto
    /// set-up first (`Sources/CLibGit2/shim.h`). A preloaded library stands in for OpenSSL's
    /// `ENGINE_load_builtin_engines` and says when it is called, while `validate` reads a repository through libgit2.
    @Test func readingARepositoryLoadsNoOpenSSLEngines() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("enginesync-engines-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appendingPathComponent("engines.c").path
        let library = directory.appendingPathComponent("engines.so").path
        try #"""
        #include <unistd.h>
        void ENGINE_load_builtin_engines(void) { write(2, "ENGINE_load_builtin_engines\n", 28); }
        """#.write(toFile: source, atomically: true, encoding: .utf8)
        try ShortLivedTool.run("/usr/bin/env", ["cc", "-shared", "-fPIC", "-o", library, source])

        let repository = try ScratchRepository()
        try repository.commit(["dsl/models/user.json": #"{"fields": {"email": {"type": "string"}}}"#])
        let validate = try EngineSyncBinary.run(
            ["validate", "--repo", repository.path, "--rev", "main"], environment: ["LD_PRELOAD": library])
        #expect(validate.status == 0, "\(validate.stderr)")
        #expect(!validate.stderr.contains("ENGINE_load_builtin_engines"), "\(validate.stderr)")

        // The stand-in is seen when something does call it: libssh2 initialised the way libgit2 alone does.
        let probe = directory.appendingPathComponent("probe.c").path
        let probeBinary = directory.appendingPathComponent("probe").path
        try #"""
        #include <libssh2.h>
        int main(void) { return libssh2_init(0); }
        """#.write(toFile: probe, atomically: true, encoding: .utf8)
        try ShortLivedTool.run("/usr/bin/env", ["cc", "-o", probeBinary, probe, "-lssh2"])
        let control = try ShortLivedTool.run("/usr/bin/env", ["LD_PRELOAD=\(library)", probeBinary])
        #expect(control.contains("ENGINE_load_builtin_engines"), "\(control)")
    }
}
