import EngineSyncTestSupport
import Foundation
import Testing

@Suite("The enginesync binary as a user runs it")
struct BinaryTests {
    @Test func versionAndHelp() throws {
        let version = try EngineSyncBinary.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
        let help = try EngineSyncBinary.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("USAGE: enginesync"))
    }

    /// Issue 13: one source option group for every command that reads a repository or a directory.
    @Test(arguments: [["validate"], ["plan"], ["sync"], ["status"], ["migrate", "status"], ["migrate", "up"]])
    func everyCommandTakesTheSameSourceOptions(command: [String]) throws {
        let help = try EngineSyncBinary.run(command + ["--help"])
        #expect(help.status == 0)
        let section = help.stdout.components(separatedBy: "SOURCE:").dropFirst().first ?? ""
        for option in ["--repo <path>", "--rev <rev>", "--dir <root>", "--dsl-path <path>", "--migrations-path <path>"]
        {
            #expect(section.contains(option), "\(command): \(option)")
        }
    }

    @Test func unknownCommandIsAUsageError() throws {
        let result = try EngineSyncBinary.run(["no-such-command"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("no-such-command"))
    }

    /// Issue 12 item 6: `0s` turns PostgreSQL's limit off, so it is a usage error (64) naming the flag, for the
    /// one-shot commands and for `run` (whose configuration failure stops it at start-up).
    @Test(arguments: [
        (["sync", "--dir", ".", "--lock-timeout", "0s"], "--lock-timeout must be at least 1ms"),
        (["plan", "--dir", ".", "--statement-timeout", "0s"], "--statement-timeout must be at least 1ms"),
        (["sync", "--dir", ".", "--lock-timeout", "1h"], "--lock-timeout must be at most 10m"),
        (["plan", "--dir", ".", "--statement-timeout", "2d"], "statement-timeout"),
        (["run", "--once", "--repo", "/nonexistent", "--lock-timeout", "0s"], "--lock-timeout: must be at least 1ms"),
        (
            ["run", "--once", "--repo", "/nonexistent", "--statement-timeout", "25h"],
            "--statement-timeout: must be at most 24h"
        ),
    ])
    func zeroOrAbsurdTimeoutsAreUsageErrors(arguments: [String], expected: String) throws {
        // An empty configuration file, so a machine's /etc/enginesync/enginesync.yaml plays no part.
        let config = FileManager.default.temporaryDirectory.appendingPathComponent(
            "enginesync-\(UUID().uuidString).yaml"
        ).path
        try "".write(toFile: config, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: config) }
        let result = try EngineSyncBinary.run(arguments, environment: ["ENGINESYNC_CONFIG": config])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains(expected), "\(result.stderr)")
    }

    /// `status` and `migrate` read the migrations only: a `--dsl-path` there would be silently ignored, so it is
    /// a usage error that says so (the option group is shared with the commands that read the DSL).
    @Test(arguments: [
        (["status", "--dir", ".", "--dsl-path", "schema"], "--dsl-path: status reads only the migrations"),
        (["migrate", "up", "--dir", ".", "--dsl-path", "schema"], "--dsl-path: migrate reads only the migrations"),
        (["migrate", "status", "--dir", ".", "--dsl-path", "schema"], "--dsl-path: migrate reads only the migrations"),
    ])
    func aDSLPathWhereNoDSLIsReadIsAUsageError(arguments: [String], expected: String) throws {
        let result = try EngineSyncBinary.run(arguments)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains(expected), "\(result.stderr)")
    }
}
