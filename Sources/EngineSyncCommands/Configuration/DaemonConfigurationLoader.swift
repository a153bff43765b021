import EngineSyncCore
import Foundation
package import EngineSync
package import EngineSyncDaemon
import Logging
import PostgresClient
import Yams

/// Builds a `DaemonConfiguration` from the YAML file, `ENGINESYNC_<KEY>` environment variables and
/// command-line flags (flags > environment > file > built-in defaults; SPEC 8 "Configuration").
///
/// Hand-written over Yams rather than through swift-configuration: the daemon must refuse unknown keys
/// and name the key, its origin and the expected form in one line, and every value here is a scalar with
/// a bespoke syntax (durations, byte sizes, "off"), so the layering is a dictionary merge and the
/// validation is the real work. Unknown `ENGINESYNC_*` variables are ignored, not refused: the prefix is
/// shared with the test harness (`ENGINESYNC_TEST_*`) and wrappers. The loader reads files and the
/// given environment only; it holds no state.
package struct DaemonConfigurationLoader: Sendable {
    package static let defaultPath = "/etc/enginesync/enginesync.yaml"

    /// `--config`; `nil`: `ENGINESYNC_CONFIG`, else the default path, which may be absent.
    package var configPath: String?
    /// Flag values by configuration key (`poll_interval` → "10s"), as given on the command line.
    package var flags: [String: String]
    package var environment: [String: String]
    /// The file read when neither `--config` nor `ENGINESYNC_CONFIG` names one (tests point it elsewhere so a
    /// machine with enginesync installed does not leak its configuration into them).
    package var defaultConfigPath: String

    /// `environment` defaults to the process environment.
    package init(configPath: String? = nil, flags: [String: String] = [:],
                environment: [String: String]? = nil, defaultConfigPath: String = Self.defaultPath) {
        self.configPath = configPath
        self.flags = flags
        self.environment = environment ?? ProcessInfo.processInfo.environment
        self.defaultConfigPath = defaultConfigPath
    }

    /// Every key, in documentation order.
    package static let keys = [
        "repo", "remote", "ssh_key_file", "ssh_known_hosts_file", "branch", "dsl_path", "migrations_path", "database",
        "database_password_file", "schema",
        "state_dir", "reports_dir", "report_retention", "poll_interval", "max_backoff", "lock_timeout",
        "statement_timeout", "max_rewrite_rows", "concurrent_index_rows", "migration_lint", "max_file_bytes", "refuse_non_fast_forward",
        "require_snapshot", "strict", "drift_interval", "self_heal", "metrics_file", "log_level",
    ] + TrustSettingsBuilder.keys

    /// The environment variable for a key: `poll_interval` → `ENGINESYNC_POLL_INTERVAL`.
    package static func environmentVariable(for key: String) -> String { "ENGINESYNC_" + key.uppercased() }

    /// The flag for a key: `poll_interval` → `--poll-interval`.
    package static func flagName(for key: String) -> String { "--" + key.replacingOccurrences(of: "_", with: "-") }

    private struct Setting {
        var value: String?
        var origin: String
        var spelledKey: String
    }

    /// Loads, merges and validates; reads the password file. Throws the first problem found.
    package func load() throws(DaemonConfigurationError) -> DaemonConfiguration {
        var settings: [String: Setting] = [:]

        let explicitPath = configPath ?? environment["ENGINESYNC_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        let path = explicitPath ?? defaultConfigPath
        if FileManager.default.fileExists(atPath: path) {
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw DaemonConfigurationError(origin: path, key: "(file)", message: "cannot read: \(error.localizedDescription)")
            }
            for (key, value) in try Self.parseFile(text, origin: path) {
                settings[key] = Setting(value: value, origin: path, spelledKey: key)
            }
        } else if explicitPath != nil {
            throw DaemonConfigurationError(origin: path, key: "(file)", message: "no such file")
        }

        for key in Self.keys {
            let variable = Self.environmentVariable(for: key)
            if let value = environment[variable] {
                settings[key] = Setting(value: value.isEmpty ? nil : value, origin: "environment", spelledKey: variable)
            }
        }
        for (key, value) in flags {
            guard Self.keys.contains(key) else {
                throw DaemonConfigurationError(origin: "command line", key: Self.flagName(for: key), message: "unknown option")
            }
            settings[key] = Setting(value: value, origin: "command line", spelledKey: Self.flagName(for: key))
        }
        return try build(from: settings)
    }

    /// The top-level mapping of the YAML file as key → scalar text (`nil` for YAML null), refusing
    /// unknown keys, nested values and YAML syntax errors with the file and key named.
    static func parseFile(_ text: String, origin: String) throws(DaemonConfigurationError) -> [String: String?] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw DaemonConfigurationError(origin: origin, key: "(syntax)", message: syntaxMessage(error))
        }
        guard let root else { return [:] }  // an empty file (or only comments)
        guard let mapping = root.mapping else {
            throw DaemonConfigurationError(origin: origin, key: "(file)", message: "expected a mapping of keys to values")
        }
        var result: [String: String?] = [:]
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.string else {
                throw DaemonConfigurationError(origin: origin, key: "(file)", message: "keys must be plain strings")
            }
            guard keys.contains(key) else {
                let hint = closestKey(to: key).map { " (did you mean \($0)?)" } ?? ""
                throw DaemonConfigurationError(origin: origin, key: key, message: "unknown key\(hint)")
            }
            if valueNode.null != nil, valueNode.scalar?.style == .plain {
                result[key] = .some(nil)
            } else if let scalar = valueNode.scalar {
                result[key] = scalar.string
            } else {
                throw DaemonConfigurationError(origin: origin, key: key, message: "expected a single value, got a list or mapping")
            }
        }
        return result
    }

    /// A YAML error without any of the file's text: Yams's own descriptions quote the offending line (a
    /// scanner or parser error) or the whole file (a duplicate key), either of which may hold the database
    /// password. Only libyaml's fixed problem text, the position and known key names are kept.
    static func syntaxMessage(_ error: any Error) -> String {
        func position(_ mark: Mark) -> String { "line \(mark.line), column \(mark.column)" }
        guard let error = error as? YamlError else { return "not valid YAML" }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let while_ = context.map { " (\($0.text) at \(position($0.mark)))" } ?? ""
            return "not valid YAML at \(position(mark)): \(problem)\(while_)"
        case let .reader(problem, offset, _, _):
            return "not valid YAML" + (offset.map { " at byte \($0)" } ?? "") + ": \(problem)"
        case let .duplicatedKeysInMapping(duplicates, context):
            let named = duplicates.sorted().map { keys.contains($0) ? $0 : "(an unknown key)" }
            return "duplicate key \(named.joined(separator: ", ")) (the mapping at \(position(context.mark))); "
                + "set each key once"
        case .dataCouldNotBeDecoded:
            return "the file is not UTF-8 text"
        default:
            return "not valid YAML"
        }
    }

    static func closestKey(to key: String) -> String? {
        let normalized = key.lowercased().replacingOccurrences(of: "-", with: "_")
        if keys.contains(normalized) { return normalized }
        return keys.first { $0.hasPrefix(normalized) || normalized.hasPrefix($0) }
    }

    private func build(from settings: [String: Setting]) throws(DaemonConfigurationError) -> DaemonConfiguration {
        func fail(_ key: String, _ message: String) -> DaemonConfigurationError {
            let setting = settings[key]
            return DaemonConfigurationError(origin: setting?.origin ?? "", key: setting?.spelledKey ?? key, message: message)
        }
        func text(_ key: String) -> String? {
            guard let value = settings[key]?.value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            return value
        }
        func duration(_ key: String, allowOff: Bool = false) throws(DaemonConfigurationError) -> Duration?? {
            guard let value = text(key) else { return nil }
            if allowOff, ["off", "0", "false", "no"].contains(value.lowercased()) { return .some(nil) }
            guard let parsed = DurationText.parse(value) else {
                throw fail(key, "expected a duration like \"5s\"\(allowOff ? " or \"off\"" : ""), got \"\(value)\"")
            }
            return .some(parsed)
        }
        func integer(_ key: String, minimum: Int) throws(DaemonConfigurationError) -> Int? {
            guard let value = text(key) else { return nil }
            guard let parsed = Int(value.replacingOccurrences(of: "_", with: "")), parsed >= minimum else {
                throw fail(key, "expected a whole number of at least \(minimum), got \"\(value)\"")
            }
            return parsed
        }
        func boolean(_ key: String) throws(DaemonConfigurationError) -> Bool? {
            guard let value = text(key) else { return nil }
            switch value.lowercased() {
            case "true", "yes", "on", "1": return true
            case "false", "no", "off", "0": return false
            default: throw fail(key, "expected true or false, got \"\(value)\"")
            }
        }

        let repo = text("repo")
        let remote = text("remote")
        let source: DaemonConfiguration.Source
        switch (repo, remote) {
        case (let repo?, nil): source = .repository(path: repo)
        case (nil, let remote?): source = .remote(url: remote)
        case (.some, .some):
            throw fail("remote", "set exactly one of repo and remote (repo is also set, from \(settings["repo"]?.origin ?? "?"))")
        case (nil, nil):
            throw DaemonConfigurationError(origin: "", key: "repo", message:
                "missing: set repo (a local repository path) or remote (a URL) in the file, ENGINESYNC_REPO/ENGINESYNC_REMOTE or --repo/--remote")
        }
        var configuration = DaemonConfiguration(source: source)

        if let value = text("branch") {
            guard !value.contains(where: { $0.isWhitespace }), !value.hasPrefix("-") else {
                throw fail("branch", "expected a branch name, got \"\(value)\"")
            }
            configuration.branch = value.hasPrefix("refs/heads/") ? String(value.dropFirst("refs/heads/".count)) : value
        }
        if let value = text("dsl_path") { configuration.dslPath = value }
        if let value = text("migrations_path") { configuration.migrationsPath = value }
        if let value = text("schema") { configuration.schema = value }
        if let value = text("state_dir") { configuration.stateDirectory = value }
        if let value = text("reports_dir") { configuration.reportsDirectoryOverride = value }
        if let value = text("database") {
            if let problem = PostgresConfiguration(dsn: value).validateDSN() {
                throw fail("database", "invalid connection string: \(problem)")
            }
            configuration.database = value
        }
        if let value = text("database_password_file") {
            let path = Self.expandCredentialsDirectory(value, environment: environment)
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw fail("database_password_file", "cannot read \(path)")
            }
            guard let password = String(data: contents, encoding: .utf8)?.trimmingCharacters(in: .newlines) else {
                throw fail("database_password_file", "\(path) is not UTF-8 text")
            }
            configuration.databasePasswordFile = path
            // An empty file means "no password" (peer or certificate authentication), so the shipped unit's
            // LoadCredential= file may stay empty.
            configuration.databasePassword = password.isEmpty ? nil : password
        }
        try validateSSH(&configuration, text: text, fail: fail)
        if let value = try integer("report_retention", minimum: 1) { configuration.reportRetention = value }
        if let value = try duration("poll_interval") {
            guard let value, value > .zero else { throw fail("poll_interval", "must be more than 0s") }
            configuration.pollIntervalOverride = value
        }
        if let value = try duration("max_backoff") {
            guard let value, value >= .seconds(1) else { throw fail("max_backoff", "must be at least 1s") }
            configuration.maxBackoff = value
        }
        if let value = try duration("lock_timeout") {
            if let problem = TimeoutLimits.lockTimeoutProblem(value ?? .zero) { throw fail("lock_timeout", problem) }
            configuration.lockTimeout = value ?? .zero
        }
        if let value = try duration("statement_timeout") {
            if let problem = TimeoutLimits.statementTimeoutProblem(value ?? .zero) { throw fail("statement_timeout", problem) }
            configuration.statementTimeout = value ?? .zero
        }
        if let value = try integer("max_rewrite_rows", minimum: 0) { configuration.maxRewriteRows = value }
        if let value = try integer("concurrent_index_rows", minimum: 0) { configuration.concurrentIndexRows = value }
        if let value = text("migration_lint") {
            guard let mode = MigrationLintMode(rawValue: value.lowercased()) else {
                throw fail("migration_lint", "expected warn or block, got \"\(value)\"")
            }
            configuration.migrationLint = mode
        }
        if let value = text("max_file_bytes") {
            guard let bytes = Self.parseByteSize(value), bytes > 0 else {
                throw fail("max_file_bytes", "expected a size like \"1MiB\", \"512KiB\" or a number of bytes, got \"\(value)\"")
            }
            configuration.maxFileBytes = bytes
        }
        if let value = try boolean("refuse_non_fast_forward") { configuration.refuseNonFastForward = value }
        if let value = try boolean("require_snapshot") { configuration.requireSnapshot = value }
        if let value = try boolean("strict") { configuration.strict = value }
        if let value = try duration("drift_interval", allowOff: true) {
            if let value, value <= .zero { throw fail("drift_interval", "must be more than 0s, or off") }
            configuration.driftInterval = value
        }
        if let value = try boolean("self_heal") { configuration.selfHeal = value }
        if let value = text("metrics_file") {
            configuration.metricsFile = ["off", "false", "no"].contains(value.lowercased()) ? nil : value
        }
        if let value = text("log_level") {
            guard let level = Logger.Level(rawValue: value.lowercased()) else {
                throw fail("log_level", "expected one of trace, debug, info, notice, warning, error, critical, got \"\(value)\"")
            }
            configuration.logLevel = level
        }
        let requireSigned = try boolean("require_signed_commits") ?? false
        do throws(TrustSettingsBuilder.Problem) {
            configuration.trust = try TrustSettingsBuilder.build(
                require: requireSigned,
                allowedSignersFile: text("allowed_signers_file").map { Self.expandCredentialsDirectory($0, environment: environment) },
                approversFile: text("migration_approvers_file").map { Self.expandCredentialsDirectory($0, environment: environment) },
                keyringFile: text("gpg_keyring_file").map { Self.expandCredentialsDirectory($0, environment: environment) },
                environment: environment)
        } catch {
            throw fail(error.key, error.message)
        }
        return configuration
    }

    /// ssh_key_file and ssh_known_hosts_file: readable when set, and both required (known_hosts by its
    /// default path) when the remote is reached over ssh, so a missing key fails at start-up, not at the
    /// first fetch. Only paths are kept; the key itself is read by libssh2 at each fetch.
    private func validateSSH(_ configuration: inout DaemonConfiguration, text: (String) -> String?,
                             fail: (String, String) -> DaemonConfigurationError) throws(DaemonConfigurationError) {
        if let value = text("ssh_key_file") {
            configuration.sshKeyFile = Self.expandCredentialsDirectory(value, environment: environment)
        }
        if let value = text("ssh_known_hosts_file") {
            configuration.sshKnownHostsFileOverride = Self.expandCredentialsDirectory(value, environment: environment)
        }
        let ssh = configuration.usesSSH
        if let path = configuration.sshKeyFile {
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw fail("ssh_key_file", "cannot read \(path)")
            }
        } else if ssh {
            throw fail("ssh_key_file", "missing: the remote is an ssh URL; set ssh_key_file to the private key "
                + "(ENGINESYNC_SSH_KEY_FILE, --ssh-key-file)")
        }
        if ssh || configuration.sshKnownHostsFileOverride != nil {
            let path = configuration.sshKnownHostsFile
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw fail("ssh_known_hosts_file", "cannot read \(path)"
                    + (ssh ? " (the ssh remote's host key must be listed there, e.g. from ssh-keyscan)" : ""))
            }
        }
    }

    /// `$CREDENTIALS_DIRECTORY/pgpass` or `${CREDENTIALS_DIRECTORY}/pgpass` (systemd's LoadCredential=).
    static func expandCredentialsDirectory(_ path: String, environment: [String: String]) -> String {
        guard let directory = environment["CREDENTIALS_DIRECTORY"] else { return path }
        return path.replacingOccurrences(of: "${CREDENTIALS_DIRECTORY}", with: directory)
            .replacingOccurrences(of: "$CREDENTIALS_DIRECTORY", with: directory)
    }

    /// "1048576", "512KiB", "1MiB", "1GiB" (also "K", "M", "G", "KB", "MB": binary units either way).
    static func parseByteSize(_ text: String) -> Int? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 15, let value = Int(digits) else { return nil }
        let unit = text.dropFirst(digits.count).trimmingCharacters(in: .whitespaces).lowercased()
        switch unit {
        case "", "b": return value
        case "k", "kb", "kib": return value * 1024
        case "m", "mb", "mib": return value * 1024 * 1024
        case "g", "gb", "gib": return value * 1024 * 1024 * 1024
        default: return nil
        }
    }
}
