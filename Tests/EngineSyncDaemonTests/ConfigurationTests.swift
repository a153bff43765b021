import ArgumentParser
import EngineSyncCore
import EngineSyncDaemon
import Foundation
import Logging
import PostgresClient
import Testing

@testable import EngineSync
@testable import EngineSyncCommands

@Suite struct ConfigurationTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory() }

    func write(_ yaml: String, name: String = "enginesync.yaml") throws -> String {
        let path = directory.path + "/" + name
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func load(_ yaml: String?, env: [String: String] = [:], flags: [String: String] = [:]) throws -> DaemonConfiguration
    {
        let path = try yaml.map { try write($0) } ?? directory.path + "/absent.yaml"
        return try DaemonConfigurationLoader(
            configPath: yaml == nil ? nil : path, flags: flags, environment: env,
            defaultConfigPath: directory.path + "/absent.yaml"
        ).load()
    }

    @Test func defaultsForALocalRepository() throws {
        let configuration = try load("repo: /srv/git/schema.git\n")
        #expect(configuration.source == .repository(path: "/srv/git/schema.git"))
        #expect(configuration.branch == "main")
        #expect(configuration.dslPath == "dsl")
        #expect(configuration.migrationsPath == "migrations")
        #expect(configuration.schema == "public")
        #expect(configuration.reportsDirectory == "/var/lib/enginesync/reports")
        #expect(configuration.reportRetention == 1000)
        #expect(configuration.pollInterval == .seconds(5))
        #expect(configuration.maxBackoff == .seconds(300))
        #expect(configuration.lockTimeout == .seconds(3))
        #expect(configuration.statementTimeout == .seconds(600))
        #expect(configuration.maxFileBytes == 1_048_576)
        #expect(configuration.driftInterval == nil)
        #expect(configuration.metricsFile == nil)
        #expect(configuration.logLevel == .info)
        #expect(configuration.database == nil)
    }

    @Test func remoteDefaultsToThirtySecondPolls() throws {
        let configuration = try load("remote: https://example.invalid/schema.git\n")
        #expect(configuration.pollInterval == .seconds(30))
    }

    @Test func flagsBeatEnvironmentBeatFile() throws {
        let yaml = """
            repo: /srv/a.git
            branch: file-branch
            poll_interval: 10s
            state_dir: /var/lib/x
            """
        let configuration = try load(
            yaml,
            env: ["ENGINESYNC_BRANCH": "env-branch", "ENGINESYNC_POLL_INTERVAL": "20s", "ENGINESYNC_SCHEMA": "app"],
            flags: ["poll_interval": "500ms"])
        #expect(configuration.branch == "env-branch")
        #expect(configuration.pollInterval == .milliseconds(500))
        #expect(configuration.schema == "app")
        #expect(configuration.reportsDirectory == "/var/lib/x/reports")
    }

    @Test func everyKeyFromTheFile() throws {
        let yaml = """
            repo: /srv/git/schema.git
            branch: production
            dsl_path: schema/dsl
            migrations_path: schema/migrations
            database: "host=/run/postgresql dbname=app user=enginesync"
            schema: app
            state_dir: /var/lib/es
            reports_dir: /var/log/es
            report_retention: 50
            poll_interval: 2s
            max_backoff: 1m
            lock_timeout: 500ms
            statement_timeout: 1h
            max_rewrite_rows: 5000
            concurrent_index_rows: 0
            max_file_bytes: 512KiB
            refuse_non_fast_forward: true
            require_snapshot: yes
            drift_interval: 1h30m
            self_heal: true
            metrics_file: /var/lib/node_exporter/enginesync.prom
            log_level: debug
            """
        let configuration = try load(yaml)
        #expect(configuration.branch == "production")
        #expect(configuration.dslPath == "schema/dsl")
        #expect(configuration.reportsDirectory == "/var/log/es")
        #expect(configuration.reportRetention == 50)
        #expect(configuration.maxBackoff == .seconds(60))
        #expect(configuration.lockTimeout == .milliseconds(500))
        #expect(configuration.statementTimeout == .seconds(3600))
        #expect(configuration.maxRewriteRows == 5000)
        #expect(configuration.concurrentIndexRows == 0)
        #expect(configuration.maxFileBytes == 512 * 1024)
        #expect(configuration.refuseNonFastForward)
        #expect(configuration.requireSnapshot)
        #expect(configuration.driftInterval == .seconds(5400))
        #expect(configuration.selfHeal)
        #expect(configuration.metricsFile == "/var/lib/node_exporter/enginesync.prom")
        #expect(configuration.logLevel == .debug)
    }

    @Test func sampleConfigurationInTheRepositoryLoads() throws {
        let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("systemd/enginesync.yaml").path
        try "pw\n".write(toFile: directory.path + "/pgpass", atomically: true, encoding: .utf8)
        let configuration = try DaemonConfigurationLoader(
            configPath: sample, environment: ["CREDENTIALS_DIRECTORY": directory.path]
        ).load()
        #expect(configuration.source == .repository(path: "/srv/git/schema.git"))
        #expect(configuration.databasePassword == "pw")
        // Every key is documented in the sample: set, or (remote) shown commented out.
        let text = try String(contentsOfFile: sample, encoding: .utf8)
        for key in DaemonConfigurationLoader.keys {
            #expect(text.contains("\n\(key): ") || text.contains("\n# \(key): "), "\(key)")
        }
    }

    @Test func badDurationNamesFileAndKey() throws {
        let path = try write("repo: /srv/a.git\npoll_interval: fast\n")
        #expect(throws: DaemonConfigurationError.self) {
            try DaemonConfigurationLoader(configPath: path, environment: [:]).load()
        }
        do {
            _ = try DaemonConfigurationLoader(configPath: path, environment: [:]).load()
        } catch {
            #expect("\(error)" == "\(path): poll_interval: expected a duration like \"5s\", got \"fast\"")
        }
    }

    @Test(arguments: [
        ("repo: /a\npol_interval: 5s\n", "pol_interval: unknown key"),
        ("repo: /a\nreport_retention: 0\n", "report_retention: expected a whole number of at least 1, got \"0\""),
        ("repo: /a\nself_heal: maybe\n", "self_heal: expected true or false, got \"maybe\""),
        ("repo: /a\nlog_level: loud\n", "log_level: expected one of"),
        ("repo: /a\nmax_file_bytes: lots\n", "max_file_bytes: expected a size"),
        ("repo: /a\nremote: https://x.invalid/r.git\n", "remote: set exactly one of repo and remote"),
        ("branch: main\n", "repo: missing"),
        ("repo: [a, b]\n", "repo: expected a single value"),
        ("repo: /a\ndatabase: \"host=x bogus\"\n", "database: invalid connection string"),
        ("repo: /a\nrepo: /b\n", "(syntax)"),
        ("- just\n- a list\n", "expected a mapping"),
        // Issue 12 item 6: 0 is "no limit" in PostgreSQL; absurd values protect nothing.
        ("repo: /a\nlock_timeout: 0s\n", "lock_timeout: must be at least 1ms, got 0s (0 turns PostgreSQL's limit off"),
        ("repo: /a\nlock_timeout: 0ms\n", "lock_timeout: must be at least 1ms"),
        ("repo: /a\nlock_timeout: 11m\n", "lock_timeout: must be at most 10m, got 11m"),
        ("repo: /a\nstatement_timeout: 0s\n", "statement_timeout: must be at least 1ms, got 0s"),
        ("repo: /a\nstatement_timeout: 25h\n", "statement_timeout: must be at most 24h, got 25h"),
    ])
    func badFilesAreRefused(yaml: String, expected: String) throws {
        let path = try write(yaml)
        do {
            _ = try DaemonConfigurationLoader(configPath: path, environment: [:]).load()
            Issue.record("expected an error containing \(expected)")
        } catch {
            #expect("\(error)".contains(expected), "\("\(error)")")
        }
    }

    @Test func badEnvironmentAndFlagValuesNameTheirSpelling() throws {
        do {
            _ = try load("repo: /a\n", env: ["ENGINESYNC_MAX_BACKOFF": "forever"])
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == "ENGINESYNC_MAX_BACKOFF: expected a duration like \"5s\", got \"forever\"")
        }
        do {
            _ = try load("repo: /a\n", flags: ["drift_interval": "sometimes"])
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == "--drift-interval: expected a duration like \"5s\" or \"off\", got \"sometimes\"")
        }
    }

    @Test func zeroAndAbsurdTimeoutsFromTheEnvironmentAndFlagsNameTheirSpelling() throws {
        for (env, flags, expected) in [
            (["ENGINESYNC_LOCK_TIMEOUT": "0s"], [:], "ENGINESYNC_LOCK_TIMEOUT: must be at least 1ms"),
            (["ENGINESYNC_STATEMENT_TIMEOUT": "0s"], [:], "ENGINESYNC_STATEMENT_TIMEOUT: must be at least 1ms"),
            ([:], ["lock_timeout": "0s"], "--lock-timeout: must be at least 1ms"),
            ([:], ["statement_timeout": "48h"], "--statement-timeout: must be at most 24h, got 48h"),
        ] as [([String: String], [String: String], String)] {
            do {
                _ = try load("repo: /a\n", env: env, flags: flags)
                Issue.record("expected an error containing \(expected)")
            } catch {
                #expect("\(error)".hasPrefix(expected), "\(error)")
            }
        }
        // The limits themselves are accepted.
        let edge = try load("repo: /a\nlock_timeout: 10m\nstatement_timeout: 24h\n")
        #expect(edge.lockTimeout == .seconds(600))
        #expect(edge.statementTimeout == .seconds(86_400))
        #expect(try load("repo: /a\nlock_timeout: 1ms\n").lockTimeout == .milliseconds(1))
    }

    @Test func missingExplicitFileIsAnError() {
        #expect(throws: DaemonConfigurationError.self) {
            try DaemonConfigurationLoader(configPath: directory.path + "/nope.yaml", environment: [:]).load()
        }
    }

    @Test func environmentAloneIsEnoughWithoutTheDefaultFile() throws {
        // The default path does not exist on a test machine; env supplies the source.
        let configuration = try DaemonConfigurationLoader(
            environment: ["ENGINESYNC_REMOTE": "file:///srv/x.git"],
            defaultConfigPath: directory.path + "/absent.yaml"
        ).load()
        #expect(configuration.source == .remote(url: "file:///srv/x.git"))
    }

    @Test func passwordFileIsReadAndNeverDescribed() throws {
        let credentials = directory.path + "/credentials"
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
        try "s3cret-pw\n".write(toFile: credentials + "/pgpass", atomically: true, encoding: .utf8)
        let yaml = """
            repo: /srv/a.git
            database: "postgresql://enginesync:inline-pw@db.example/app"
            database_password_file: $CREDENTIALS_DIRECTORY/pgpass
            """
        let configuration = try load(yaml, env: ["CREDENTIALS_DIRECTORY": credentials])
        #expect(configuration.databasePassword == "s3cret-pw")
        #expect(configuration.postgres.password == "s3cret-pw")
        // The daemon's connections notice a server gone over TCP (keepalives_idle=30, interval 10, count 3).
        #expect(
            configuration.postgres.keepalives
                == PostgresConfiguration.Keepalives(idleSeconds: 30, intervalSeconds: 10, count: 3))
        let description = configuration.redactedDescription
        #expect(!description.contains("s3cret-pw"))
        #expect(!description.contains("inline-pw"))
        #expect(description.contains("password=***"))
        #expect(description.contains("database_password_file=\(credentials)/pgpass"))
    }

    @Test func unreadablePasswordFileNamesTheKey() throws {
        do {
            _ = try load("repo: /a\ndatabase_password_file: /nonexistent/pgpass\n")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".hasSuffix("database_password_file: cannot read /nonexistent/pgpass"))
        }
    }

    @Test func sshRemoteNeedsReadableKeyAndKnownHostsAtStartUp() throws {
        let credentials = directory.path + "/credentials"
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
        try "-----BEGIN OPENSSH PRIVATE KEY-----\nsecret-key-bytes\n".write(
            toFile: credentials + "/ssh_key", atomically: true, encoding: .utf8)
        let knownHosts = try write("git.example.com ssh-ed25519 AAAA\n", name: "known_hosts")
        let env = ["CREDENTIALS_DIRECTORY": credentials]
        func error(_ yaml: String, env: [String: String] = env) -> String {
            do {
                _ = try load(yaml, env: env)
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        let remote = "remote: ssh://git@git.example.com/acme/schema.git\n"
        // A key and known_hosts that can be read: accepted, paths only in the description.
        let configuration = try load(
            remote + "ssh_key_file: $CREDENTIALS_DIRECTORY/ssh_key\nssh_known_hosts_file: \(knownHosts)\n",
            env: env)
        #expect(configuration.usesSSH)
        #expect(configuration.sshKeyFile == credentials + "/ssh_key")
        #expect(configuration.sshKnownHostsFile == knownHosts)
        #expect(configuration.redactedDescription.contains("ssh_key_file=\(credentials)/ssh_key"))
        #expect(!configuration.redactedDescription.contains("secret-key-bytes"))
        // No key for an ssh remote (scp-like too): refused at start-up, naming the key.
        #expect(
            error(remote + "ssh_known_hosts_file: \(knownHosts)\n").contains(
                "ssh_key_file: missing: the remote is an ssh URL"))
        #expect(
            error("remote: git@git.example.com:acme/schema.git\nssh_known_hosts_file: \(knownHosts)\n")
                .contains("ssh_key_file: missing"))
        // Unreadable files name the key as it was spelled, wherever it came from.
        #expect(
            error(remote + "ssh_key_file: /nonexistent/key\nssh_known_hosts_file: \(knownHosts)\n")
                .hasSuffix("ssh_key_file: cannot read /nonexistent/key"))
        #expect(
            error(
                remote,
                env: [
                    "ENGINESYNC_SSH_KEY_FILE": credentials + "/ssh_key",
                    "ENGINESYNC_SSH_KNOWN_HOSTS_FILE": "/nonexistent/known_hosts",
                ])
                == "ENGINESYNC_SSH_KNOWN_HOSTS_FILE: cannot read /nonexistent/known_hosts "
                + "(the ssh remote's host key must be listed there, e.g. from ssh-keyscan)")
        // The default known_hosts path is checked when none is set.
        if !FileManager.default.isReadableFile(atPath: DaemonConfiguration.defaultSSHKnownHostsFile) {
            #expect(
                error(remote + "ssh_key_file: $CREDENTIALS_DIRECTORY/ssh_key\n")
                    .contains("ssh_known_hosts_file: cannot read /etc/enginesync/known_hosts"))
        }
        // https and file:// remotes need neither.
        #expect(try !load("remote: https://git.example.com/acme/schema.git\n").usesSSH)
        #expect(try !load("remote: file:///srv/git/schema.git\n").usesSSH)
        let flags = try DaemonOptions.parse(["--ssh-key-file", "/k", "--ssh-known-hosts-file", "/kh"]).flagValues
        #expect(flags == ["ssh_key_file": "/k", "ssh_known_hosts_file": "/kh"])
    }

    @Test func optionsTurnIntoFlagValues() throws {
        let options = try DaemonOptions.parse([
            "--repo", "/srv/a.git", "--poll-interval", "1s", "--reports", "/tmp/r", "--self-heal",
            "--no-require-snapshot",
        ])
        #expect(
            options.flagValues == [
                "repo": "/srv/a.git", "poll_interval": "1s", "reports_dir": "/tmp/r", "self_heal": "true",
                "require_snapshot": "false",
            ])
        let configuration = try options.makeLoader(environment: [:], defaultConfigPath: directory.path + "/absent.yaml")
            .load()
        #expect(configuration.selfHeal)
        #expect(configuration.reportsDirectory == "/tmp/r")
    }

    /// Issue 13: one table of keys. Every key has exactly one option (named after it), the loader accepts
    /// every key from the file, the environment and the flags, and the start-up line shows every key once.
    @Test func everyKeyHasOneOptionAndOneDescription() throws {
        let options = try DaemonOptions.parse([])
        #expect(options.optionKeys == ConfigurationKey.names)
        #expect(Set(ConfigurationKey.names).count == ConfigurationKey.names.count)
        for key in ConfigurationKey.all {
            #expect(DaemonConfigurationLoader.keys.contains(key.name))
            #expect(key.environmentVariable == "ENGINESYNC_" + key.name.uppercased())
            // Each option is spelled --<key-with-dashes> on the command line.
            let isFlag = [
                "refuse_non_fast_forward", "require_snapshot", "strict", "self_heal", "require_signed_commits",
                "hooks_allow_invalid",
            ]
            .contains(key.name)
            let parsed = try DaemonOptions.parse(isFlag ? [key.flag] : [key.flag, "x"])
            #expect(parsed.flagValues[key.name] == (isFlag ? "true" : "x"), "\(key.flag)")
        }
        let configuration = try load("remote: https://u:secret@git.example.com/s.git\n")
        let description = " " + configuration.redactedDescription
        for name in ConfigurationKey.names where name != "repo" {
            #expect(description.components(separatedBy: " \(name)=").count == 2, "\(name) in \(description)")
        }
        #expect(!description.contains(" repo="))
        #expect(!configuration.redactedDescription.contains("secret"))
    }

    @Test func runOnceTakesALockWait() throws {
        #expect(try RunCommand.parse(["--once", "--lock-wait", "0s"]).lockWait.duration == .zero)
        #expect(try RunCommand.parse(["--once", "--lock-wait", "1m30s"]).lockWait.duration == .seconds(90))
        #expect(try RunCommand.parse(["--once"]).lockWait.duration == .seconds(60))  // like sync (SPEC 9)
        #expect(throws: (any Error).self) { try RunCommand.parse(["--once", "--lock-wait", "60"]) }
    }

    @Test func remoteURLPasswordIsRedacted() {
        #expect(
            DaemonConfiguration.redactedURL("https://bot:tok3n@git.example/s.git")
                == "https://bot:***@git.example/s.git")
        #expect(DaemonConfiguration.redactedURL("ssh://git@host/s.git") == "ssh://git@host/s.git")
    }

    @Test(arguments: [("500ms", 500), ("5s", 5000), ("10m", 600_000), ("1h", 3_600_000), ("1h30m", 5_400_000)])
    func durationsParseAndFormat(text: String, milliseconds: Int64) {
        #expect(DurationText.parse(text) == .milliseconds(milliseconds))
        #expect(DurationText.format(.milliseconds(milliseconds)) == text)
    }

    @Test(arguments: ["", "5", "fast", "5 s", "-1s", "1d"])
    func badDurations(text: String) {
        #expect(DurationText.parse(text) == nil)
    }
}

