import ArgumentParser
import EngineSyncCore
import EngineSyncDaemon
import Foundation
import Testing

@testable import EngineSync
@testable import EngineSyncCommands

/// `migration_lint` (issue 18) like every other key: file, `ENGINESYNC_MIGRATION_LINT`, `--migration-lint`, a bad
/// value named with its spelling; and the one-shot commands' option with the same variable.
@Suite struct MigrationLintConfigurationTests {
    func load(_ yaml: String, env: [String: String] = [:], flags: [String: String] = [:]) throws -> DaemonConfiguration
    {
        let directory = NSTemporaryDirectory() + "enginesync-config-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/enginesync.yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try DaemonConfigurationLoader(configPath: path, flags: flags, environment: env).load()
    }

    @Test func defaultIsWarnAndEachLayerSetsIt() throws {
        #expect(try load("repo: /a\n").migrationLint == .warn)
        #expect(try load("repo: /a\nmigration_lint: block\n").migrationLint == .block)
        #expect(
            try load("repo: /a\nmigration_lint: block\n", env: ["ENGINESYNC_MIGRATION_LINT": "warn"]).migrationLint
                == .warn)
        #expect(
            try load("repo: /a\n", env: ["ENGINESYNC_MIGRATION_LINT": "warn"], flags: ["migration_lint": "BLOCK"])
                .migrationLint == .block)
        let configuration = try load("repo: /a\nmigration_lint: block\n")
        #expect(configuration.reconcilerOptions.migrationLint == .block)
        #expect(configuration.redactedDescription.contains("migration_lint=block"))
    }

    @Test(arguments: [
        (
            "migration_lint: strict\n", [String: String](), [String: String](),
            "migration_lint: expected warn or block, got \"strict\""
        ),
        (
            "", ["ENGINESYNC_MIGRATION_LINT": "yes"], [:],
            "ENGINESYNC_MIGRATION_LINT: expected warn or block, got \"yes\""
        ),
        ("", [:], ["migration_lint": "no"], "--migration-lint: expected warn or block, got \"no\""),
    ])
    func badValueNamesItsSpelling(yaml: String, env: [String: String], flags: [String: String], expected: String) throws
    {
        do {
            _ = try load("repo: /a\n" + yaml, env: env, flags: flags)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".hasSuffix(expected), "\(error)")
        }
    }

    @Test func oneShotCommandsReadTheOptionThenTheEnvironment() throws {
        #expect(try MigrationLintSetting.resolve(option: nil, environment: [:]) == .warn)
        #expect(
            try MigrationLintSetting.resolve(option: nil, environment: ["ENGINESYNC_MIGRATION_LINT": "block"]) == .block
        )
        #expect(
            try MigrationLintSetting.resolve(option: "warn", environment: ["ENGINESYNC_MIGRATION_LINT": "block"])
                == .warn)
        #expect(throws: ValidationError.self) { try MigrationLintSetting.resolve(option: "loud", environment: [:]) }
    }
}
