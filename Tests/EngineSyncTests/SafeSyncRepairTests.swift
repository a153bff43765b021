import EngineSync
import EngineSyncCore
import EngineSyncTestSupport
import PostgresClient
import Testing

/// Objects dropped behind enginesync's back, and blocked changes that other changes depend on.
@Suite("Safe Sync repairs hand-made damage and plans nothing on blocked columns")
struct SafeSyncRepairTests {
    /// EngineJS adds a relation's key only with a new table or column: on a database whose snapshot EngineJS
    /// wrote (no commit), a relation the snapshot declares without a live key was never created, not dropped —
    /// listed under `manual`, never added behind the team's back, on this reconcile or the next (issue 11 item 4).
    @Test func aRelationEngineJSNeverKeyedIsNotTakenForADroppedKey() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/meta/dsl.json": ReconcileStory.snapshotModel,
                "dsl/models/user.json": #"{"fields": {"email": {"type": "string"}}}"#,
                "dsl/models/post.json": #"{"fields": {"owner": {"type": "int"}}}"#,
            ])
            #expect(ReconcileStory.reconcile(database, repository).report.outcome == .synced)
            // What EngineJS's sync leaves after the relation is added to the existing column: no key, and its own
            // snapshot row (no commit) declaring the relation.
            try repository.commit([
                "dsl/models/post.json": #"{"fields": {"owner": {"type": "int", "source": "user", "sourceid": "id"}}}"#
            ])
            try connection.execute(
                script: """
                    INSERT INTO dsl (hash, dsl, created_at) SELECT 'enginejs', jsonb_set(dsl, '{post,fields,owner}',
                      '{"type": "int", "source": "user", "sourceid": "id"}'), now() FROM dsl ORDER BY id DESC LIMIT 1;
                    """)
            let keyCount =
                "SELECT count(*)::int AS n FROM pg_constraint WHERE conrelid = 'post'::regclass AND contype = 'f'"
            for _ in 0..<2 {
                let result = ReconcileStory.reconcile(database, repository)
                #expect(result.report.outcome == .synced, "\(result.report.errors) \(result.report.blocked)")
                #expect(result.report.applied.isEmpty, "\(result.report.applied)")
                #expect(result.report.drift.isEmpty, "\(result.report.drift)")
                #expect(result.report.manual.map(\.kind) == ["add_foreign_key"])
                #expect(try ReconcileStory.count(connection, keyCount) == 0)
            }
        }
    }

    @Test func aForeignKeyDroppedByHandIsRecreatedOrBlockedByOrphans() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/meta/dsl.json": ReconcileStory.snapshotModel,
                "dsl/models/user.json": #"{"fields": {"email": {"type": "string"}}}"#,
                "dsl/models/post.json": #"{"fields": {"owner": {"type": "int", "source": "user", "sourceid": "id"}}}"#,
            ])
            #expect(ReconcileStory.reconcile(database, repository).report.outcome == .synced)
            let keyCount =
                "SELECT count(*)::int AS n FROM pg_constraint WHERE conrelid = 'post'::regclass AND contype = 'f'"
            let name = try #require(
                try connection.query(
                    "SELECT conname FROM pg_constraint WHERE conrelid = 'post'::regclass AND contype = 'f'"
                ).first?.string("conname"))

            // Dropped by hand, no violating rows: re-created (validated) and reported as drift.
            try connection.execute(script: "ALTER TABLE post DROP CONSTRAINT \"\(name)\"")
            let repaired = ReconcileStory.reconcile(database, repository)
            #expect(repaired.report.outcome == .synced, "\(repaired.report.errors) \(repaired.report.blocked)")
            #expect(repaired.report.applied.map(\.kind) == ["add_foreign_key"])
            #expect(repaired.report.drift.map(\.kind) == ["missing_foreign_key"])
            #expect(try ReconcileStory.count(connection, keyCount) == 1)
            #expect(
                try connection.query("SELECT convalidated FROM pg_constraint WHERE conname = '\(name)'").first?.bool(
                    "convalidated") == true)

            // Dropped again and an orphan row written: the key is blocked, the rest of the commit still applies.
            try connection.execute(
                script: """
                    ALTER TABLE post DROP CONSTRAINT "\(name)";
                    INSERT INTO post (owner, deleted, archived) VALUES (424242, false, false);
                    """)
            try repository.commit([
                "dsl/models/user.json": #"{"fields": {"email": {"type": "string"}, "nick": {"type": "string"}}}"#
            ])
            let orphaned = ReconcileStory.reconcile(database, repository)
            #expect(orphaned.report.outcome == .blocked, "\(orphaned.report.errors)")
            #expect(orphaned.report.blocked.map(\.kind) == ["add_foreign_key"])
            #expect(orphaned.report.blocked.first?.reason?.contains("424242") == true)
            #expect(orphaned.report.applied.map(\.kind) == ["add_column"])
            #expect(try ReconcileStory.count(connection, keyCount) == 0)

            // Orphan fixed: the next reconcile re-creates the key.
            try connection.query("DELETE FROM post WHERE owner = 424242")
            let fixed = ReconcileStory.reconcile(database, repository)
            #expect(fixed.report.outcome == .synced, "\(fixed.report.blocked)")
            #expect(try ReconcileStory.count(connection, keyCount) == 1)
        }
    }

    @Test func aBlockedColumnRenameDoesNotFailOnItsIndexOrAutoName() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/meta/dsl.json": ReconcileStory.snapshotModel,
                "dsl/models/post.json": #"{"fields": {"title": {"type": "string"}}, "auto_name": ["title"]}"#,
            ])
            #expect(ReconcileStory.reconcile(database, repository).report.outcome == .synced)
            // The field now maps to a new column, with a unique index on it and auto_name still built from it.
            try repository.commit([
                "dsl/models/post.json":
                    #"{"fields": {"title": {"type": "string", "columnName": "headline"}}, "indexes": {"unique": [["title"]]}, "auto_name": ["title"]}"#
            ])
            let renamed = ReconcileStory.reconcile(database, repository)
            #expect(renamed.report.outcome == .blocked, "\(renamed.report.errors)")
            #expect(renamed.report.blocked.map(\.kind) == ["rename_column"])
            #expect(renamed.report.errors.isEmpty)
            #expect(
                try ReconcileStory.count(
                    connection,
                    "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'post' AND column_name = 'title'"
                ) == 1)
        }
    }

    @Test func everyKindOfDefaultRoundTripsWithoutDrift() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/meta/dsl.json": ReconcileStory.snapshotModel,
                "dsl/models/event.json": """
                {"fields": {
                  "label": {"type": "string", "default": 5},
                  "seen": {"type": "text", "default": "now"},
                  "count": {"type": "int", "default": "42"},
                  "ratio": {"type": "float", "default": "2.5"},
                  "flag": {"type": "boolean", "default": "true"},
                  "starts": {"type": "datetime", "default": "2024-06-01T12:30:00.5+02:00"},
                  "quote": {"type": "text", "default": "it's \\\\ '; DROP TABLE x; --"}
                }}
                """,
            ])
            let first = ReconcileStory.reconcile(database, repository)
            #expect(first.report.outcome == .synced, "\(first.report.errors)")
            // The catalog prints every one of them its own way: the next plan still sees nothing to do.
            // In another time zone the catalog prints the timestamp default with another offset: still equal.
            try connection.execute(
                script: """
                    DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET TimeZone = %L', current_database(), 'America/New_York'); END $$
                    """)
            let again = ReconcileStory.reconcile(database, repository)
            #expect(again.report.applied.isEmpty, "\(again.report.applied)")
            #expect(again.report.manual.isEmpty, "\(again.report.manual)")
            #expect(again.report.drift.isEmpty, "\(again.report.drift)")
            try connection.query("INSERT INTO event DEFAULT VALUES")
            let row = try #require(
                try connection.query(
                    """
                    SELECT label, count, ratio::text AS ratio, flag, quote, seen IS NULL AS seen_unset,
                           starts = '2024-06-01T10:30:00.5Z'::timestamptz AS starts_ok FROM event
                    """
                ).first)
            #expect(try row.string("label") == "5")
            #expect(try row.int("count") == 42)
            #expect(try row.string("ratio") == "2.5")
            #expect(try row.bool("flag") == true)
            #expect(try row.string("quote") == "it's \\ '; DROP TABLE x; --")
            // "now" gives the column no database default (EngineJS: Sequelize's NOW is applied by the ORM, not
            // by PostgreSQL).
            #expect(try row.bool("seen_unset") == true)
            #expect(
                try ReconcileStory.count(
                    connection,
                    "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'event' AND column_name = 'seen' AND column_default IS NOT NULL"
                ) == 0)
            #expect(try row.bool("starts_ok") == true)
        }
    }

    @Test func aFirstRunWithBlockedChangesKeepsThemBlockedUntilResolved() throws {
        try ScratchDatabase.with { database, connection in
            // A database that predates enginesync, with a wider column than the DSL asks for.
            try connection.execute(script: "CREATE TABLE post (id serial PRIMARY KEY, title varchar(100))")
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/meta/dsl.json": ReconcileStory.snapshotModel,
                "dsl/models/post.json": #"{"fields": {"title": {"type": "string", "length": 50}}}"#,
            ])
            let first = ReconcileStory.reconcile(database, repository)
            #expect(first.report.outcome == .blocked, "\(first.report.errors)")
            #expect(first.report.blocked.map(\.kind) == ["narrow_column"])
            #expect(first.report.snapshot.changed == false)
            #expect(first.report.warnings.contains { $0.code == "snapshot_withheld" })
            #expect(try ReconcileStory.count(connection, "SELECT count(*)::int AS n FROM dsl") == 0)

            // Still blocked on the next reconcile, not "widened by hand" drift.
            let second = ReconcileStory.reconcile(database, repository)
            #expect(second.report.blocked.map(\.kind) == ["narrow_column"])
            #expect(second.report.drift.isEmpty, "\(second.report.drift)")

            // The migration performs it: synced, and the snapshot is recorded.
            try repository.commit([
                "migrations/20260101_narrow_title.sql": "ALTER TABLE post ALTER COLUMN title TYPE varchar(50);\n"
            ])
            let resolved = ReconcileStory.reconcile(database, repository)
            #expect(resolved.report.outcome == .synced, "\(resolved.report.blocked) \(resolved.report.errors)")
            #expect(resolved.report.snapshot.changed == true)
            #expect(try ReconcileStory.count(connection, "SELECT count(*)::int AS n FROM dsl") == 1)
        }
    }
}