@Suite struct HookAndNotifyConfigurationTests {
    @Test func notifyHooksKeysAndCredentialFreeLoading() throws {
        let directory = try TemporaryDirectory()
        try "s3cret\n".write(toFile: directory.path + "/secret", atomically: true, encoding: .utf8)
        let path = directory.path + "/enginesync.yaml"
        try """
        repo: /srv/a.git
        database_password_file: \(directory.path)/unreadable-password
        hooks_allow_invalid: true
        hooks_report_wait: 3s
        notify:
          - url: https://user:token@hooks.example.com/x?key=abc
            secret_file: \(directory.path)/secret
          - url: http://127.0.0.1:8080/hook
        """.write(toFile: path, atomically: true, encoding: .utf8)
        // As the hooks load it: no credential is read, so an unreadable password file does not matter.
        var loader = DaemonConfigurationLoader(configPath: path, environment: [:])
        loader.readsCredentials = false
        let hooks = try loader.load()
        #expect(hooks.hooksAllowInvalid)
        #expect(hooks.hooksReportWait == .seconds(3))
        #expect(hooks.databasePassword == nil)
        #expect(hooks.notify.count == 2 && hooks.notify.allSatisfy { $0.secret == nil })
        // As the daemon loads it: the password file is required, the webhook secret read and never printed.
        #expect(throws: DaemonConfigurationError.self) {
            try DaemonConfigurationLoader(configPath: path, environment: [:]).load()
        }
        try "pw".write(toFile: directory.path + "/unreadable-password", atomically: true, encoding: .utf8)
        let daemon = try DaemonConfigurationLoader(configPath: path, environment: [:]).load()
        #expect(daemon.notify.first?.secret == "s3cret")
        #expect(!daemon.redactedDescription.contains("s3cret"))
        #expect(!daemon.redactedDescription.contains("token"))
    }

    @Test(arguments: [
        ("notify: https://x\n", "notify: expected a list"),
        ("notify:\n  - secret_file: /x\n", "notify[0].url: missing"),
        ("notify:\n  - url: ftp://x/y\n", "expected an http:// or https:// URL"),
        ("notify:\n  - url: https://x/y\n    secret: abc\n", "unknown key \"secret\""),
        ("notify:\n  - url: https://x/y\n    secret_file: /nonexistent/secret\n", "notify[0].secret_file: cannot read"),
        // One delivery cursor per redacted URL: URLs equal once redacted would share it.
        ("notify:\n  - url: https://x/q?key=AAAA\n  - url: https://x/q?key=BBBB\n", "notify[1].url"),
        ("notify:\n  - url: https://a:one@x/q\n  - url: https://a:two@x/q\n", "is notify[0]'s URL"),
        ("notify:\n  - url: https://x/q\n  - url: https://x/q\n", "is notify[0]'s URL"),
    ])
    func badNotifyEntriesNameTheEntry(yaml: String, expected: String) throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/enginesync.yaml"
        try ("repo: /srv/a.git\n" + yaml).write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try DaemonConfigurationLoader(configPath: path, environment: [:]).load()
            Issue.record("loaded")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
        }
    }
}
