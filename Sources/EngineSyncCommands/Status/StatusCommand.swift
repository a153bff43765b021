import ArgumentParser
import EngineSync
import Foundation
import GitClient
import PostgresClient

/// `enginesync status`: the last reconcile, the snapshot hash and the pending migrations.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the last reconcile, the snapshot hash and pending migrations.",
        discussion: """
            Reads engine_reconciles, the snapshot table and engine_migrations; changes nothing. Pending \
            migrations are listed when --repo or --dir says where the migrations are.

            Examples:
              enginesync status --database "host=/run/postgresql dbname=app"
              enginesync status --repo /srv/git/schema.git --format json
            """
    )

    @Option(name: .long, help: ArgumentHelp("libpq conninfo or URI; without it the PG* environment variables.", valueName: "dsn"))
    var database: String?

    @Option(name: .long, help: "The PostgreSQL schema.")
    var schema: String = "public"

    @Option(name: .customLong("snapshot-table"), help: "The snapshot model's table.")
    var snapshotTable: String = "dsl"

    @Option(name: .long, help: ArgumentHelp("A git repository to list pending migrations from.", valueName: "path"))
    var repo: String?

    @Option(name: .long, help: ArgumentHelp("The revision of --repo.", valueName: "rev"))
    var rev: String = "main"

    @Option(name: .long, help: ArgumentHelp("A directory laid out like the repository, instead of --repo.", valueName: "root"))
    var dir: String?

    @Option(name: .customLong("migrations-path"), help: "The migrations folder inside the repository.")
    var migrationsPath: String = "migrations"

    @Option(name: .long, help: "Output format: text or json.")
    var format: OutputFormat = .text

    func validate() throws {
        if repo != nil && dir != nil { throw ValidationError("--repo and --dir are mutually exclusive") }
        if let complaint = PostgresConfiguration(dsn: database).validateDSN() {
            throw ValidationError("--database is not a valid libpq connection string: \(complaint)")
        }
    }

    func run() throws {
        try CommandFailure.reporting {
            var migrations: MigrationSet?
            if let repo {
                do {
                    let repository = try GitRepository.open(path: repo)
                    let commit = try repository.resolveCommit(rev)
                    migrations = try MigrationLoader.load(repository: repository, commit: commit.id, path: migrationsPath)
                } catch let error as GitError {
                    throw CommandFailure("--repo \(repo): \(error)")
                }
            } else if let dir {
                migrations = try MigrationLoader.load(directory: dir, path: migrationsPath)
            }
            let configuration = PostgresConfiguration(dsn: database)
            let connection: PostgresConnection
            do {
                connection = try PostgresConnection.connect(configuration)
            } catch {
                throw CommandFailure("cannot connect to the database (\(configuration.redactedDSN)): \(error)")
            }
            let status: DatabaseStatus
            do {
                status = try DatabaseStatus.read(connection, schema: schema, snapshotTable: snapshotTable, migrations: migrations)
            } catch let error as PostgresError {
                throw CommandFailure("cannot read the status: \(error)")
            }
            switch format {
            case .text: print(status.text)
            case .json: print(try renderJSON(status))
            }
        }
    }
}
