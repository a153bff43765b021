package import EngineSync
package import EngineSyncCore
import Foundation
import GitClient
package import Logging
package import PostgresClient

/// Everything `enginesync run` is configured with (SPEC 8 "Configuration"), as a plain value.
///
/// Built and validated in the Commands module (file, `ENGINESYNC_*` variables, flags) and passed down;
/// the engine never reads the environment. The database password (read from `database_password_file`
/// at start-up) is kept apart from everything printable: `redactedDescription` is what goes to logs.
package struct DaemonConfiguration: Sendable, Equatable {
    /// Where commits come from: a local repository (bare or not, watched with inotify) or a remote URL
    /// fetched into a mirror under `stateDirectory`.
    package enum Source: Sendable, Equatable {
        case repository(path: String)
        case remote(url: String)
    }

    package var source: Source
    /// The fleet target this configuration is for (`targets:`, set by the target's entry); `nil` for a single
    /// database. Notification events name it.
    package var targetName: String?
    package var branch = "main"
    package var dslPath = "dsl"
    package var migrationsPath = "migrations"
    /// A libpq conninfo string or URI; `nil`: libpq's `PG*` variables and `.pgpass`.
    package var database: String?
    package var databasePasswordFile: String?
    /// Read from `databasePasswordFile` at start-up; never logged.
    package var databasePassword: String?
    /// Private key for an ssh `remote` (`ssh_key_file`); required for one, read by libssh2 at each fetch.
    package var sshKeyFile: String?
    /// known_hosts for an ssh `remote` (`ssh_known_hosts_file`); `nil`: `defaultSSHKnownHostsFile`.
    package var sshKnownHostsFileOverride: String?
    package var schema = "public"
    package var stateDirectory = "/var/lib/enginesync"
    /// `nil`: `<stateDirectory>/reports`.
    package var reportsDirectoryOverride: String?
    package var reportRetention = 1000
    /// `nil`: 5 s for a local repository, 30 s for a remote.
    package var pollIntervalOverride: Duration?
    package var maxBackoff: Duration = .seconds(300)
    /// How often a daemon whose database is a hot standby asks again (`standby_poll_interval`): a replica's
    /// daemon under Patroni takes over within this long of a promotion. Not a failure, so no back-off.
    package var standbyPollInterval: Duration = .seconds(2)
    package var lockTimeout: Duration = .seconds(3)
    package var statementTimeout: Duration = .seconds(600)
    package var maxRewriteRows = 100_000
    package var concurrentIndexRows = 100_000
    /// `migration_lint`: `block` stops pending migrations with a hazard over the size limits (issue 18).
    package var migrationLint: MigrationLintMode = .warn
    package var maxFileBytes = 1 << 20
    package var refuseNonFastForward = false
    package var requireSnapshot = false
    /// `strict`: EngineJS's silent surprises (unknown types, ignored `unique`, …) are DSL errors, not warnings.
    package var strict = false
    /// `nil`: no periodic drift check.
    package var driftInterval: Duration?
    package var selfHeal = false
    /// `nil`: no metrics file.
    package var metricsFile: String?
    package var logLevel: Logger.Level = .info
    /// `require_signed_commits`, `allowed_signers_file`, `migration_approvers_file`, `gpg_keyring_file` (issue 15).
    package var trust = TrustSettings()
    /// Git hooks (issue 16): `pre-receive` warns instead of refusing an invalid commit (`hooks_allow_invalid`).
    package var hooksAllowInvalid = false
    /// Git hooks: how long `post-receive` waits for the daemon's report of the pushed commit (`hooks_report_wait`).
    package var hooksReportWait: Duration = .seconds(10)
    /// Webhooks told about outcome changes and problem commits (`notify:`, issue 16); empty: none.
    package var notify: [Webhook] = []
    /// The databases of a fleet (`targets:`, issue 17), each with the configuration its reconciler uses; empty:
    /// the one database of `database` (the single-database configuration, unchanged).
    package var targets: [DaemonTarget] = []
    /// How many targets reconcile at the same time (`max_parallel_targets`); the others wait for a free slot.
    package var maxParallelTargets = 4

    package init(source: Source) {
        self.source = source
    }

    /// Next to the configuration file, in the directory the unit's `ConfigurationDirectory=` keeps
    /// read-only to the service: the host keys the daemon trusts are the operator's decision, not state.
    package static let defaultSSHKnownHostsFile = "/etc/enginesync/known_hosts"

    package var sshKnownHostsFile: String { sshKnownHostsFileOverride ?? Self.defaultSSHKnownHostsFile }

    /// True when the source is a remote reached over ssh (`ssh://…` or scp-like `user@host:path`).
    package var usesSSH: Bool {
        if case .remote(let url) = source { return GitSSHRemote(url: url) != nil }
        return false
    }

    /// What `GitRepository.fetchMirror` needs for the remote: the key and known_hosts paths (no key material).
    var gitFetchOptions: GitFetchOptions {
        GitFetchOptions(sshPrivateKeyFile: sshKeyFile, sshKnownHostsFile: sshKnownHostsFile)
    }

    package var reportsDirectory: String {
        reportsDirectoryOverride
            ?? (stateDirectory.hasSuffix("/") ? stateDirectory + "reports" : stateDirectory + "/reports")
    }

    package var pollInterval: Duration {
        if let pollIntervalOverride { return pollIntervalOverride }
        switch source {
        case .repository: return .seconds(5)
        case .remote: return .seconds(30)
        }
    }

    /// The target named `name`, if the configuration lists one.
    package func target(named name: String) -> DaemonTarget? { targets.first { $0.name == name } }

    /// The local repository to watch with inotify, if the source is one.
    package var repositoryPath: String? {
        if case .repository(let path) = source { return path }
        return nil
    }

    /// How to connect: the DSN plus the password from the credential file, with TCP keepalives so a server
    /// that vanished is noticed while a reconcile waits on it (a DSN may still set its own).
    package var postgres: PostgresConfiguration {
        PostgresConfiguration(dsn: database, password: databasePassword, keepalives: PostgresConfiguration.Keepalives())
    }

    /// A remote URL without its credentials (`https://user:secret@host/…` → `https://user:***@host/…`, a token
    /// user name and query values masked too; `URLRedaction`).
    package static func redactedURL(_ url: String) -> String {
        URLRedaction.redact(url)
    }
}
