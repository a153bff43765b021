import ArgumentParser
import EngineSync
import EngineSyncCore
import EngineSyncDaemon

/// The flags `plan` and `sync` share: where the DSL comes from, which database, and Safe Sync's limits.
struct ReconcileOptions: ParsableArguments {
    @OptionGroup(title: "Source") var sourceOptions: SourceOptions

    var repo: String? { sourceOptions.repo }
    var rev: String { sourceOptions.rev ?? "main" }
    var dir: String? { sourceOptions.dir }
    var dslPath: String { sourceOptions.dslPath ?? "dsl" }
    var migrationsPath: String { sourceOptions.migrationsPath ?? MigrationLoader.defaultPath }

    @Option(name: .customLong("snapshot-model"), help: "The key of the DSL snapshot model.")
    var snapshotModel: String = "dsl"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "libpq conninfo or URI; without it libpq uses the PG* environment variables and .pgpass.", valueName: "dsn")
    )
    var database: String?

    @Option(name: .long, help: "The PostgreSQL schema to reconcile.")
    var schema: String = "public"

    // Numbers and durations take the next argument even when it starts with "-", so `--max-rewrite-rows -5`
    // says "must be ≥ 0" rather than ArgumentParser's "Missing value" (it would read -5 as a flag).
    @Option(name: .customLong("lock-timeout"), parsing: .unconditional, help: "lock_timeout for every DDL statement.")
    var lockTimeout = DurationArgument(milliseconds: 3_000)

    @Option(
        name: .customLong("statement-timeout"), parsing: .unconditional, help: "statement_timeout for every statement.")
    var statementTimeout = DurationArgument(milliseconds: 600_000)

    @Option(
        name: .customLong("lock-wait"), parsing: .unconditional,
        help: "How long to wait for another reconciler's advisory lock before giving up as skipped.")
    var lockWait = DurationArgument(milliseconds: 60_000)

    @Option(
        name: .customLong("max-rewrite-rows"), parsing: .unconditional,
        help: "Widenings that rewrite a larger table are blocked (rewrite_too_large).")
    var maxRewriteRows: Int = 100_000

    @Option(
        name: .customLong("concurrent-index-rows"), parsing: .unconditional,
        help: "Indexes on larger existing tables are built CONCURRENTLY after COMMIT.")
    var concurrentIndexRows: Int = 100_000

    @Option(
        name: .customLong("migration-lint"),
        help: ArgumentHelp(
            "warn: lint hazards in pending migrations are warnings; block: one over max-rewrite-rows / "
                + "concurrent-index-rows stops the migrations (also ENGINESYNC_MIGRATION_LINT; default warn).",
            valueName: "warn|block"))
    var migrationLint: String?

    @Flag(
        name: .customLong("require-snapshot"),
        help: "Refuse a database that has no snapshot row (a wrong-database guard).")
    var requireSnapshot = false

    @Flag(
        name: .long, help: "DSL warnings about what EngineJS does silently become errors (also ENGINESYNC_STRICT=true)."
    )
    var strict = false

    @Flag(
        name: .customLong("refuse-non-fast-forward"),
        help: "Refuse a revision that does not descend from the last reconciled commit.")
    var refuseNonFastForward = false

    @Option(
        name: .long,
        help: ArgumentHelp("Write <sha>.json/.md and latest.* reports into this directory.", valueName: "dir"))
    var reports: String?

    @Option(
        name: .long, help: "Output format: text, json (the SPEC 7 report) or markdown (for a pull-request comment).")
    var format: ReportFormat = .text

    @Flag(name: .long, help: "Log progress to stderr.")
    var verbose = false

    @OptionGroup(title: "Trust (signed commits, approved migrations)") var trust: TrustOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The daemon's configuration file, for --target (default: ENGINESYNC_CONFIG, else "
                + "/etc/enginesync/enginesync.yaml).", valueName: "file"))
    var config: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A target of the configuration's targets: reconciled as the daemon would: its database, schema, "
                + "limits and the daemon's repository and branch (--repo/--rev/--dir still choose the source).",
            valueName: "name"))
    var target: String?

    /// `plan` and `sync` check that a source is given (`requireSource`): with `--target` or `plan --all-targets`
    /// the daemon's repository is the default.
    func validate() throws {
        if repo != nil && dir != nil {
            throw ValidationError("give exactly one of --repo PATH [--rev REV] or --dir DSL_ROOT")
        }
        if target != nil, database != nil {
            throw ValidationError("--database names one database; --target takes the target's own")
        }

        if let problem = ManagedSchemaName.problem(schema) { throw ValidationError("--schema \(problem)") }
        if let problem = TimeoutLimits.lockTimeoutProblem(lockTimeout.duration) {
            throw ValidationError("--lock-timeout \(problem)")
        }
        if let problem = TimeoutLimits.statementTimeoutProblem(statementTimeout.duration) {
            throw ValidationError("--statement-timeout \(problem)")
        }
        if maxRewriteRows < 0 { throw ValidationError("--max-rewrite-rows must be ≥ 0") }
        if concurrentIndexRows < 0 { throw ValidationError("--concurrent-index-rows must be ≥ 0") }
        _ = try MigrationLintSetting.resolve(option: migrationLint)
        if let complaint = DatabaseTarget(dsn: database).problem {
            throw ValidationError("--database is not a valid libpq connection string: \(complaint)")
        }
    }

    /// Without a target, the source must be named.
    func requireSource(targeted: Bool) throws {
        if !targeted, repo == nil, dir == nil {
            throw ValidationError("give exactly one of --repo PATH [--rev REV] or --dir DSL_ROOT")
        }
    }

    var source: ReconcileSource {
        if let repo { return .git(repository: repo, revision: rev) }
        return .directory(dir ?? ".")
    }

    /// What `plan`/`sync` run against: the database, the source and the reconcile settings — from the flags,
    /// or with `--target` (or each of `plan --all-targets`) from the daemon's configuration of that target, so
    /// the plan is the one the daemon would make (its limits, lint mode, strictness and trust); `--repo`,
    /// `--rev`, `--dir`, `--dsl-path` and `--migrations-path` still choose the source.
    struct Resolved {
        var name: String?
        var database: DatabaseTarget
        var schema: String
        var source: ReconcileSource
        var reconcilerOptions: ReconcilerOptions
    }

    func resolved(dryRun: Bool) throws -> Resolved {
        Resolved(
            database: DatabaseTarget(dsn: database), schema: schema, source: source,
            reconcilerOptions: try reconcilerOptions(dryRun: dryRun))
    }

    func resolved(_ target: DaemonTarget, dryRun: Bool) -> Resolved {
        let daemon = target.configuration
        var options = daemon.reconcilerOptions
        options.skipUnchangedTrees = false
        options.safeSync.dryRun = dryRun
        // The outbox is the daemon's: a command never records notification events.
        options.safeSync.outbox = nil
        options.lockWait = lockWait.duration
        if let dslPath = sourceOptions.dslPath { options.compiler.dslPath = dslPath }
        if let path = sourceOptions.migrationsPath { options.migrationsPath = path }
        options.compiler.snapshotModelKey = snapshotModel
        let source: ReconcileSource
        if let repo {
            source = .git(repository: repo, revision: rev)
        } else if let dir {
            source = .directory(dir)
        } else {
            source = .git(
                repository: ConfiguredTargets.repository(of: daemon), revision: sourceOptions.rev ?? daemon.branch)
        }
        if case .git(_, let revision) = source { options.branch = revision } else { options.branch = nil }
        return Resolved(
            name: target.name, database: DatabaseTarget(daemon.postgres), schema: daemon.schema, source: source,
            reconcilerOptions: options)
    }

    func reconcilerOptions(dryRun: Bool) throws -> ReconcilerOptions {
        let planner = PlannerOptions(
            schema: schema, maxRewriteRows: maxRewriteRows, concurrentIndexRows: concurrentIndexRows)
        let safeSync = SafeSyncOptions(planner: planner, requireSnapshot: requireSnapshot, dryRun: dryRun)
        var options = ReconcilerOptions(
            compiler: DSLCompilerOptions(
                dslPath: dslPath, snapshotModelKey: snapshotModel,
                strict: try StrictSetting.resolve(flag: strict)),
            migrationsPath: migrationsPath, safeSync: safeSync,
            timeouts: SessionTimeouts(lock: lockTimeout.duration, statement: statementTimeout.duration),
            lockWait: lockWait.duration,
            refuseNonFastForward: refuseNonFastForward, branch: repo == nil ? nil : rev,
            migrationLint: try MigrationLintSetting.resolve(option: migrationLint))
        options.trust = try trust.settings()
        return options
    }
}
