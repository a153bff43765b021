import ArgumentParser
import EngineSync
import EngineSyncCore
import EngineSyncDaemon
import Foundation
import Logging

/// `enginesync sync`: one reconcile of a revision or directory.
struct SyncCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Reconcile the database with a revision once: migrations, then Safe Sync.",
        discussion: """
            Runs pending migrations, then applies only widening, data-preserving changes (create table, add \
            column, widen a type, create index) in one transaction, records the snapshot and prints the \
            report. Narrowing or destructive changes are refused and listed with the migration that would \
            perform them.

            With --require-signed-commits, a revision not signed by a key in --allowed-signers-file is not \
            reconciled (outcome untrusted); with --migration-approvers-file, a migration runs only once an \
            approver signed it (docs/OPERATIONS.md, "Signed commits and approved migrations").

            Exit status: 0 synced, 2 blocked, 3 invalid, 1 failed, skipped, standby or untrusted, 64 usage; 130 after \
            SIGINT, 143 after SIGTERM (the running statement is cancelled and rolled back first).

            With --target NAME (issue 17) the database, schema, limits and the daemon's repository and branch \
            come from that target of the configuration file (--config, ENGINESYNC_CONFIG or the default file); \
            an unknown name exits 64. There is no --all-targets for sync: a fleet-wide write would bypass the \
            staged rollout (after:); `enginesync run --once` reconciles every target in rollout order.

            Examples:
              enginesync sync --repo /srv/git/schema.git --rev main --database "host=/run/postgresql dbname=app"
              enginesync sync --dir . --dry-run
              PGHOST=/run/postgresql PGDATABASE=app enginesync sync --dir . --reports ./reports --format json
              enginesync sync --target canary --rev main
            """
    )

    @OptionGroup var options: ReconcileOptions

    @Flag(name: .customLong("dry-run"), help: "Plan only: print what would change, change nothing.")
    var dryRun = false

    func validate() throws {
        try options.requireSource(targeted: options.target != nil)
    }

    func run() throws {
        let code = try ReconcileCommandRunner(options: options, dryRun: dryRun).runSelected(allTargets: false)
        if code != 0 { throw ExitCode(code) }
    }
}

/// `enginesync plan`: `sync --dry-run`.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Print what a sync would apply and refuse; change nothing.",
        discussion: """
            Same as `sync --dry-run`: reads the revision, compiles the DSL, introspects the database and prints \
            the plan. Pending migrations are listed, not run (the plan is against the current database), and \
            linted with PostgreSQL's parser against the live table sizes (docs/MIGRATIONS.md).

            With --catalog FILE no database is needed: the plan runs against a catalog.json exported by the \
            daemon (next to its reports) or by `enginesync export-catalog`, and prints the same report; \
            --format markdown gives the pull-request comment with the row estimates (docs/CI.md). A catalog \
            file that is malformed or of a newer format version is an error (exit 3).

            Exit status: 0 nothing blocked, 2 something would be blocked, 3 invalid, 1 failed or untrusted, 64 usage.

            With --target NAME (issue 17) the plan is the daemon's for that target of the configuration file \
            (--config, ENGINESYNC_CONFIG or the default file): its database, schema, limits and the daemon's \
            repository and branch (--repo/--rev/--dir still choose the source). --all-targets plans every \
            target in turn, one heading per target in text; the exit status is then 0 when every plan's is, \
            else the most serious: 1, then 3, then 2.

            Examples:
              enginesync plan --repo /srv/git/schema.git --database postgresql:///app
              enginesync plan --dir . --format json
              enginesync plan --dir . --catalog catalog.json --format markdown
              enginesync plan --all-targets --rev feature
            """
    )

    @OptionGroup var options: ReconcileOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Plan against this exported catalog.json instead of a database connection.",
            valueName: "file"))
    var catalog: String?

    @Flag(
        name: .customLong("all-targets"),
        help: "Plan every target of the configuration's targets:, one after another.")
    var allTargets = false

    func validate() throws {
        try options.requireSource(targeted: options.target != nil || allTargets)
        if catalog != nil, options.database != nil {
            throw ValidationError(
                "give --catalog FILE or --database DSN, not both: --catalog plans without a connection")
        }
        if allTargets, options.target != nil {
            throw ValidationError("give --target NAME or --all-targets, not both")
        }
        if allTargets, catalog != nil {
            throw ValidationError("--catalog is one database's catalog; plan it with --target NAME")
        }
        if allTargets, options.database != nil {
            throw ValidationError("--database names one database; each target names its own")
        }
    }

    func run() throws {
        if let catalog {
            try OfflinePlanCommandRunner(options: options, catalogPath: catalog).run()
        } else {
            let code = try ReconcileCommandRunner(options: options, dryRun: true).runSelected(allTargets: allTargets)
            if code != 0 { throw ExitCode(code) }
        }
    }
}

/// What `plan` and `sync` share: run the reconciler, print, write reports, exit with the outcome's code.
struct ReconcileCommandRunner {
    var options: ReconcileOptions
    var dryRun: Bool

