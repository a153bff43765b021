import ArgumentParser
import EngineSync
import EngineSyncCore
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

            Examples:
              enginesync sync --repo /srv/git/schema.git --rev main --database "host=/run/postgresql dbname=app"
              enginesync sync --dir . --dry-run
              PGHOST=/run/postgresql PGDATABASE=app enginesync sync --dir . --reports ./reports --format json
            """
    )

    @OptionGroup var options: ReconcileOptions

    @Flag(name: .customLong("dry-run"), help: "Plan only: print what would change, change nothing.")
    var dryRun = false

    func run() throws {
        try ReconcileCommandRunner(options: options, dryRun: dryRun).run()
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

            Examples:
              enginesync plan --repo /srv/git/schema.git --database postgresql:///app
              enginesync plan --dir . --format json
              enginesync plan --dir . --catalog catalog.json --format markdown
            """
    )

    @OptionGroup var options: ReconcileOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Plan against this exported catalog.json instead of a database connection.",
            valueName: "file"))
    var catalog: String?

    func validate() throws {
        if catalog != nil, options.database != nil {
            throw ValidationError(
                "give --catalog FILE or --database DSN, not both: --catalog plans without a connection")
        }
    }

    func run() throws {
        if let catalog {
            try OfflinePlanCommandRunner(options: options, catalogPath: catalog).run()
        } else {
            try ReconcileCommandRunner(options: options, dryRun: true).run()
        }
    }
}

/// What `plan` and `sync` share: run the reconciler, print, write reports, exit with the outcome's code.
struct ReconcileCommandRunner {
    var options: ReconcileOptions
    var dryRun: Bool

    func run() throws {
        var logger = Logger(label: "enginesync") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = options.verbose ? .info : .critical
        var reconcilerOptions = try options.reconcilerOptions(dryRun: dryRun)
        // SIGINT/SIGTERM cancel the running statement (it rolls back) and exit 130/143, as the daemon stops.
        let interruption = SignalInterruption()
        reconcilerOptions.progress = interruption.progress
        let reconciler = Reconciler(
            database: DatabaseTarget(dsn: options.database).configuration,
            options: reconcilerOptions, logger: logger)
        let result = reconciler.reconcile(options.source)
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
                dryRun ? result.report.pullRequestMarkdown(rows: liveRowEstimates()) : result.report.markdown,
                terminator: "")
        }
        if let code = interruption.exitCode { throw ExitCode(code) }
        let code = result.report.outcome.exitCode
        if code != 0 { throw ExitCode(code) }
    }
}

extension ReconcileCommandRunner {
    /// The managed tables' row estimates for a plan's Markdown, read as `export-catalog` reads them; empty when
    /// the database cannot be read (the plan itself already says why).
    func liveRowEstimates() -> [String: Int] {
        guard
            let session = try? DatabaseSession.connect(
                DatabaseTarget(dsn: options.database), settings: SessionSettings(schema: options.schema)),
            let catalog = try? CatalogExporter(schema: options.schema).export(session.connection)
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
        let result = OfflinePlanner(options: try options.reconcilerOptions(dryRun: true)).plan(
            options.source, catalog: catalog)
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
