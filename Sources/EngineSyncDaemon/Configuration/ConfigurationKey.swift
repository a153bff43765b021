import EngineSync
import EngineSyncCore
import Foundation
import Logging
import PostgresClient
import TextAlgorithms

/// One configuration key: its YAML name (from which `ENGINESYNC_<NAME>` and `--<name-with-dashes>` derive), how a
/// value becomes part of a `DaemonConfiguration`, and how the configuration shows it in the start-up log.
///
/// The loader (`DaemonConfigurationLoader`), the flags (`DaemonOptions`) and `redactedDescription` all read
/// `ConfigurationKey.all`, so a new key is one row here and one option in `DaemonOptions` (a test checks that the
/// two agree). Checks that involve several keys (exactly one of `repo` and `remote`; the ssh key and known_hosts
/// an ssh remote needs) stay in the loader.
package struct ConfigurationKey: Sendable {
    /// Sets `value` (trimmed, non-empty) on the configuration; returns the problem ("expected …, got …") when the
    /// value is not acceptable. `environment` expands `$CREDENTIALS_DIRECTORY` in credential paths.
    package typealias Apply =
        @Sendable (
            _ value: String, _ configuration: inout DaemonConfiguration,
            _ environment: [String: String]
        ) -> String?

    package let name: String
    package let apply: Apply
    /// The value as the start-up log shows it, secrets removed; `nil`: not shown (the source key not in use).
    package let describe: @Sendable (DaemonConfiguration) -> String?

    package var environmentVariable: String { "ENGINESYNC_" + name.uppercased() }
    package var flag: String { "--" + name.replacingText("_", with: "-") }

    /// Every key, in documentation order.
    package static let all: [ConfigurationKey] = [
        ConfigurationKey(
            name: "repo",
            apply: { value, configuration, _ in
                configuration.source = .repository(path: value)
                return nil
            }, describe: { $0.repositoryPath }),
        ConfigurationKey(
            name: "remote",
            apply: { value, configuration, _ in
                configuration.source = .remote(url: value)
                return nil
            },
            describe: { configuration in
                if case .remote(let url) = configuration.source { return DaemonConfiguration.redactedURL(url) }
                return nil
            }),
        ConfigurationKey(
            name: "ssh_key_file",
            apply: { value, configuration, environment in
                configuration.sshKeyFile = expandCredentialsDirectory(value, environment: environment)
                return nil
            }, describe: { $0.sshKeyFile ?? "off" }),
        ConfigurationKey(
            name: "ssh_known_hosts_file",
            apply: { value, configuration, environment in
                configuration.sshKnownHostsFileOverride = expandCredentialsDirectory(value, environment: environment)
                return nil
            }, describe: { $0.sshKnownHostsFile }),
        ConfigurationKey(
            name: "branch",
            apply: { value, configuration, _ in
                guard !value.contains(where: { $0.isWhitespace }), !value.hasPrefix("-") else {
                    return "expected a branch name, got \"\(value)\""
                }
                configuration.branch =
                    value.hasPrefix("refs/heads/") ? String(value.dropFirst("refs/heads/".count)) : value
                return nil
            }, describe: { $0.branch }),
        text("dsl_path", \.dslPath),
        text("migrations_path", \.migrationsPath),
        ConfigurationKey(
            name: "database",
            apply: { value, configuration, _ in
                if let problem = PostgresConfiguration(dsn: value).validateDSN() {
                    return "invalid connection string: \(problem)"
                }
                configuration.database = value
                return nil
            }, describe: { "\"\($0.postgres.redactedDSN)\"" }),
        ConfigurationKey(
            name: "database_password_file",
            apply: { value, configuration, environment in
                let path = expandCredentialsDirectory(value, environment: environment)
                guard let contents = FileManager.default.contents(atPath: path) else { return "cannot read \(path)" }
                guard let password = String(data: contents, encoding: .utf8)?.trimmingNewlines() else {
                    return "\(path) is not UTF-8 text"
                }
                configuration.databasePasswordFile = path
                // An empty file means "no password" (peer or certificate authentication), so the shipped unit's
                // LoadCredential= file may stay empty.
                configuration.databasePassword = password.isEmpty ? nil : password
                return nil
            }, describe: { $0.databasePasswordFile ?? "off" }),
        ConfigurationKey(
            name: "schema",
            apply: { value, configuration, _ in
                if let problem = ManagedSchemaName.problem(value) { return problem }
                configuration.schema = value
                return nil
            }, describe: { $0.schema }),
        text("state_dir", \.stateDirectory),
        ConfigurationKey(
            name: "reports_dir",
            apply: { value, configuration, _ in
                configuration.reportsDirectoryOverride = value
                return nil
            }, describe: { $0.reportsDirectory }),
        integer("report_retention", \.reportRetention, minimum: 1),
        ConfigurationKey(
            name: "poll_interval",
            apply: { value, configuration, _ in
                guard let duration = DurationText.parse(value) else { return durationExpected(value) }
                guard duration > .zero else { return "must be more than 0s" }
                configuration.pollIntervalOverride = duration
                return nil
            }, describe: { DurationText.format($0.pollInterval) }),
        duration("max_backoff", \.maxBackoff) { $0 >= .seconds(1) ? nil : "must be at least 1s" },
        duration("standby_poll_interval", \.standbyPollInterval) { $0 > .zero ? nil : "must be more than 0s" },
        duration("lock_timeout", \.lockTimeout, check: TimeoutLimits.lockTimeoutProblem),
        duration("statement_timeout", \.statementTimeout, check: TimeoutLimits.statementTimeoutProblem),
        integer("max_rewrite_rows", \.maxRewriteRows, minimum: 0),
        integer("concurrent_index_rows", \.concurrentIndexRows, minimum: 0),
        ConfigurationKey(
            name: "migration_lint",
            apply: { value, configuration, _ in
                guard let mode = MigrationLintMode(rawValue: value.lowercased()) else {
                    return "expected warn or block, got \"\(value)\""
                }
                configuration.migrationLint = mode
                return nil
            }, describe: { $0.migrationLint.rawValue }),
        ConfigurationKey(
            name: "max_file_bytes",
            apply: { value, configuration, _ in
                guard let bytes = parseByteSize(value), bytes > 0 else {
                    return "expected a size like \"1MiB\", \"512KiB\" or a number of bytes, got \"\(value)\""
                }
                configuration.maxFileBytes = bytes
                return nil
            }, describe: { String($0.maxFileBytes) }),
        boolean("refuse_non_fast_forward", \.refuseNonFastForward),
        boolean("require_snapshot", \.requireSnapshot),
        boolean("strict", \.strict),
        ConfigurationKey(
            name: "drift_interval",
            apply: { value, configuration, _ in
                if ["off", "0", "false", "no"].contains(value.lowercased()) {
                    configuration.driftInterval = nil
                    return nil
                }
                guard let duration = DurationText.parse(value) else { return durationExpected(value, orOff: true) }
                guard duration > .zero else { return "must be more than 0s, or off" }
                configuration.driftInterval = duration
                return nil
            }, describe: { $0.driftInterval.map(DurationText.format) ?? "off" }),
        boolean("self_heal", \.selfHeal),
        ConfigurationKey(
            name: "metrics_file",
            apply: { value, configuration, _ in
                configuration.metricsFile = ["off", "false", "no"].contains(value.lowercased()) ? nil : value
                return nil
            }, describe: { $0.metricsFile ?? "off" }),
        ConfigurationKey(
            name: "log_level",
            apply: { value, configuration, _ in
                guard let level = Logger.Level(rawValue: value.lowercased()) else {
                    return "expected one of trace, debug, info, notice, warning, error, critical, got \"\(value)\""
                }
                configuration.logLevel = level
                return nil
            }, describe: { "\($0.logLevel)" }),
        // Issue 15: the files are read and parsed here, so a malformed line stops start-up (and a reload); what
        // the keys need together (a signers file when required, the verifier tools) the loader checks after.
        boolean("require_signed_commits", \.trust.requireSignedCommits),
        signers("allowed_signers_file", \.trust.allowedSigners),
        signers("migration_approvers_file", \.trust.migrationApprovers),
        ConfigurationKey(
            name: "gpg_keyring_file",
            apply: { value, configuration, environment in
                let path = expandCredentialsDirectory(value, environment: environment)
                guard FileManager.default.isReadableFile(atPath: path) else { return "cannot read \(path)" }
                // gpgv looks a relative keyring name up in its home directory: keep the absolute path.
                configuration.trust.gpgKeyringFile = URL(fileURLWithPath: path).standardizedFileURL.path
                return nil
            }, describe: { $0.trust.gpgKeyringFile ?? "off" }),
        boolean("hooks_allow_invalid", \.hooksAllowInvalid),
        ConfigurationKey(
            name: "hooks_report_wait",
            apply: { value, configuration, _ in
                if ["off", "0", "false", "no"].contains(value.lowercased()) {
                    configuration.hooksReportWait = .zero
                    return nil
                }
                guard let duration = DurationText.parse(value) else { return durationExpected(value, orOff: true) }
                configuration.hooksReportWait = duration
                return nil
            }, describe: { DurationText.format($0.hooksReportWait) }),
        integer("max_parallel_targets", \.maxParallelTargets, minimum: 1),
    ]

    /// Keys the file alone may set (a list of mappings: no `ENGINESYNC_*` variable or flag): `notify`, read by
    /// `WebhookSettings`, and `targets` (issue 17), read by `DaemonTargetSettings`; shown by
    /// `redactedDescription` after the others.
    package static let fileOnlyNames = ["notify", "targets"]

    package static let names = all.map(\.name)

    package static func named(_ name: String) -> ConfigurationKey? { all.first { $0.name == name } }

    // MARK: - Kinds of value

    static func text(_ name: String, _ keyPath: any WritableKeyPath<DaemonConfiguration, String> & Sendable) -> Self {
        ConfigurationKey(
            name: name,
            apply: { value, configuration, _ in
                configuration[keyPath: keyPath] = value
                return nil
            }, describe: { $0[keyPath: keyPath] })
    }

    static func integer(
        _ name: String, _ keyPath: any WritableKeyPath<DaemonConfiguration, Int> & Sendable,
        minimum: Int
    ) -> Self {
        ConfigurationKey(
            name: name,
            apply: { value, configuration, _ in
                guard let parsed = Int(value.replacingText("_", with: "")), parsed >= minimum else {
                    return "expected a whole number of at least \(minimum), got \"\(value)\""
                }
                configuration[keyPath: keyPath] = parsed
                return nil
            }, describe: { String($0[keyPath: keyPath]) })
    }

    static func boolean(_ name: String, _ keyPath: any WritableKeyPath<DaemonConfiguration, Bool> & Sendable) -> Self {
        ConfigurationKey(
            name: name,
            apply: { value, configuration, _ in
                switch value.lowercased() {
                case "true", "yes", "on", "1": configuration[keyPath: keyPath] = true
                case "false", "no", "off", "0": configuration[keyPath: keyPath] = false
                default: return "expected true or false, got \"\(value)\""
                }
                return nil
            }, describe: { String($0[keyPath: keyPath]) })
    }

    /// An OpenSSH allowed_signers file, read and parsed when the configuration is loaded.
    static func signers(
        _ name: String,
        _ keyPath: any WritableKeyPath<DaemonConfiguration, AllowedSigners?> & Sendable
    ) -> Self {
        ConfigurationKey(
            name: name,
            apply: { value, configuration, environment in
                do throws(TrustSettings.FileProblem) {
                    configuration[keyPath: keyPath] = try TrustSettings.readSigners(
                        expandCredentialsDirectory(value, environment: environment))
                    return nil
                } catch {
                    return error.message
                }
            }, describe: { TrustSettings.describe($0[keyPath: keyPath]) })
    }

    /// A duration in the configuration's syntax (`DurationText`); `check` returns a problem with the value.
    static func duration(
        _ name: String, _ keyPath: any WritableKeyPath<DaemonConfiguration, Duration> & Sendable,
        check: @escaping @Sendable (Duration) -> String? = { _ in nil }
    ) -> Self {
        ConfigurationKey(
            name: name,
            apply: { value, configuration, _ in
                guard let duration = DurationText.parse(value) else { return durationExpected(value) }
                if let problem = check(duration) { return problem }
                configuration[keyPath: keyPath] = duration
                return nil
            }, describe: { DurationText.format($0[keyPath: keyPath]) })
    }

    static func durationExpected(_ value: String, orOff: Bool = false) -> String {
        "expected a duration like \"5s\"\(orOff ? " or \"off\"" : ""), got \"\(value)\""
    }

    /// `$CREDENTIALS_DIRECTORY/pgpass` or `${CREDENTIALS_DIRECTORY}/pgpass` (systemd's LoadCredential=).
    package static func expandCredentialsDirectory(_ path: String, environment: [String: String]) -> String {
        guard let directory = environment["CREDENTIALS_DIRECTORY"] else { return path }
        return path.replacingText("${CREDENTIALS_DIRECTORY}", with: directory)
            .replacingText("$CREDENTIALS_DIRECTORY", with: directory)
    }

    /// "1048576", "512KiB", "1MiB", "1GiB" (also "K", "M", "G", "KB", "MB": binary units either way).
    package static func parseByteSize(_ text: String) -> Int? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 15, let value = Int(digits) else { return nil }
        let unit = text.dropFirst(digits.count).trimmingWhitespace().lowercased()
        switch unit {
        case "", "b": return value
        case "k", "kb", "kib": return value * 1024
        case "m", "mb", "mib": return value * 1024 * 1024
        case "g", "gb", "gib": return value * 1024 * 1024 * 1024
        default: return nil
        }
    }
}

extension DaemonConfiguration {
    /// One line for the start-up log: every setting, secrets removed (the DSN through libpq's own notion of
    /// which keywords are secret, the password file only by path, a remote URL's credentials masked).
    package var redactedDescription: String {
        (ConfigurationKey.all.compactMap { key in key.describe(self).map { "\(key.name)=\($0)" } }
            + ["notify=[\(notify.map(\.redactedDescription).joined(separator: ", "))]"]
            + (targets.isEmpty ? [] : ["targets=[\(targets.map(\.redactedDescription).joined(separator: ", "))]"]))
            .joined(separator: " ")
    }
}
