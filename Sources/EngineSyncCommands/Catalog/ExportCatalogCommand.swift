import ArgumentParser
import EngineSync
import EngineSyncCore
import Foundation

/// `enginesync export-catalog`: writes `catalog.json` for `plan --catalog` (the daemon writes it after each
/// reconcile; this is the same file on demand).
struct ExportCatalogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-catalog",
        abstract: "Write what planning needs from the database (catalog.json) for `plan --catalog` in CI.",
        discussion: """
            Reads the managed schema's tables, columns, indexes and foreign keys, per-table row estimates \
            (pg_class.reltuples) and sizes, the current snapshot, the last reconciled commit and the applied \
            migrations, and writes them as versioned JSON (docs/CI.md). Never data, never secrets: no rows of \
            your tables, no connection string. Read-only: takes no lock and creates nothing. The file is \
            replaced atomically.

            Exit status: 0 written, 1 failed, 64 usage.

            Examples:
              enginesync export-catalog --database postgresql:///app --output /var/lib/enginesync/reports/catalog.json
              enginesync export-catalog --output - > catalog.json
            """
    )

    @Option(
        name: .long,
        help: ArgumentHelp(
            "libpq conninfo or URI; without it libpq uses the PG* environment variables and .pgpass.", valueName: "dsn")
    )
    var database: String?

    @Option(name: .long, help: ArgumentHelp("The file to write; - for stdout.", valueName: "file"))
    var output: String

    @Option(name: .long, help: "The PostgreSQL schema enginesync manages.")
    var schema: String = "public"

    @Option(name: .customLong("snapshot-table"), help: "The table of the DSL snapshot model.")
    var snapshotTable: String = "dsl"

    @Option(
        name: .customLong("statement-timeout"), parsing: .unconditional,
        help: "statement_timeout for the catalog queries.")
    var statementTimeout = DurationArgument(milliseconds: 60_000)

    func validate() throws {
        if let problem = ManagedSchemaName.problem(schema) { throw ValidationError("--schema \(problem)") }
        if output.isEmpty { throw ValidationError("--output must not be empty") }
        if let problem = TimeoutLimits.statementTimeoutProblem(statementTimeout.duration) {
            throw ValidationError("--statement-timeout \(problem)")
        }
        if let complaint = DatabaseTarget(dsn: database).problem {
            throw ValidationError("--database is not a valid libpq connection string: \(complaint)")
        }
    }

    func run() throws {
        let target = DatabaseTarget(dsn: database)
        let session: DatabaseSession
        do {
            session = try DatabaseSession.connect(
                target,
                settings: SessionSettings(
                    schema: schema, timeouts: SessionTimeouts(lock: .seconds(3), statement: statementTimeout.duration)))
        } catch {
            CommandFailure.printError("cannot connect to \(target.redactedDSN): \(error)")
            throw ExitCode.failure
        }
        let catalog: CatalogFile
        do {
            catalog = try CatalogExporter(schema: schema, snapshotTable: snapshotTable).export(session.connection)
        } catch {
            CommandFailure.printError("cannot read the catalog: \(error)")
            throw ExitCode.failure
        }
        do {
            if output == "-" {
                FileHandle.standardOutput.write(try catalog.jsonData() + Data("\n".utf8))
            } else {
                try CatalogExporter.write(catalog, to: output)
            }
        } catch {
            CommandFailure.printError("cannot write \(output): \(error)")
            throw ExitCode.failure
        }
    }
}
