import ArgumentParser
import EngineSync
import EngineSyncDaemon
import Foundation

/// `--target NAME` / `--all-targets` of `status`, `plan`, `sync` and `migrate` (issue 17): the targets of the
/// daemon's configuration file (`--config`, else `ENGINESYNC_CONFIG`, else the default file), each with the
/// whole configuration its reconciler uses. A file that cannot be loaded, has no `targets:`, or does not list
/// the name is a usage error (exit 64), like a bad option.
enum ConfiguredTargets {
    /// The configuration and the selected targets: `name`'s, or every target when `name` is `nil`.
    static func select(
        _ name: String?, config: String?, defaultConfigPath: String = DaemonConfigurationLoader.defaultPath
    ) throws -> (configuration: DaemonConfiguration, targets: [DaemonTarget]) {
        let loader = DaemonConfigurationLoader(configPath: config, defaultConfigPath: defaultConfigPath)
        let path =
            config ?? loader.environment["ENGINESYNC_CONFIG"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultConfigPath
        let configuration: DaemonConfiguration
        do {
            configuration = try loader.load()
        } catch {
            throw CommandFailure(message: "configuration: \(error)", exitCode: ExitCode(64))
        }
        guard !configuration.targets.isEmpty else {
            throw CommandFailure(
                message: "configuration: \(path) lists no targets (targets:), so --target and --all-targets "
                    + "have nothing to select", exitCode: ExitCode(64))
        }
        guard let name else { return (configuration, configuration.targets) }
        guard let target = configuration.target(named: name) else {
            throw CommandFailure(
                message: "unknown target \"\(name)\": the targets in \(path) are "
                    + configuration.targets.map(\.name).joined(separator: ", "),
                exitCode: ExitCode(64))
        }
        return (configuration, [target])
    }

    /// The repository a target's commands read: the local repository, or the daemon's mirror of a remote.
    static func repository(of configuration: DaemonConfiguration) -> String {
        configuration.repositoryPath ?? configuration.mirrorPath
    }

    /// A one-line heading before each target's output of an `--all-targets` command in text form.
    static func heading(_ target: DaemonTarget) -> String {
        "== target \(target.name) (\(DatabaseTarget(target.configuration.postgres).redactedDSN)) =="
    }
}
