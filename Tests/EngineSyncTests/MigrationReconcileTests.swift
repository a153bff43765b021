import EngineSync
import EngineSyncCore
import EngineSyncTestSupport
import Foundation
import PostgresClient
import Testing

/// Migrations inside a reconcile (SPEC 5, 6 and the report's `migrations` of SPEC 7), on real PostgreSQL.
@Suite("Migrations in the reconcile report, on real PostgreSQL")
struct MigrationReconcileTests {
    typealias Story = ReconcileStory

    static let post = #"{"fields": {"title": {"type": "string", "length": 50}, "body": {"type": "text"}}}"#

    /// A commit that reached the database and is synced: the starting point of every story here.
    static func synced(_ database: ScratchDatabase) throws -> ScratchRepository {
        let repository = try ScratchRepository()
        try repository.commit(
            ["dsl/meta/dsl.json": Story.snapshotModel, "dsl/models/post.json": post], message: "start")
        let result = Story.reconcile(database, repository)
        try #require(result.report.outcome == .synced, "\(result.report.errors)")
        return repository
    }

    /// A real syntax error (42601) fails the sync: the report names the migration and its line, nothing of it
    /// (nor of the DSL commit it came with) is applied, and what did not run is listed as pending.
    @Test func syntaxErrorFailsTheSyncWithItsFileAndLine() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try Self.synced(database)
            let before = try CatalogFingerprint.capture(connection)
            try repository.commit([
                "migrations/0001_ok.sql": "INSERT INTO post (title) VALUES ('first');\n",
                "migrations/0002_typo.sql": """
                -- a table, a row, then a typo
                CREATE TABLE half_done (id int);

                INSERT INTO half_done VALUES (1);
                SELEC 1;
                """,
                "migrations/0003_later.sql": "CREATE TABLE later (id int);\n",
                "dsl/models/post.json":
                    #"{"fields": {"title": {"type": "string", "length": 50}, "body": {"type": "text"}, "slug": {"type": "string"}}}"#,
            ])
            let result = Story.reconcile(database, repository)
            #expect(result.report.outcome == .failed)
            #expect(result.report.migrations.applied.map(\.id) == ["0001_ok"])
            #expect(result.report.migrations.failed == ["0002_typo"])
            #expect(result.report.migrations.pending == ["0003_later"])
            let error = try #require(result.report.errors.first)
            #expect(error.sqlstate == "42601")
            #expect(error.file == "migrations/0002_typo.sql")
            #expect(error.line == 5)
            #expect(result.report.applied.isEmpty)

