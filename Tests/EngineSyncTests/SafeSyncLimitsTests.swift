import EngineSync
import EngineSyncCore
import EngineSyncTestSupport
import Foundation
import PostgresClient
import Testing

/// Issue 12 items 8 and 17: what Safe Sync does with work too large for one reconcile transaction, and the
/// PostgreSQL hint that says why a statement failed.
@Suite("Safe Sync limits against real PostgreSQL and git")
struct SafeSyncLimitsTests {
    typealias Story = ReconcileStory

    /// Item 8: an `auto_name` backfill on a table over `max_rewrite_rows` is blocked with the UPDATE as its
    /// migration (no row is touched, the snapshot keeps the old list so every reconcile reports it again); once
    /// that UPDATE has run, the next reconcile finds every row up to date and is `synced`.
    @Test func largeAutoNameBackfillIsBlockedUntilItsMigrationRuns() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/meta/dsl.json": Story.snapshotModel,
                "dsl/models/p.json": #"{"fields": {"first": {"type": "string"}, "last": {"type": "string"}}}"#,
            ])
            try #require(Story.reconcile(database, repository).report.outcome == .synced)
            try connection.execute(
                script: """
                    INSERT INTO p (first, last, deleted, archived)
                    SELECT 'first' || i, 'last' || i, false, false FROM generate_series(1, 3000) AS i;
                    INSERT INTO p (first, last, deleted, archived) VALUES ('Hidden', 'Row', true, false);
                    ANALYZE p;
                    """)
            try repository.commit([
                "dsl/models/p.json":
                    #"{"fields": {"first": {"type": "string"}, "last": {"type": "string"}}, "auto_name": ["first", "last"]}"#
            ])
            let limited: (inout ReconcilerOptions) -> Void = { $0.safeSync.planner.maxRewriteRows = 1_000 }

            let blocked = Story.reconcile(database, repository, configure: limited)
            #expect(blocked.report.outcome == .blocked, "\(blocked.report.errors)")
            #expect(blocked.report.applied.isEmpty)
            let change = try #require(blocked.report.blocked.first { $0.kind == "backfill_auto_name" })
            #expect(change.table == "p")
            #expect(change.reason?.contains("max_rewrite_rows 1000") == true, "\(change.reason ?? "")")
            let sql = try #require(change.suggestedSQL)
            #expect(sql.contains("UPDATE \"public\".\"p\" SET \"auto_name\""), "\(sql)")
            #expect(sql.contains("IS DISTINCT FROM"))
            #expect(change.suggestedMigration?.contains("backfill_auto_name_p") == true)
            #expect(try Story.count(connection, "SELECT count(*) AS n FROM p WHERE auto_name IS NOT NULL") == 0)

            // Reported again (the stored snapshot kept the old auto_name list), still nothing written.
            let again = Story.reconcile(database, repository, configure: limited)
            #expect(again.report.outcome == .blocked)
            #expect(again.report.blocked.map(\.kind) == ["backfill_auto_name"])
            #expect(try Story.count(connection, "SELECT count(*) AS n FROM p WHERE auto_name IS NOT NULL") == 0)

            // The suggested migration, run by hand (it is what a migration file would hold).
            try connection.execute(script: sql)
            #expect(try Story.value(connection, "SELECT auto_name FROM p WHERE first = 'first7'") == "first7_last7")
            #expect(try Story.value(connection, "SELECT auto_name FROM p WHERE first = 'Hidden'") == nil)
            let done = Story.reconcile(database, repository, configure: limited)
            #expect(done.report.outcome == .synced, "\(done.report.blocked)")
            #expect(done.report.applied.isEmpty)
            #expect(done.report.snapshot.changed)
            // The new list is recorded: nothing is planned any more.
            let settled = Story.reconcile(database, repository, configure: limited)
            #expect(settled.report.outcome == .synced)
            #expect(settled.report.applied.isEmpty && settled.report.blocked.isEmpty)
            #expect(!settled.report.snapshot.changed)
        }
    }

    /// Item 8: under the limit the backfill still runs in the reconcile, as before.
    @Test func smallAutoNameBackfillStillRuns() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/meta/dsl.json": Story.snapshotModel,
                "dsl/models/p.json": #"{"fields": {"first": {"type": "string"}}}"#,
            ])
            try #require(Story.reconcile(database, repository).report.outcome == .synced)
            try connection.execute(
                script: """
                    INSERT INTO p (first, deleted, archived) SELECT 'n' || i, false, false FROM generate_series(1, 50) AS i;
                    ANALYZE p;
                    """)
            try repository.commit([
                "dsl/models/p.json": #"{"fields": {"first": {"type": "string"}}, "auto_name": ["first"]}"#
            ])
            let result = Story.reconcile(database, repository) { $0.safeSync.planner.maxRewriteRows = 1_000 }
            #expect(result.report.outcome == .synced)
            #expect(result.report.applied.map(\.kind) == ["backfill_auto_name"])
            #expect(try Story.count(connection, "SELECT count(*) AS n FROM p WHERE auto_name IS NOT NULL") == 50)
        }
    }

    /// Item 17: 3,000 new models with a unique field and four indexes each (ten locked relations per model:
    /// table, TOAST table and index, sequence, primary key, five indexes), in one first sync on the test
    /// cluster's default settings (max_locks_per_transaction 64, max_connections 100). One transaction runs
    /// out of shared memory at about 27,000 locked relations on PostgreSQL 15 (measured); the new tables are
    /// created in batches, the foreign keys between them too, and the sync ends `synced` with everything live.
    @Test func aLargeFirstSyncWorksOnDefaultSettings() throws {
        try ScratchDatabase.with { database, connection in
            #expect(try Story.value(connection, "SELECT current_setting('max_locks_per_transaction')") == "64")
            let count = 3_000
            var files: [String: String?] = ["dsl/meta/dsl.json": Story.snapshotModel]
            let fields =
                #""name": {"type": "string", "unique": true}, "a": {"type": "int"}, "b": {"type": "int"}, "c": {"type": "int"}, "d": {"type": "int"}"#
            let indexes = #""indexes": {"many": [["a"], ["b"], ["c"], ["d"]]}"#
            for number in 1...count {
                let name = String(format: "m%04d", number)
                // Every tenth model refers to the first one: foreign keys between new tables.
                files["dsl/models/\(name).json"] =
                    number % 10 == 0
                    ? #"{"fields": {\#(fields), "parent": {"type": "int", "source": "m0001", "sourceid": "id"}}, \#(indexes)}"#
                    : #"{"fields": {\#(fields)}, \#(indexes)}"#
            }
            let repository = try ScratchRepository()
            try repository.commit(files)
            let started = ContinuousClock.now
            let first = Story.reconcile(database, repository)
            let elapsed = ContinuousClock.now - started
            #expect(first.report.outcome == .synced, "\(first.report.errors)")
            #expect(first.report.warnings.contains { $0.code == "batched_create_tables" }, "\(first.report.warnings)")
            #expect(first.report.applied.filter { $0.kind == "create_table" }.count == count + 1)
            #expect(first.report.applied.filter { $0.kind == "add_foreign_key" }.count == count / 10)
            #expect(
                try Story.count(
                    connection,
                    """
                    SELECT count(*) AS n FROM pg_catalog.pg_tables WHERE schemaname = 'public' AND tablename ~ '^m[0-9]{4}$'
                    """) == count)
            #expect(
                try Story.count(connection, "SELECT count(*) AS n FROM pg_catalog.pg_constraint WHERE contype = 'f'")
                    == count / 10)
            #expect(try Story.count(connection, "SELECT count(*) AS n FROM dsl") == 1)
            #expect(elapsed < .seconds(60), "first sync took \(elapsed)")
            // Everything is recorded: the next sync plans nothing.
            let second = Story.reconcile(database, repository)
            #expect(second.report.outcome == .synced)
            #expect(second.report.applied.isEmpty && second.report.blocked.isEmpty)
        }
    }

    /// An ordinary reconcile stays one transaction: no batching below the budget.
    @Test func aSmallPlanIsNotBatched() throws {
        try ScratchDatabase.with { database, _ in
            let repository = try ScratchRepository()
            var files: [String: String?] = ["dsl/meta/dsl.json": Story.snapshotModel]
            for number in 1...20 { files["dsl/models/t\(number).json"] = #"{"fields": {"name": {"type": "string"}}}"# }
            try repository.commit(files)
            let result = Story.reconcile(database, repository)
            #expect(result.report.outcome == .synced)
            #expect(!result.report.warnings.contains { $0.code == "batched_create_tables" })
        }
    }

    /// Item 17 (a): PostgreSQL's HINT (and DETAIL) reach the report and the error's one-line description.
    @Test func postgresHintsReachTheReport() throws {
        try ScratchDatabase.with { database, connection in
            let error = try #require(throws: PostgresError.self) { try connection.query("SELECT nosuchfn(1)") }
            #expect(
                error.description.contains("(SQLSTATE 42883); hint: No function matches the given name"), "\(error)")

            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/meta/dsl.json": Story.snapshotModel,
                "dsl/models/post.json": #"{"fields": {"title": {"type": "string"}}}"#,
                "migrations/0001_call.sql": "SELECT nosuchfn(1);\n",
            ])
            let result = Story.reconcile(database, repository)
            #expect(result.report.outcome == .failed)
            let message = try #require(result.report.errors.first)
            #expect(message.sqlstate == "42883")
            #expect(
                message.message.contains("hint: No function matches the given name and argument types"),
                "\(message.message)")
        }
    }
}
