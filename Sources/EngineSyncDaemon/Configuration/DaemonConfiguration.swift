public import EngineSync
import EngineSyncCore
public import Logging
import Foundation
import GitClient
public import PostgresClient

/// Everything `enginesync run` is configured with (SPEC 8 "Configuration"), as a plain value.
///
/// Built and validated in the Commands module (file, `ENGINESYNC_*` variables, flags) and passed down;
/// the engine never reads the environment. The database password (read from `database_password_file`
/// at start-up) is kept apart from everything printable: `redactedDescription` is what goes to logs.
public struct DaemonConfiguration: Sendable, Equatable {
    /// Where commits come from: a local repository (bare or not, watched with inotify) or a remote URL
    /// fetched into a mirror under `stateDirectory`.
    public enum Source: Sendable, Equatable {
        case repository(path: String)
        case remote(url: String)
    }

    public var source: Source
    public var branch = "main"
    public var dslPath = "dsl"
    public var migrationsPath = "migrations"
    /// A libpq conninfo string or URI; `nil`: libpq's `PG*` variables and `.pgpass`.
    public var database: String?
    public var databasePasswordFile: String?
    /// Read from `databasePasswordFile` at start-up; never logged.
    public var databasePassword: String?
    /// Private key for an ssh `remote` (`ssh_key_file`); required for one, read by libssh2 at each fetch.
    public var sshKeyFile: String?
    /// known_hosts for an ssh `remote` (`ssh_known_hosts_file`); `nil`: `defaultSSHKnownHostsFile`.
    public var sshKnownHostsFileOverride: String?
    public var schema = "public"
    public var stateDirectory = "/var/lib/enginesync"
    /// `nil`: `<stateDirectory>/reports`.
    public var reportsDirectoryOverride: String?
    public var reportRetention = 1000
    /// `nil`: 5 s for a local repository, 30 s for a remote.
    public var pollIntervalOverride: Duration?
    public var maxBackoff: Duration = .seconds(300)
    public var lockTimeout: Duration = .seconds(3)
    public var statementTimeout: Duration = .seconds(600)
    public var maxRewriteRows = 100_000
    public var concurrentIndexRows = 100_000
    public var maxFileBytes = 1 << 20
    public var refuseNonFastForward = false
    public var requireSnapshot = false
    /// `strict`: EngineJS's silent surprises (unknown types, ignored `unique`, …) are DSL errors, not warnings.
    public var strict = false
    /// `nil`: no periodic drift check.
    public var driftInterval: Duration?
    public var selfHeal = false
    /// `nil`: no metrics file.
    public var metricsFile: String?
    public var logLevel: Logger.Level = .info
    /// `require_signed_commits`, `allowed_signers_file`, `migration_approvers_file`, `gpg_keyring_file` (issue 15).
    public var trust = TrustSettings()

    public init(source: Source) {
        self.source = source
    }

    /// Next to the configuration file, in the directory the unit's `ConfigurationDirectory=` keeps
    /// read-only to the service: the host keys the daemon trusts are the operator's decision, not state.
    public static let defaultSSHKnownHostsFile = "/etc/enginesync/known_hosts"

    public var sshKnownHostsFile: String { sshKnownHostsFileOverride ?? Self.defaultSSHKnownHostsFile }

    /// True when the source is a remote reached over ssh (`ssh://…` or scp-like `user@host:path`).
    public var usesSSH: Bool {
        if case .remote(let url) = source { return GitSSHRemote(url: url) != nil }
        return false
    }

    /// What `GitRepository.fetchMirror` needs for the remote: the key and known_hosts paths (no key material).
    var gitFetchOptions: GitFetchOptions {
        GitFetchOptions(sshPrivateKeyFile: sshKeyFile, sshKnownHostsFile: sshKnownHostsFile)
    }

    public var reportsDirectory: String {
        reportsDirectoryOverride ?? (stateDirectory.hasSuffix("/") ? stateDirectory + "reports" : stateDirectory + "/reports")
    }

    public var pollInterval: Duration {
        if let pollIntervalOverride { return pollIntervalOverride }
        switch source {
        case .repository: return .seconds(5)
        case .remote: return .seconds(30)
        }
    }

    /// The local repository to watch with inotify, if the source is one.
    public var repositoryPath: String? {
        if case .repository(let path) = source { return path }
        return nil
    }

    /// How to connect: the DSN plus the password from the credential file, with TCP keepalives so a server
    /// that vanished is noticed while a reconcile waits on it (a DSN may still set its own).
    public var postgres: PostgresConfiguration {
        PostgresConfiguration(dsn: database, password: databasePassword, keepalives: PostgresConfiguration.Keepalives())
    }

    /// One line for the start-up log: every setting, secrets removed (the DSN through libpq's own notion
    /// of which keywords are secret, the password file only by path).
    public var redactedDescription: String {
        var parts: [String] = []
        switch source {
        case .repository(let path): parts.append("repo=\(path)")
        case .remote(let url): parts.append("remote=\(Self.redactedURL(url))")
        }
        parts += [
            "branch=\(branch)", "dsl_path=\(dslPath)", "migrations_path=\(migrationsPath)",
            "database=\"\(postgres.redactedDSN)\"",
            "database_password_file=\(databasePasswordFile ?? "off")",
            "ssh_key_file=\(sshKeyFile ?? "off")", "ssh_known_hosts_file=\(sshKnownHostsFile)",
            "schema=\(schema)", "state_dir=\(stateDirectory)", "reports_dir=\(reportsDirectory)",
            "report_retention=\(reportRetention)", "poll_interval=\(DurationText.format(pollInterval))",
            "max_backoff=\(DurationText.format(maxBackoff))", "lock_timeout=\(DurationText.format(lockTimeout))",
            "statement_timeout=\(DurationText.format(statementTimeout))", "max_rewrite_rows=\(maxRewriteRows)",
            "concurrent_index_rows=\(concurrentIndexRows)", "max_file_bytes=\(maxFileBytes)",
            "refuse_non_fast_forward=\(refuseNonFastForward)", "require_snapshot=\(requireSnapshot)", "strict=\(strict)",
            "drift_interval=\(driftInterval.map(DurationText.format) ?? "off")", "self_heal=\(selfHeal)",
            "metrics_file=\(metricsFile ?? "off")", "log_level=\(logLevel)", trust.redactedDescription,
        ]
        return parts.joined(separator: " ")
    }

    /// A remote URL without its credentials (`https://user:secret@host/…` → `https://user:***@host/…`, a token
    /// user name and query values masked too; `URLRedaction`).
    package static func redactedURL(_ url: String) -> String {
        URLRedaction.redact(url)
    }
}