            // The migration before it committed; nothing of the failed one, of the later one or of the DSL did.
            #expect(try Story.value(connection, "SELECT string_agg(title, ',') FROM post") == "first")
            #expect(try Story.value(connection, "SELECT pg_catalog.to_regclass('public.half_done')") == nil)
            #expect(
                try Story.value(connection, "SELECT string_agg(id, ',' ORDER BY id) FROM engine_migrations")
                    == "0001_ok")
            let after = try CatalogFingerprint.capture(connection)
            #expect(after.catalog == before.catalog, "\(before.difference(from: after))")
            #expect(
                try Story.value(connection, "SELECT outcome FROM engine_reconciles ORDER BY id DESC LIMIT 1")
                    == "failed")

            // Fixed in a new commit (a transactional migration that failed was never recorded): all of it lands.
            try repository.commit([
                "migrations/0002_typo.sql": "CREATE TABLE half_done (id int);\nINSERT INTO half_done VALUES (1);\n"
            ])
            let fixed = Story.reconcile(database, repository)
            #expect(fixed.report.outcome == .synced, "\(fixed.report.errors)")
            #expect(fixed.report.migrations.applied.map(\.id) == ["0002_typo", "0003_later"])
            #expect(fixed.report.migrations.pending.isEmpty)
            #expect(fixed.report.migrations.failed.isEmpty)
            #expect(fixed.report.applied.map(\.column) == ["slug"])
        }
    }

    /// A failed no-transaction migration is recorded `failed`; every later reconcile reports it under `failed`
    /// and the rest under `pending` until it is resolved.
    @Test func unresolvedNoTransactionMigrationKeepsTheRestPending() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try Self.synced(database)
            try repository.commit([
                "migrations/0001_nt.sql": "-- enginesync: no-transaction\nCREATE TABLE nt (id int);\nSELECT 1/0;\n",
                "migrations/0002_later.sql": "CREATE TABLE later (id int);\n",
            ])
            let first = Story.reconcile(database, repository)
            #expect(first.report.outcome == .failed)
            #expect(first.report.errors.first?.sqlstate == "22012")
            #expect(first.report.migrations.failed == ["0001_nt"])
            #expect(first.report.migrations.pending == ["0002_later"])
            let again = Story.reconcile(database, repository)
            #expect(again.report.outcome == .failed)
            #expect(again.report.errors.first?.code == "migration_unresolved")
            #expect(again.report.migrations.failed == ["0001_nt"])
            #expect(again.report.migrations.pending == ["0002_later"])
            #expect(try Story.value(connection, "SELECT pg_catalog.to_regclass('public.later')") == nil)
        }
    }

    /// An applied migration whose file changed makes the commit `invalid` (not `failed`): the error names the
    /// file, nothing runs, and the migrations that did not run are pending.
    @Test func checksumMismatchIsInvalidAndNotListedAsFailed() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try Self.synced(database)
            try repository.commit(["migrations/0001_seed.sql": "INSERT INTO post (title) VALUES ('a');\n"])
            #expect(Story.reconcile(database, repository).report.migrations.applied.map(\.id) == ["0001_seed"])
            try repository.commit([
                "migrations/0001_seed.sql": "INSERT INTO post (title) VALUES ('b');\n",
                "migrations/0002_more.sql": "INSERT INTO post (title) VALUES ('c');\n",
            ])
            let result = Story.reconcile(database, repository)
            #expect(result.report.outcome == .invalid)
            #expect(result.report.migrations.failed.isEmpty)
            #expect(result.report.migrations.applied.isEmpty)
            #expect(result.report.migrations.pending == ["0002_more"])
            let error = try #require(result.report.errors.first)
            #expect(error.code == "migration_invalid")
            #expect(error.file == "migrations/0001_seed.sql")
            #expect(try Story.value(connection, "SELECT string_agg(title, ',' ORDER BY id) FROM post") == "a")
        }
    }

    /// Issue 11 item 5: an id EngineJS's JavaScript runner recorded (no SQL file in the repository) is reported
    /// once, by the first reconcile that sees it, not as a warning on every reconcile.
    @Test func idRecordedByEngineJSIsReportedByOneReconcileOnly() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try Self.synced(database)
            // What EngineJS's MigrationRunner sends after running a JavaScript migration.
            try connection.query(
                #"INSERT INTO "engine_migrations" ("id","executed_at") VALUES ($1,$2);"#,
                ["20240101_js_only", "2024-01-01 00:00:00+00"])
            func reported(_ result: Reconciler.Result) -> [ReconcileReport.Message] {
                result.report.warnings.filter { $0.code == "recorded_by_other_runner" || $0.code == "missing_file" }
            }
            try repository.commit(["migrations/0001_seed.sql": "INSERT INTO post (title) VALUES ('a');\n"])
            let first = Story.reconcile(database, repository)
            #expect(first.report.outcome == .synced, "\(first.report.errors)")
            #expect(first.report.migrations.applied.map(\.id) == ["0001_seed"])
            #expect(reported(first).map(\.code) == ["recorded_by_other_runner"])
            #expect(reported(first).first?.message.contains("'20240101_js_only'") == true)
            #expect(!first.report.warnings.contains { $0.code == "out_of_order" })

            try repository.commit(["migrations/0002_more.sql": "INSERT INTO post (title) VALUES ('b');\n"])
            let second = Story.reconcile(database, repository)
            #expect(second.report.outcome == .synced, "\(second.report.errors)")
            #expect(second.report.migrations.applied.map(\.id) == ["0002_more"])
            #expect(reported(second).isEmpty, "\(second.report.warnings)")
            #expect(
                try Story.value(connection, "SELECT origin FROM engine_migrations WHERE id = '20240101_js_only'")
                    == "external")
        }
    }

    /// SPEC 5: "a migration that drops a column and a DSL commit that removes the field land together".
    @Test func migrationAndDSLPushedTogetherLandTogether() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try Self.synced(database)
            try connection.execute(script: "INSERT INTO post (title, body) VALUES ('t', 'old body');")
            try repository.commit(
                [
                    "migrations/20260101_drop_body.sql": "ALTER TABLE post DROP COLUMN body;\n",
                    "dsl/models/post.json": #"{"fields": {"title": {"type": "string", "length": 50}}}"#,
                ], message: "drop body, in the DSL and in the database")
            let result = Story.reconcile(database, repository)
            #expect(result.report.outcome == .synced, "\(result.report.blocked) \(result.report.errors)")
            #expect(result.report.blocked.isEmpty)
            #expect(result.report.drift.isEmpty, "\(result.report.drift)")
            #expect(result.report.migrations.applied.map(\.id) == ["20260101_drop_body"])
            #expect(result.report.migrations.pending.isEmpty)
            #expect(try Story.value(connection, Story.columnType("post", "body")) == "absent")
            #expect(try Story.value(connection, "SELECT title FROM post") == "t")
            // The snapshot no longer manages the column: a later commit has nothing to say about it.
            try repository.commit(["README.md": "docs"])
            let later = Story.reconcile(database, repository)
            #expect(later.report.outcome == .synced)
            #expect(later.report.blocked.isEmpty)
            #expect(later.report.applied.isEmpty)
        }
    }
}
