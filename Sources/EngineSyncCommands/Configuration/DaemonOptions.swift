package import ArgumentParser
import EngineSyncDaemon

/// The daemon's configuration flags, one per configuration key, for `enginesync run` to embed with
/// `@OptionGroup`. Values stay strings here so that the loader parses and reports them exactly like
/// file and environment values (`--poll-interval: expected a duration like "5s", got "fast"`).
package struct DaemonOptions: ParsableArguments {
    @Option(help: "Configuration file (default: /etc/enginesync/enginesync.yaml, if present).")
    package var config: String?
    @Option(help: "Local git repository to watch (bare or not).") package var repo: String?
    @Option(help: "Remote git URL to fetch into a mirror under the state directory.") package var remote: String?
    @Option(
        name: .customLong("ssh-key-file"), help: "Private key for an ssh remote ($CREDENTIALS_DIRECTORY is expanded).")
    package var sshKeyFile: String?
    @Option(
        name: .customLong("ssh-known-hosts-file"),
        help: "known_hosts listing an ssh remote's host key (default: /etc/enginesync/known_hosts).")
    package var sshKnownHostsFile: String?
    @Option(help: "Branch to reconcile (default: main).") package var branch: String?
    @Option(name: .customLong("dsl-path"), help: "DSL directory in the repository (default: dsl).") package var dslPath:
        String?
    @Option(name: .customLong("migrations-path"), help: "Migrations directory (default: migrations).")
    package var migrationsPath: String?
    @Option(help: "libpq connection string or URI (default: PG* variables).") package var database: String?
    @Option(name: .customLong("database-password-file"), help: "File holding the database password.")
    package var databasePasswordFile: String?
    @Option(help: "Database schema (default: public).") package var schema: String?
    @Option(name: .customLong("state-dir"), help: "State directory (default: /var/lib/enginesync).") package
        var stateDir: String?
    @Option(
        name: [.customLong("reports-dir"), .customLong("reports")],
        help: "Report directory (default: <state-dir>/reports).")
    package var reportsDir: String?
    @Option(name: .customLong("report-retention"), parsing: .unconditional, help: "Reports kept (default: 1000).")
    package var reportRetention: String?
    @Option(
        name: .customLong("poll-interval"), parsing: .unconditional,
        help: "Fallback poll interval (default: 5s local, 30s remote).")
    package var pollInterval: String?
    @Option(name: .customLong("max-backoff"), parsing: .unconditional, help: "Longest retry delay (default: 5m).")
    package var maxBackoff: String?
    @Option(
        name: .customLong("standby-poll-interval"), parsing: .unconditional,
        help: "How often to look again while the database is a hot standby (default: 2s).")
    package var standbyPollInterval: String?
    @Option(name: .customLong("lock-timeout"), parsing: .unconditional, help: "PostgreSQL lock_timeout (default: 3s).")
    package var lockTimeout: String?
    @Option(
        name: .customLong("statement-timeout"), parsing: .unconditional,
        help: "PostgreSQL statement_timeout (default: 10m).")
    package var statementTimeout: String?
    @Option(
        name: .customLong("max-rewrite-rows"), parsing: .unconditional,
        help: "Largest table to rewrite for a widening (default: 100000).")
    package var maxRewriteRows: String?
    @Option(
        name: .customLong("concurrent-index-rows"), parsing: .unconditional,
        help: "Build indexes concurrently above this many rows (default: 100000).")
    package var concurrentIndexRows: String?
    @Option(
        name: .customLong("migration-lint"),
        help:
            "warn or block: whether a migration lint hazard over the size limits stops the migrations (default: warn).")
    package var migrationLint: String?
    @Option(
        name: .customLong("max-file-bytes"), parsing: .unconditional,
        help: "Largest DSL or migration file (default: 1MiB).")
    package var maxFileBytes: String?
    @Flag(name: .customLong("refuse-non-fast-forward"), inversion: .prefixedNo, help: "Refuse a rewound branch tip.")
    package var refuseNonFastForward: Bool?
    @Flag(name: .customLong("require-snapshot"), inversion: .prefixedNo, help: "Refuse a database without a snapshot.")
    package var requireSnapshot: Bool?
    @Flag(
        name: .customLong("strict"), inversion: .prefixedNo,
        help: "DSL warnings about what EngineJS does silently (unknown type → varchar, …) become errors.")
    package var strict: Bool?
    @Option(
        name: .customLong("drift-interval"), parsing: .unconditional,
        help: "Periodic drift check, e.g. 1h (default: off).")
    package var driftInterval: String?
    @Flag(
        name: .customLong("self-heal"), inversion: .prefixedNo, help: "Re-apply safe changes found by the drift check.")
    package var selfHeal: Bool?
    @Option(name: .customLong("metrics-file"), help: "Prometheus text file to write (default: off).") package
        var metricsFile: String?
    @Option(
        name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (default: info).")
    package var logLevel: String?
    @Flag(
        name: .customLong("require-signed-commits"), inversion: .prefixedNo,
        help: "Reconcile only commits signed by a key in the allowed signers file (default: off).")
    package var requireSignedCommits: Bool?
    @Option(
        name: .customLong("allowed-signers-file"),
        help: "OpenSSH allowed_signers file of the keys that may sign commits.")
    package var allowedSignersFile: String?
    @Option(
        name: .customLong("migration-approvers-file"), help: "allowed_signers file of the keys that approve migrations."
    )
    package var migrationApproversFile: String?
    @Option(name: .customLong("gpg-keyring-file"), help: "OpenPGP keyring to verify OpenPGP signatures with gpgv.")
    package var gpgKeyringFile: String?
    @Flag(
        name: .customLong("hooks-allow-invalid"), inversion: .prefixedNo,
        help: "Git hooks: warn about an invalid pushed commit instead of refusing the push.")
    package var hooksAllowInvalid: Bool?
    @Option(
        name: .customLong("hooks-report-wait"), parsing: .unconditional,
        help: "Git hooks: how long post-receive waits for the daemon's report (default: 10s).")
    package var hooksReportWait: String?
    @Option(
        name: .customLong("max-parallel-targets"), parsing: .unconditional,
        help: "With targets: how many databases reconcile at the same time (default: 4).")
    package var maxParallelTargets: String?

    package init() {}

    /// Flag values by configuration key, read from the options themselves: `sshKeyFile` is `ssh_key_file`
    /// (`ConfigurationKey`), so a new key needs no mapping here. `optionKeys` lists them; a test checks that they
    /// are exactly `ConfigurationKey.names`.
    package var flagValues: [String: String] {
        var values: [String: String] = [:]
        for (key, value) in optionValues { if let value { values[key] = value } }
        return values
    }

    /// Every configuration option by key, set or not.
    var optionValues: [(key: String, value: String?)] {
        Mirror(reflecting: self).children.compactMap { child in
            guard let label = child.label, label != "_config" else { return nil }
            let key = Self.key(forProperty: String(label.drop { $0 == "_" }))
            switch child.value {
            case let option as Option<String?>: return (key, option.wrappedValue)
            case let flag as Flag<Bool?>: return (key, flag.wrappedValue.map(String.init))
            default: return nil
            }
        }
    }

    /// The configuration keys these options set, in declaration order.
    package var optionKeys: [String] { optionValues.map(\.key) }

    /// `sshKeyFile` → `ssh_key_file`.
    static func key(forProperty name: String) -> String {
        var key = ""
        for character in name {
            if character.isUppercase {
                key += "_" + character.lowercased()
            } else {
                key.append(character)
            }
        }
        return key
    }

    /// The loader for these flags and the process environment.
    package func makeLoader(
        environment: [String: String]? = nil,
        defaultConfigPath: String = DaemonConfigurationLoader.defaultPath
    ) -> DaemonConfigurationLoader {
        DaemonConfigurationLoader(
            configPath: config, flags: flagValues, environment: environment,
            defaultConfigPath: defaultConfigPath)
    }
}
