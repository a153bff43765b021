import EngineSyncDaemon
import Foundation
import TextAlgorithms
import Yams

/// Reads the `targets:` list of the configuration file (issue 17): a sequence of mappings with `name`, `database`,
/// an optional `after` and the per-target keys (`DaemonTarget.keys`), each value parsed by the same
/// `ConfigurationKey` row as the top-level key, on top of the top-level configuration. Every problem names the
/// file and the entry (`targets[1].after`), like every key; the fleet as a whole is checked too (unique names,
/// `after` naming another target, no cycle).
enum DaemonTargetSettings {
    /// The targets of the file's `targets:` key, built over `base` (the top-level configuration, loaded).
    /// `nil` when the file has no `targets:` key (or it is null).
    static func parse(
        _ text: String, origin: String, base: DaemonConfiguration, environment: [String: String],
        readsCredentials: Bool
    ) throws(DaemonConfigurationError) -> [DaemonTarget]? {
        guard let root = try? DaemonConfigurationLoader.composeYAML(text), let mapping = root.mapping,
            let node = mapping.first(where: { $0.key.string == "targets" })?.value
        else { return nil }
        if node.null != nil, node.scalar?.style == .plain { return nil }
        guard let sequence = node.sequence, !sequence.isEmpty else {
            throw DaemonConfigurationError(
                origin: origin, key: "targets",
                message: "expected a list of `- name: …` entries, each with its database")
        }
        var targets: [DaemonTarget] = []
        for (index, entry) in sequence.enumerated() {
            targets.append(
                try target(
                    entry, index: index, origin: origin, base: base, environment: environment,
                    readsCredentials: readsCredentials))
        }
        if let problem = DaemonTarget.fleetProblem(targets) {
            throw DaemonConfigurationError(
                origin: origin, key: "targets[\(problem.index)].\(problem.key)", message: problem.message)
        }
        return targets
    }

    private static func target(
        _ entry: Node, index: Int, origin: String, base: DaemonConfiguration, environment: [String: String],
        readsCredentials: Bool
    ) throws(DaemonConfigurationError) -> DaemonTarget {
        let entryKey = "targets[\(index)]"
        guard let fields = entry.mapping else {
            throw DaemonConfigurationError(
                origin: origin, key: entryKey, message: "expected a mapping with name, database and optional settings")
        }
        var values: [(name: String, value: String)] = []
        for (keyNode, valueNode) in fields {
            guard let name = keyNode.string else {
                throw DaemonConfigurationError(origin: origin, key: entryKey, message: "keys must be plain strings")
            }
            guard name == "name" || name == "after" || DaemonTarget.keys.contains(name) else {
                let shared = ConfigurationKey.names.contains(name) || ConfigurationKey.fileOnlyNames.contains(name)
                throw DaemonConfigurationError(
                    origin: origin, key: "\(entryKey).\(name)",
                    message: (shared
                        ? "not a per-target key: set it at the top level, for every target"
                        : "unknown key") + " (a target sets name, after, \(DaemonTarget.keys.joined(separator: ", ")))")
            }
            guard let value = valueNode.scalar?.string.trimmingWhitespace(), !value.isEmpty,
                valueNode.null == nil || valueNode.scalar?.style != .plain
            else {
                throw DaemonConfigurationError(
                    origin: origin, key: "\(entryKey).\(name)", message: "expected a single value")
            }
            values.append((name, value))
        }
        guard let name = values.first(where: { $0.name == "name" })?.value else {
            throw DaemonConfigurationError(origin: origin, key: "\(entryKey).name", message: "missing")
        }
        guard DaemonTarget.isValidName(name) else {
            throw DaemonConfigurationError(
                origin: origin, key: "\(entryKey).name",
                message: "expected letters, digits, \"-\" and \"_\" (at most 63, starting with a letter or digit), "
                    + "got \"\(name)\"")
        }
        guard values.contains(where: { $0.name == "database" }) else {
            throw DaemonConfigurationError(
                origin: origin, key: "\(entryKey).database",
                message: "missing: target \(name) needs its database (a libpq conninfo string or URI)")
        }
        var configuration = base
        configuration.targets = []
        configuration.targetName = name
        configuration.reportsDirectoryOverride = DaemonTarget.reportsDirectory(base.reportsDirectory, name: name)
        var after: String?
        for (key, value) in values where key != "name" {
            if key == "after" {
                after = value
                continue
            }
            if !readsCredentials, key == "database_password_file" {
                configuration.databasePasswordFile = ConfigurationKey.expandCredentialsDirectory(
                    value, environment: environment)
                configuration.databasePassword = nil
                continue
            }
            guard let row = ConfigurationKey.named(key) else { continue }
            if let problem = row.apply(value, &configuration, environment) {
                throw DaemonConfigurationError(origin: origin, key: "\(entryKey).\(key)", message: problem)
            }
        }
        return DaemonTarget(name: name, after: after, configuration: configuration)
    }
}
