import EngineSync
import EngineSyncCore
import EngineSyncTestSupport
import Foundation
import PostgresClient
import Testing

/// The `enginesync` executable against one database, as operators run it: several at once, and `plan`.
@Suite("enginesync sync and plan processes on one database")
struct SyncProcessTests {
    typealias Story = ReconcileStory

    static let post = #"{"fields": {"title": {"type": "string", "length": 50}, "body": {"type": "text"}}}"#

    static func report(_ result: EngineSyncBinary.Result) throws -> ReconcileReport {
        try ReconcileReport.decode(Data(result.stdout.utf8))
    }

    /// Two `sync` processes started together apply the commit once: one applies, the other is `skipped`
    /// (the advisory lock is held) or, having waited for the lock, finds nothing to do.
    ///
    /// `contended`: the test holds the lock while both start, so both are surely waiting for it when it is
    /// released; otherwise they race from a standing start with `--lock-wait 0`.
    @Test(arguments: [true, false])
    func twoConcurrentSyncsApplyOnce(contended: Bool) throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit(["dsl/meta/dsl.json": Story.snapshotModel, "dsl/models/post.json": Self.post])
            #expect(Story.reconcile(database, repository).report.outcome == .synced)
            try repository.commit([
                "dsl/models/post.json":
                    #"{"fields": {"title": {"type": "string", "length": 100}, "body": {"type": "text"}, "slug": {"type": "string"}}}"#,
                "dsl/models/tag.json": #"{"fields": {"name": {"type": "string"}}}"#,
                "migrations/0001_seed.sql": "INSERT INTO post (title) VALUES ('seeded once');\n",
            ])
            let arguments = [
                "sync", "--repo", repository.path, "--database", database.dsn, "--format", "json",
                "--lock-wait", contended ? "60s" : "0s",
            ]
            if contended { #expect(try EngineSyncLock.tryLock(connection)) }
            let processes = try [EngineSyncBinary.start(arguments), EngineSyncBinary.start(arguments)]
            if contended {
                // Both are connected and polling for the lock before it is released.
                let deadline = Date().addingTimeInterval(30)
                while try Story.count(
                    connection,
                    """
                    SELECT count(*)::int AS n FROM pg_catalog.pg_stat_activity
                    WHERE datname = current_database() AND pid <> pg_backend_pid()
                    """) < 2, Date() < deadline
                {
                    Thread.sleep(forTimeInterval: 0.05)
                }
                Thread.sleep(forTimeInterval: 0.3)
                #expect(try EngineSyncLock.unlock(connection))
            }
            let results = processes.map { $0.wait() }
            let reports = try results.map(Self.report)
            let appliers = reports.filter { !$0.applied.isEmpty }
            #expect(appliers.count == 1, "\(results.map(\.stdout))")
            let applier = try #require(appliers.first)
            #expect(applier.outcome == .synced)
            #expect(applier.migrations.applied.map(\.id) == ["0001_seed"])
            #expect(Set(applier.applied.map(\.kind)) == ["create_table", "add_column", "widen_column", "create_index"])
            let other = try #require(reports.first { $0.applied.isEmpty })
            #expect(other.outcome == .skipped || other.outcome == .synced, "\(other)")
            #expect(other.migrations.applied.isEmpty)
            #expect(other.blocked.isEmpty)
            #expect(results.map(\.status).sorted() == (other.outcome == .skipped ? [0, 1] : [0, 0]))

            // One application in the database: the migration ran once, one snapshot row for the commit, one
            // reconcile row that applied something.
            #expect(try Story.count(connection, "SELECT count(*)::int AS n FROM post WHERE title = 'seeded once'") == 1)
            #expect(try Story.count(connection, "SELECT count(*)::int AS n FROM engine_migrations") == 1)
            #expect(try Story.count(connection, "SELECT count(*)::int AS n FROM dsl") == 2)
            #expect(
                try Story.count(
                    connection,
                    """
                    SELECT count(*)::int AS n FROM engine_reconciles WHERE jsonb_array_length(report -> 'applied') > 0
                    """) == 2)  // the first sync and one of the two
            #expect(try Story.value(connection, Story.columnType("post", "title")) == "character varying(100)")
        }
    }

    /// `plan` against a populated database with pending DSL changes and a pending migration changes nothing.
    @Test func planChangesNothing() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit(["dsl/meta/dsl.json": Story.snapshotModel, "dsl/models/post.json": Self.post])
            #expect(Story.reconcile(database, repository).report.outcome == .synced)
            try repository.commit(["migrations/0001_seed.sql": "INSERT INTO post (title, body) VALUES ('a', 'b');\n"])
            #expect(Story.reconcile(database, repository).report.migrations.applied.map(\.id) == ["0001_seed"])
            try connection.execute(
                script: "INSERT INTO post (title, body) SELECT 't' || g, 'b' FROM generate_series(1, 20) g;")
            // Pending: a new table, a new column, a widening, an index, a blocked drop, and a migration.
            try repository.commit([
                "dsl/models/post.json":
                    #"{"fields": {"title": {"type": "string", "length": 80}, "slug": {"type": "string"}}, "indexes": {"many": [["slug"]]}}"#,
                "dsl/models/tag.json": #"{"fields": {"name": {"type": "string"}}}"#,
                "migrations/0002_more.sql": "UPDATE post SET title = upper(title);\n",
            ])
            let before = try CatalogFingerprint.capture(connection)
            let titles = try Story.value(connection, "SELECT string_agg(title, ',' ORDER BY id) FROM post")

            let plan = try EngineSyncBinary.run([
                "plan", "--repo", repository.path, "--database", database.dsn, "--format", "json",
            ])
            #expect(plan.status == 2, "\(plan.stdout) \(plan.stderr)")
            let report = try Self.report(plan)
            #expect(report.outcome == .blocked)
            #expect(report.migrations.pending == ["0002_more"])
            #expect(report.migrations.applied.isEmpty)
            #expect(Set(report.applied.map(\.kind)) == ["create_table", "add_column", "widen_column", "create_index"])
            #expect(report.blocked.map(\.kind) == ["drop_column"])

            let after = try CatalogFingerprint.capture(connection)
            #expect(after == before, "\(before.difference(from: after))")
            #expect(try Story.value(connection, "SELECT string_agg(title, ',' ORDER BY id) FROM post") == titles)
        }
    }
}
