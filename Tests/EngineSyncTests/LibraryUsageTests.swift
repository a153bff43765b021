import EngineSync
import EngineSyncCore
import EngineSyncTestSupport
import Logging
import PostgresClient
import Testing

/// The README's "Using it as a library" example, run for real so the documented API keeps compiling.
@Suite struct LibraryUsageTests {
    @Test func readmeExample() throws {
        try ScratchDatabase.with { database, _ in
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/models/post.json": #"{"fields": {"title": {"type": "string"}, "slug": {"type": "string"}}}"#
            ])

            // --- README example, Safe Sync ---
            let reconciler = Reconciler(
                database: PostgresConfiguration(dsn: database.dsn),
                options: ReconcilerOptions(safeSync: SafeSyncOptions(planner: PlannerOptions(schema: "public"))),
                logger: Logger(label: "app.schema"))
            let result = reconciler.reconcile(.git(repository: repository.path, revision: "main"))
            #expect(result.report.outcome == .synced)
            #expect(result.report.blocked.isEmpty)

            // --- README example, Migration Runner ---
            let connection = try PostgresConnection.connect(PostgresConfiguration(dsn: database.dsn))
            let runner = try MigrationRunner(
                connection: connection,
                migrations: [
                    Migration(id: "20260101_backfill_slugs") { context in
                        try context.connection.query("UPDATE post SET slug = lower(title) WHERE slug IS NULL")
                    }
                ])
            #expect(try runner.status().pending == ["20260101_backfill_slugs"])
            #expect(try runner.up().map(\.id) == ["20260101_backfill_slugs"])
            #expect(try runner.status().pending.isEmpty)
        }
    }
}