    /// The flags' database, or the `--target`'s, or (`allTargets`) every target's in turn; returns the exit code
    /// (`FleetExitCode` over several targets). A bad configuration or an unknown target exits 64.
    func runSelected(allTargets: Bool) throws -> Int32 {
        guard options.target != nil || allTargets else { return try run(try options.resolved(dryRun: dryRun)) }
        let selected: [DaemonTarget]
        do {
            selected = try ConfiguredTargets.select(options.target, config: options.config).targets
        } catch let failure as CommandFailure {
            CommandFailure.printError(failure.message)
            throw failure.exitCode
        }
        var codes: [Int32] = []
        for target in selected {
            if allTargets, options.format != .json { print(ConfiguredTargets.heading(target)) }
            codes.append(try run(options.resolved(target, dryRun: dryRun)))
        }
        return FleetExitCode.combine(codes)
    }

    func run(_ resolved: ReconcileOptions.Resolved) throws -> Int32 {
        var logger = Logger(label: "enginesync") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = options.verbose ? .info : .critical
        if let name = resolved.name { logger[metadataKey: "target"] = "\(name)" }
        var reconcilerOptions = resolved.reconcilerOptions
        // SIGINT/SIGTERM cancel the running statement (it rolls back) and exit 130/143, as the daemon stops.
        let interruption = SignalInterruption()
        reconcilerOptions.progress = interruption.progress
        let reconciler = Reconciler(
            database: resolved.database.configuration, options: reconcilerOptions, logger: logger)
        let result = reconciler.reconcile(resolved.source)
        interruption.finish()
        defer {
            if let code = interruption.exitCode {
                CommandFailure.printError("interrupted by signal \(code - 128); the report above says what committed")
            }
        }
        if let directory = options.reports, !dryRun {
            do {
                try ReportFileStore(directory: directory, retention: 1000)
                    .write(
                        name: result.reportName, json: try result.report.jsonData(), markdown: result.report.markdown)
            } catch {
                // The reconcile itself stands (it committed or not): say the files are missing, print the report
                // and exit with the outcome's code, so a script never mistakes a committed sync for a failure.
                FileHandle.standardError.write(
                    Data(
                        ("warning: the reconcile's outcome stands, but its report files "
                            + "could not be written to \(directory): \(error)\n").utf8))
            }
        }
        switch options.format {
        case .text: print(result.report.text(dryRun: dryRun))
        case .json: print(String(decoding: try result.report.jsonData(), as: UTF8.self))
        case .markdown:
            print(
                dryRun
                    ? result.report.pullRequestMarkdown(rows: liveRowEstimates(resolved)) : result.report.markdown,
                terminator: "")
        }
        if let code = interruption.exitCode { throw ExitCode(code) }
        return result.report.outcome.exitCode
    }
}

extension ReconcileCommandRunner {
    /// The managed tables' row estimates for a plan's Markdown, read as `export-catalog` reads them; empty when
    /// the database cannot be read (the plan itself already says why).
    func liveRowEstimates(_ resolved: ReconcileOptions.Resolved) -> [String: Int] {
        guard
            let session = try? DatabaseSession.connect(
                resolved.database, settings: SessionSettings(schema: resolved.schema)),
            let catalog = try? CatalogExporter(schema: resolved.schema).export(session.connection)
        else { return [:] }
        var rows: [String: Int] = [:]
        for table in catalog.tables { rows[table.name] = table.estimatedRows }
        return rows
    }
}

/// `plan --catalog`: the plan against an exported catalog file, printed like `plan`'s.
struct OfflinePlanCommandRunner {
    var options: ReconcileOptions
    var catalogPath: String

    func run() throws {
        guard let data = FileManager.default.contents(atPath: catalogPath) else {
            CommandFailure.printError("cannot read catalog file '\(catalogPath)'")
            throw ExitCode.failure
        }
        let catalog: CatalogFile
        do {
            catalog = try CatalogFile.decode(data)
        } catch {
            CommandFailure.printError("catalog file '\(catalogPath)': \(error.message)")
            throw CommandFailure.invalid
        }
        var resolved = try options.resolved(dryRun: true)
        if let name = options.target {
            do {
                resolved = try options.resolved(
                    ConfiguredTargets.select(name, config: options.config).targets[0], dryRun: true)
            } catch let failure as CommandFailure {
                CommandFailure.printError(failure.message)
                throw failure.exitCode
            }
        }
        let result = OfflinePlanner(options: resolved.reconcilerOptions).plan(resolved.source, catalog: catalog)
        switch options.format {
        case .text: print(result.report.text(dryRun: true))
        case .json: print(String(decoding: try result.report.jsonData(), as: UTF8.self))
        case .markdown:
            var rows: [String: Int] = [:]
            for table in catalog.tables { rows[table.name] = table.estimatedRows }
            print(result.report.pullRequestMarkdown(rows: rows), terminator: "")
        }
        let code = result.report.outcome.exitCode
        if code != 0 { throw ExitCode(code) }
    }
}
