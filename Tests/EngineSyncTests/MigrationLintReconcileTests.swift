import EngineSync
import EngineSyncCore
import EngineSyncTestSupport
import Foundation
import PostgresClient
import Testing

/// Migration lint inside a reconcile (issue 18), on real PostgreSQL: pending migrations are checked against the
/// live row estimates; `migration_lint: block` stops a hazard over the size limits, a small table only warns.
@Suite("Migration lint in plan and sync, on real PostgreSQL")
struct MigrationLintReconcileTests {
    typealias Story = ReconcileStory

    /// `post` synced, with `rows` rows and fresh statistics (reltuples).
    static func synced(_ database: ScratchDatabase, _ connection: PostgresConnection, rows: Int) throws
        -> ScratchRepository
    {
        let repository = try MigrationReconcileTests.synced(database)
        try connection.execute(
            script: "INSERT INTO public.post (title, body) SELECT 't' || g, 'b' FROM generate_series(1, \(rows)) g; "
                + "ANALYZE public.post;")
        return repository
    }

    static let indexMigration = ["migrations/0001_post_title.sql": "CREATE INDEX post_title ON post (title);\n"]

    static func limits(_ mode: MigrationLintMode) -> (inout ReconcilerOptions) -> Void {
        { options in
            options.migrationLint = mode
            options.safeSync.planner.concurrentIndexRows = 100
            options.safeSync.planner.maxRewriteRows = 100
        }
    }

    @Test func bigTableBlocksUnderBlockAndNothingRuns() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try Self.synced(database, connection, rows: 500)
            try repository.commit(Self.indexMigration, message: "index")
            let result = Story.reconcile(database, repository, configure: Self.limits(.block))
            #expect(result.report.outcome == .blocked, "\(result.report.errors)")
            let blocked = try #require(result.report.blocked.first)
            #expect(blocked.kind == "migration_lint")
            #expect(blocked.table == "post")
            #expect(blocked.lock == "SHARE")
            let reason = blocked.reason ?? ""
            #expect(reason.contains("migrations/0001_post_title.sql:1: create_index_not_concurrently"))
            #expect(reason.contains("~500 rows"))
            #expect(result.report.migrations.pending == ["0001_post_title"])
            #expect(try Story.value(connection, Story.indexColumns("post_title")) == "absent")
            #expect(try Story.count(connection, "SELECT count(*) AS n FROM public.engine_migrations") == 0)
        }
    }

    @Test func bigTableOnlyWarnsUnderWarn() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try Self.synced(database, connection, rows: 500)
            try repository.commit(Self.indexMigration, message: "index")
            let result = Story.reconcile(database, repository, configure: Self.limits(.warn))
            #expect(result.report.outcome == .synced, "\(result.report.errors)")
            let warning = try #require(result.report.warnings.first { $0.code == "create_index_not_concurrently" })
            #expect(warning.file == "migrations/0001_post_title.sql")
            #expect(warning.line == 1)
            #expect(warning.message.contains("~500 rows"))
            #expect(try Story.value(connection, Story.indexColumns("post_title")) == "title")
        }
    }

    @Test func smallTableOnlyWarnsUnderBlock() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try Self.synced(database, connection, rows: 5)
            try repository.commit(Self.indexMigration, message: "index")
            let result = Story.reconcile(database, repository, configure: Self.limits(.block))
            #expect(result.report.outcome == .synced, "\(result.report.errors)")
            #expect(result.report.blocked.isEmpty)
            let warning = try #require(result.report.warnings.first { $0.code == "create_index_not_concurrently" })
            #expect(warning.message.contains("~5 rows"))
            #expect(try Story.value(connection, Story.indexColumns("post_title")) == "title")
        }
    }

    /// A plan shows what the sync would block, with the live size, and changes nothing.
    @Test func planShowsTheBlockWithoutRunning() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try Self.synced(database, connection, rows: 500)
            try repository.commit(
                [
                    "migrations/0001_retype.sql": "SELECT 1;\nALTER TABLE post ALTER COLUMN title TYPE text;\n"
                        + "ALTER TABLE post ALTER COLUMN body SET NOT NULL;\n"
                ], message: "retype")
            let before = try CatalogFingerprint.capture(connection)
            let result = Story.reconcile(database, repository) { options in
                Self.limits(.block)(&options)
                options.safeSync.dryRun = true
            }
            #expect(result.report.outcome == .blocked, "\(result.report.errors)")
            // varchar(50) → text needs no rewrite: only SET NOT NULL's scan is a hazard.
            #expect(result.report.blocked.map(\.kind) == ["migration_lint"])
            #expect(result.report.blocked.first?.reason?.contains("0001_retype.sql:3: set_not_null") == true)
            #expect(try CatalogFingerprint.capture(connection) == before)
        }
    }

    /// A plan refuses a pending migration PostgreSQL's parser cannot read: one error naming file and line.
    @Test func planNamesASyntaxErrorWithFileAndLine() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try Self.synced(database, connection, rows: 1)
            try repository.commit(["migrations/0001_bad.sql": "SELECT 1;\n\nSELEC 2;\n"], message: "bad")
            let result = Story.reconcile(database, repository) { $0.safeSync.dryRun = true }
            #expect(result.report.outcome == .invalid)
            let error = try #require(result.report.errors.first)
            #expect(error.code == "migration_syntax")
            #expect(error.file == "migrations/0001_bad.sql")
            #expect(error.line == 3)
            #expect(error.message.contains("syntax error at or near \"SELEC\""))
        }
    }
}
