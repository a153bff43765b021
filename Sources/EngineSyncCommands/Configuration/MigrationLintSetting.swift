import ArgumentParser
import EngineSyncCore
import Foundation

/// `migration_lint` for the one-shot commands (`plan`, `sync`), which read no configuration file: the
/// `--migration-lint` option, else `ENGINESYNC_MIGRATION_LINT` as the daemon reads it, else `warn`.
enum MigrationLintSetting {
    static func resolve(
        option: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> MigrationLintMode {
        if let option {
            guard let mode = MigrationLintMode(rawValue: option.lowercased()) else {
                throw ValidationError("--migration-lint: expected warn or block, got \"\(option)\"")
            }
            return mode
        }
        let name = DaemonConfigurationLoader.environmentVariable(for: "migration_lint")
        guard let value = environment[name], !value.isEmpty else { return .warn }
        guard let mode = MigrationLintMode(rawValue: value.lowercased()) else {
            throw ValidationError("\(name): expected warn or block, got \"\(value)\"")
        }
        return mode
    }
}
