import ArgumentParser
import EngineSync
import EngineSyncCore
import EngineSyncDaemon
import Foundation

/// `enginesync status`: the last reconcile, the snapshot hash and the pending migrations.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the last reconcile, the snapshot hash and pending migrations.",
        discussion: """
            Reads engine_reconciles, the snapshot table and engine_migrations; changes nothing. Pending \
            migrations are listed when --repo or --dir says where the migrations are. On the database \
            host, without --database, the daemon's configuration file (--config, default \
            /etc/enginesync/enginesync.yaml when it exists) supplies the database, schema, repository and \
            branch; flags override it. A configured repository or branch that cannot be read is a warning: the \
            database's status is still shown.

            With targets in the configuration (issue 17), every target is shown (as with --all-targets) unless \
            --target NAME chooses one: --target NAME shows that target (its database, \
            schema and reports_dir/<name>/), --all-targets every target in turn (text: one heading per \
            target; json: a list of {"target", "status"}); a target that cannot be read is reported and the \
            others are still shown, and the exit status is 1 then.

            Examples:
              enginesync status
              enginesync status --database "host=/run/postgresql dbname=app"
              enginesync status --repo /srv/git/schema.git --format json
              enginesync status --database "dbname=app" --reports /var/lib/enginesync/reports
              enginesync status --target eu
              enginesync status --all-targets --format json
            """
    )

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The daemon's configuration file to take the database and repository from.",
            valueName: "file"))
    var config: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "libpq conninfo or URI; without it the configuration file or the PG* variables.",
            valueName: "dsn"))
    var database: String?

    @Option(name: .long, help: "The PostgreSQL schema (default: the configuration's, else public).")
    var schema: String?

    @Option(name: .customLong("snapshot-table"), help: "The snapshot model's table.")
    var snapshotTable: String = "dsl"

    @OptionGroup(title: "Source") var sourceOptions: SourceOptions

    var repo: String? { sourceOptions.repo }
    var rev: String? { sourceOptions.rev }
    var dir: String? { sourceOptions.dir }
    var migrationsPath: String? { sourceOptions.migrationsPath }

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The daemon's report directory, whose latest.json shows an invalid commit the database never sees (default: the configuration's reports_dir).",
            valueName: "dir"))
    var reports: String?

    @Option(name: .long, help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A target of the configuration's targets: (its database, schema and reports).", valueName: "name"))
    var target: String?

    @Flag(name: .customLong("all-targets"), help: "Every target of the configuration's targets:, one after another.")
    var allTargets = false

    @OptionGroup(title: "Trust (default: the configuration file's)") var trust: TrustOptions

    func validate() throws {
        if repo != nil && dir != nil { throw ValidationError("--repo and --dir are mutually exclusive") }
        try sourceOptions.refuseDSLPath(command: "status")
        if target != nil && allTargets { throw ValidationError("give --target NAME or --all-targets, not both") }
        if (target != nil || allTargets) && database != nil {
            throw ValidationError("--database names one database; a target names its own (--target, --all-targets)")
        }
        if let complaint = DatabaseTarget(dsn: database).problem {
            throw ValidationError("--database is not a valid libpq connection string: \(complaint)")
        }
        if let schema, let problem = ManagedSchemaName.problem(schema) { throw ValidationError("--schema \(problem)") }
    }

    /// What the status is read from: flags first, then the daemon's configuration file, then defaults.
    struct Settings {
        var database = DatabaseTarget(dsn: nil)
        var schema = "public"
        var repo: String?
        var rev = "main"
        var migrationsPath = "migrations"
        var reportsDirectory: String?
        var trust = TrustSettings()
        /// The repository and revision come from the configuration, not from `--repo`/`--rev`: when they cannot
        /// be read (the branch deleted, the repository moved), the database's status is still shown.
        var sourceFromConfiguration = false
    }

    func settings() throws -> Settings {
        try settings(from: loadedConfiguration())
    }

    /// The daemon's configuration when `--config` names it, or the default file exists and `--database` is not
    /// given.
    func loadedConfiguration() throws -> DaemonConfiguration? {
        let configPath =
            config
            ?? (database == nil && FileManager.default.fileExists(atPath: DaemonConfigurationLoader.defaultPath)
                ? DaemonConfigurationLoader.defaultPath : nil)
        guard let configPath else { return nil }
        do {
            return try DaemonConfigurationLoader(configPath: configPath).load()
        } catch {
            throw CommandFailure(message: "configuration: \(error)", exitCode: ExitCode(64))
        }
    }

    /// The settings from `loaded` (the daemon's configuration, or one target's), then the flags.
    func settings(from loaded: DaemonConfiguration?) throws -> Settings {
        var settings = Settings()
        if let loaded {
            settings.database = DatabaseTarget(loaded.postgres)
            settings.schema = loaded.schema
            settings.repo = loaded.repositoryPath ?? loaded.mirrorPath
            settings.rev = loaded.branch
            settings.migrationsPath = loaded.migrationsPath
            settings.reportsDirectory = loaded.reportsDirectory
            settings.trust = loaded.trust
        }
        if trust.isSpecified() { settings.trust = try trust.settings() }
        if let database { settings.database = DatabaseTarget(dsn: database) }
        if let schema { settings.schema = schema }
        settings.sourceFromConfiguration = loaded != nil && repo == nil && rev == nil
        if let repo { settings.repo = repo }
        if dir != nil { settings.repo = nil }
        if let rev { settings.rev = rev }
        if let migrationsPath { settings.migrationsPath = migrationsPath }
        if let reports { settings.reportsDirectory = reports }
        return settings
    }

    /// One target's status in `--all-targets --format json`.
    struct TargetStatus: Encodable {
        var target: String
        var status: DatabaseStatus?
        var error: String?
    }

    func run() throws {
        try CommandFailure.reporting {
            var targets: [DaemonTarget]
            if target != nil || allTargets {
                targets = try ConfiguredTargets.select(target, config: config).targets
            } else {
                // Without a choice, a fleet's configuration shows every target (it has no top-level database).
                let loaded = try loadedConfiguration()
                targets = database == nil ? loaded?.targets ?? [] : []
                if targets.isEmpty {
                    try print(render(status(try settings(from: loaded))))
                    return
                }
            }
            let many = targets.count > 1 || target == nil
            var failures = 0
            var documents: [TargetStatus] = []
            for target in targets {
                do {
                    let status = try status(try settings(from: target.configuration))
                    if format == .json, many {
                        documents.append(TargetStatus(target: target.name, status: status))
                    } else {
                        if many { print(ConfiguredTargets.heading(target)) }
                        try print(render(status))
                    }
                } catch let failure as CommandFailure {
                    guard many else { throw failure }
                    // The others are still shown; the exit status says one could not be read.
                    failures += 1
                    if format == .json {
                        documents.append(TargetStatus(target: target.name, error: failure.message))
                    } else {
                        print(ConfiguredTargets.heading(target))
                        CommandFailure.printError("\(target.name): \(failure.message)")
                    }
                }
            }
            if format == .json, many { print(try renderJSON(documents)) }
            if failures > 0 {
                throw CommandFailure(message: "\(failures) target(s) could not be read", exitCode: .failure)
            }
        }
    }

    private func render(_ status: DatabaseStatus) throws -> String {
        switch format {
        case .text: status.text
        case .json: try renderJSON(status)
        }
    }

    /// Reads one database's status with `settings`.
    private func status(_ settings: Settings) throws -> DatabaseStatus {
        do {
            var migrations: MigrationSet?
            var revision: SourceReader?
            if let repo = settings.repo {
                do {
                    let reader = try SourceReader(.git(repository: repo, revision: settings.rev))
                    revision = reader
                    migrations = try reader.loadMigrations(path: settings.migrationsPath)
                } catch let failure as SourceReader.Failure where settings.sourceFromConfiguration {
                    FileHandle.standardError.write(
                        Data(
                            ("warning: \(failure.description); the database's status is shown without the "
                                + "repository's pending migrations\n").utf8))
                } catch let failure as SourceReader.Failure {
                    throw CommandFailure(failure.description)
                }
            } else if let dir {
                migrations = try MigrationLoader.load(directory: dir, path: settings.migrationsPath)
            }
            let session: DatabaseSession
            do {
                session = try DatabaseSession.connect(
                    settings.database, settings: SessionSettings(schema: settings.schema))
            } catch {
                throw CommandFailure("cannot connect to the database (\(settings.database.redactedDSN)): \(error)")
            }
            var status: DatabaseStatus
            do {
                status = try DatabaseStatus.read(session, snapshotTable: snapshotTable, migrations: migrations)
            } catch {
                throw CommandFailure("cannot read the status: \(error)")
            }
            if settings.trust.isActive, let revision {
                // Who signed the revision and who approved its pending migrations, as the next reconcile would judge.
                let pending = Set(status.pendingMigrations ?? [])
                do {
                    status.trust =
                        try revision.inspectTrust(
                            migrations: (migrations?.migrations ?? []).filter { pending.contains($0.id) },
                            settings: settings.trust)?.trust
                } catch {
                    throw CommandFailure("cannot check the trust of \(settings.rev): \(error)")
                }
            }
            if let directory = settings.reportsDirectory {
                let store = ReportFileStore(directory: directory, retention: 1)
                if let data = FileManager.default.contents(atPath: store.path(ReportFileStore.latestName, "json")),
                    let report = try? ReconcileReport.decode(data)
                {
                    status.latestReport = DatabaseStatus.LatestReport(report)
                }
            }
            return status
        }
    }
}
