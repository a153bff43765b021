import EngineSync
import EngineSyncCore
package import EngineSyncDaemon
import Foundation
import Logging
import TextAlgorithms
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
    /// `false` for the git hooks, which run as the pushing user (issue 16): the database password file, the ssh
    /// key and webhook secrets are neither read nor checked, so the hooks need no credentials.
    package var readsCredentials = true

    /// `environment` defaults to the process environment.
    package init(
        configPath: String? = nil, flags: [String: String] = [:],
        environment: [String: String]? = nil, defaultConfigPath: String = Self.defaultPath
    ) {
        self.configPath = configPath
        self.flags = flags
        self.environment = environment ?? ProcessInfo.processInfo.environment
        self.defaultConfigPath = defaultConfigPath
    }

    /// Every key, in documentation order (`ConfigurationKey.all`).
    package static var keys: [String] { ConfigurationKey.names }

    /// The environment variable for a key: `poll_interval` → `ENGINESYNC_POLL_INTERVAL`.
    package static func environmentVariable(for key: String) -> String { "ENGINESYNC_" + key.uppercased() }

    /// The flag for a key: `poll_interval` → `--poll-interval`.
    package static func flagName(for key: String) -> String { "--" + key.replacingText("_", with: "-") }

    private struct Setting {
        var value: String?
        var origin: String
        var spelledKey: String
    }

    /// Loads, merges and validates; reads the password file. Throws the first problem found.
    package func load() throws(DaemonConfigurationError) -> DaemonConfiguration {
        var settings: [String: Setting] = [:]
        var webhooks: [Webhook] = []
        var fileText: String?

        let explicitPath = configPath ?? environment["ENGINESYNC_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        let path = explicitPath ?? defaultConfigPath
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard !isDirectory.boolValue else {
                throw DaemonConfigurationError(
                    origin: path, key: "(file)", message: "is a directory; give the configuration file itself")
            }
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                let reason =
                    FileManager.default.isReadableFile(atPath: path)
                    ? "not UTF-8 text, or not a regular file" : "permission denied"
                throw DaemonConfigurationError(origin: path, key: "(file)", message: "cannot read: \(reason)")
            }
            for (key, value) in try Self.parseFile(text, origin: path) {
                settings[key] = Setting(value: value, origin: path, spelledKey: key)
            }
            webhooks = try WebhookSettings.parse(text, origin: path)
            fileText = text
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
                throw DaemonConfigurationError(
                    origin: "command line", key: Self.flagName(for: key), message: "unknown option")
            }
            settings[key] = Setting(value: value, origin: "command line", spelledKey: Self.flagName(for: key))
        }
        var configuration = try build(from: settings)
        configuration.notify =
            readsCredentials
            ? try WebhookSettings.readSecrets(webhooks, origin: path, environment: environment) : webhooks
        if let fileText,
            let targets = try DaemonTargetSettings.parse(
                fileText, origin: path, base: configuration, environment: environment,
                readsCredentials: readsCredentials)
        {
            if configuration.database != nil, let setting = settings["database"] {
                // One database per target: a top-level one would be a target without a name, reconciled by nobody.
                throw DaemonConfigurationError(
                    origin: setting.origin, key: setting.spelledKey,
                    message: "with targets, each target names its database; remove the top-level database")
            }
            configuration.targets = targets
        }
        return configuration
    }

    /// The YAML node tree of `text`, with Yams's basic resolver: every scalar stays text (the loader parses each
    /// value itself, and `Node.null` looks at the text, not at a resolved tag). The default resolver would compile
    /// seven regular expressions with ICU on first use, for tags nothing here reads, and leave ~2 MiB of ICU code
    /// and data resident in the daemon (docs/BENCHMARKS.md).
    static func composeYAML(_ text: String) throws -> Node? {
        try Yams.compose(yaml: text, .basic)
    }

    /// The top-level mapping of the YAML file as key → scalar text (`nil` for YAML null), refusing
    /// unknown keys, nested values and YAML syntax errors with the file and key named.
    static func parseFile(_ text: String, origin: String) throws(DaemonConfigurationError) -> [String: String?] {
        let root: Node?
        do {
            root = try composeYAML(text)
        } catch {
            throw DaemonConfigurationError(origin: origin, key: "(syntax)", message: syntaxMessage(error))
        }
        guard let root else { return [:] }  // an empty file (or only comments)
        guard let mapping = root.mapping else {
            throw DaemonConfigurationError(
                origin: origin, key: "(file)", message: "expected a mapping of keys to values")
        }
        var result: [String: String?] = [:]
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.string else {
                throw DaemonConfigurationError(origin: origin, key: "(file)", message: "keys must be plain strings")
            }
            if ConfigurationKey.fileOnlyNames.contains(key) { continue }  // read by WebhookSettings
            guard keys.contains(key) else {
                let hint = closestKey(to: key).map { " (did you mean \($0)?)" } ?? ""
                throw DaemonConfigurationError(origin: origin, key: key, message: "unknown key\(hint)")
            }
            if valueNode.null != nil, valueNode.scalar?.style == .plain {
                result[key] = .some(nil)
            } else if let scalar = valueNode.scalar {
                result[key] = scalar.string
            } else {
                throw DaemonConfigurationError(
                    origin: origin, key: key, message: "expected a single value, got a list or mapping")
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
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let during = context.map { " (\($0.text) at \(position($0.mark)))" } ?? ""
            return "not valid YAML at \(position(mark)): \(problem)\(during)"
        case .reader(let problem, let offset, _, _):
            return "not valid YAML" + (offset.map { " at byte \($0)" } ?? "") + ": \(problem)"
        case .duplicatedKeysInMapping(let duplicates, let context):
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
        let normalized = key.lowercased().replacingText("-", with: "_")
        if keys.contains(normalized) { return normalized }
        return keys.first { $0.hasPrefix(normalized) || normalized.hasPrefix($0) }
    }

    private func build(from settings: [String: Setting]) throws(DaemonConfigurationError) -> DaemonConfiguration {
        func fail(_ key: String, _ message: String) -> DaemonConfigurationError {
            let setting = settings[key]
            return DaemonConfigurationError(
                origin: setting?.origin ?? "", key: setting?.spelledKey ?? key, message: message)
        }
        func text(_ key: String) -> String? {
            guard let value = settings[key]?.value?.trimmingWhitespace(), !value.isEmpty else {
                return nil
            }
            return value
        }

        let repo = text("repo")
        let remote = text("remote")
        let source: DaemonConfiguration.Source
        switch (repo, remote) {
        case (let repo?, nil): source = .repository(path: repo)
        case (nil, let remote?): source = .remote(url: remote)
        case (.some, .some):
            throw fail(
                "remote",
                "set exactly one of repo and remote (repo is also set, from \(settings["repo"]?.origin ?? "?"))")
        case (nil, nil):
            throw DaemonConfigurationError(
                origin: "", key: "repo",
                message:
                    "missing: set repo (a local repository path) or remote (a URL) in the file, ENGINESYNC_REPO/ENGINESYNC_REMOTE or --repo/--remote"
            )
        }
        var configuration = DaemonConfiguration(source: source)
        for key in ConfigurationKey.all where key.name != "repo" && key.name != "remote" {
            guard let value = text(key.name) else { continue }
            if !readsCredentials, key.name == "database_password_file" {
                // The hooks keep the path only: the pushing user may not read the password (issue 16).
                configuration.databasePasswordFile = ConfigurationKey.expandCredentialsDirectory(
                    value, environment: environment)
                continue
            }
            if let problem = key.apply(value, &configuration, environment) { throw fail(key.name, problem) }
        }
        if readsCredentials { try validateSSH(configuration, fail: fail) }
        do throws(TrustSettingsBuilder.Problem) {
            // The trust keys were read one by one (`ConfigurationKey`); what they need together is checked here.
            try TrustSettingsBuilder.complete(&configuration.trust, environment: environment)
        } catch {
            throw fail(error.key, error.message)
        }
        return configuration
    }

    /// ssh_key_file and ssh_known_hosts_file: readable when set, and both required (known_hosts by its
    /// default path) when the remote is reached over ssh, so a missing key fails at start-up, not at the
    /// first fetch. Only paths are kept; the key itself is read by libssh2 at each fetch.
    private func validateSSH(
        _ configuration: DaemonConfiguration,
        fail: (String, String) -> DaemonConfigurationError
    ) throws(DaemonConfigurationError) {
        let ssh = configuration.usesSSH
        if let path = configuration.sshKeyFile {
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw fail("ssh_key_file", "cannot read \(path)")
            }
        } else if ssh {
            throw fail(
                "ssh_key_file",
                "missing: the remote is an ssh URL; set ssh_key_file to the private key "
                    + "(ENGINESYNC_SSH_KEY_FILE, --ssh-key-file)")
        }
        if ssh || configuration.sshKnownHostsFileOverride != nil {
            let path = configuration.sshKnownHostsFile
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw fail(
                    "ssh_known_hosts_file",
                    "cannot read \(path)"
                        + (ssh ? " (the ssh remote's host key must be listed there, e.g. from ssh-keyscan)" : ""))
            }
        }
    }
}
