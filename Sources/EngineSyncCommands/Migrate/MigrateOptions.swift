import ArgumentParser
import EngineSync
import EngineSyncCore
import EngineSyncDaemon
import Foundation
import Logging

/// The flags every `migrate` subcommand shares: where the migrations come from and which database.
struct MigrateOptions: ParsableArguments {
    @OptionGroup(title: "Source") var sourceOptions: SourceOptions

    var repo: String? { sourceOptions.repo }
    var rev: String { sourceOptions.rev ?? "main" }
    var dir: String? { sourceOptions.dir }
    var migrationsPath: String { sourceOptions.migrationsPath ?? MigrationLoader.defaultPath }

    @Option(
        name: .long,
        help: ArgumentHelp(
            "libpq conninfo or URI; when absent libpq uses the PG* environment variables and .pgpass.", valueName: "dsn"
        ))
    var database: String?

    @Option(name: .long, help: ArgumentHelp("The schema of the engine_migrations table.", valueName: "schema"))
    var schema: String = "public"

    @Option(
        name: .long, parsing: .unconditional,
        help: ArgumentHelp(
            "Seconds to wait for the advisory lock before giving up as skipped.",
            valueName: "seconds"))
    var lockWait: Double = 60

    @Option(name: .long, help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Flag(name: .long, help: "Log progress to stderr.")
    var verbose = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The daemon's configuration file, for --target (default: ENGINESYNC_CONFIG, else "
                + "/etc/enginesync/enginesync.yaml).", valueName: "file"))
    var config: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A target of the configuration's targets: its database and schema, and the daemon's repository, "
                + "branch and migrations path unless --repo/--rev/--dir/--migrations-path say otherwise.",
            valueName: "name"))
    var target: String?

    func validate() throws {
        if repo != nil && dir != nil { throw ValidationError("--repo and --dir are mutually exclusive") }
        try sourceOptions.refuseDSLPath(command: "migrate")
        if repo == nil && dir == nil && target == nil {
            throw ValidationError("give --repo PATH [--rev REV] or --dir ROOT")
        }
        if target != nil, database != nil {
            throw ValidationError("--database names one database; --target takes the target's own")
        }
        guard lockWait >= 0, lockWait.isFinite else {
            throw ValidationError("--lock-wait must be a number of seconds ≥ 0")
        }
        if let problem = ManagedSchemaName.problem(schema) { throw ValidationError("--schema \(problem)") }
        if let complaint = DatabaseTarget(dsn: database).problem {
            throw ValidationError("--database is not a valid libpq connection string: \(complaint)")
        }
    }

    var logger: Logger {
        var logger = Logger(label: "enginesync.migrate") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = verbose ? .info : .critical
        return logger
    }

    /// Loads the migrations, connects and builds a runner; failures become one line and an exit code.
    /// With `progress`, the session is registered for cancellation (`SignalInterruption`).
    func makeRunner(progress: ReconcileProgress? = nil) throws -> MigrationRunner {
        let set: MigrationSet
        var commit: String?
        // With --target (issue 17): the target's database and schema, the daemon's repository and branch.
        let configured = try target.map { try ConfiguredTargets.select($0, config: config).targets[0].configuration }
        let repo = repo ?? (dir == nil ? configured.map(ConfiguredTargets.repository(of:)) : nil)
        let rev = sourceOptions.rev ?? configured?.branch ?? "main"
        let migrationsPath = sourceOptions.migrationsPath ?? configured?.migrationsPath ?? MigrationLoader.defaultPath
        let schema = configured?.schema ?? schema
        if let repo {
            let reader: SourceReader
            do {
                reader = try SourceReader(.git(repository: repo, revision: rev))
            } catch {
                throw CommandFailure(message: "--repo \(repo): \(error)", exitCode: .failure)
            }
            commit = reader.commitSHA
            set = try loading { try reader.loadMigrations(path: migrationsPath) }
        } else {
            set = try loading { try MigrationLoader.load(directory: dir ?? ".", path: migrationsPath) }
        }
        let target = configured.map { DatabaseTarget($0.postgres) } ?? DatabaseTarget(dsn: database)
        let session: DatabaseSession
        do {
            // Registered for cancellation (SIGINT/SIGTERM) as soon as it connects.
            session = try DatabaseSession.connect(target, settings: SessionSettings(schema: schema), progress: progress)
        } catch {
            throw CommandFailure(
                message: "cannot connect to the database (\(target.redactedDSN)): "
                    + "\(error)".split(whereSeparator: \.isWhitespace).joined(separator: " "),
                exitCode: .failure)
        }
        let options = MigrationRunnerOptions(
            commit: commit, lockWait: .milliseconds(Int(lockWait * 1000)), logger: logger)
        return MigrationRunner(session: session, set: set, options: options)
    }

    private func loading(_ body: () throws -> MigrationSet) throws -> MigrationSet {
        do {
            return try body()
        } catch let error as MigrationError {
            throw CommandFailure(error)
        }
    }
}
