import EngineSync
import EngineSyncCore
import EngineSyncTestSupport
import Foundation
import GitClient
import Logging
import PostgresClient
import Testing

/// Safe Sync end to end: real git commits, a real database, the reconciler the CLI and daemon use.
@Suite("Safe Sync against real PostgreSQL and git")
struct SafeSyncTests {
    @Test func roundTripCreatesTheCompiledSchemaAndThenPlansNothing() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            let sha = try repository.commit(
                [
                    "dsl/meta/dsl.json": ReconcileStory.snapshotModel,
                    "dsl/models/user.json":
                        #"{"fields": {"email": {"type": "string"}, "age": {"type": "int", "default": 0}}, "indexes": {"unique": [["email"]]}}"#,
                    "dsl/models/link.json":
                        #"{"fields": {"url": {"type": "text"}, "owner": {"type": "int", "source": "user", "sourceid": "id", "onDelete": "CASCADE"}, "tags": {"type": "int", "multi": true, "source": "tag", "sourceid": "id"}}, "indexes": {"many": [["url"]]}}"#,
                    "dsl/models/tag.json": #"{"fields": {"name": {"type": "string", "length": 40}}}"#,
                ], message: "create")
            let first = ReconcileStory.reconcile(database, repository)
            #expect(first.report.outcome == .synced, "\(first.report.errors)")
            #expect(first.reportName == sha)
            #expect(first.report.commit?.sha == sha)
            #expect(first.report.snapshot.changed)

            // Introspect and compare with the compiled model.
            let compiled = try #require(
                try DSLCompiler().compile(source: DirectoryDSLSource(root: repository.path)).compiled)
            try connection.setSearchPath(["pg_catalog"])
            var reader = CatalogReader(schema: "public")
            let live = try reader.read(connection)
            for table in compiled.schema.tables {
                let liveTable = try #require(live.table(named: table.name), "missing \(table.name)")
                #expect(liveTable.columns.map(\.name) == table.columns.map(\.name))
                #expect(liveTable.columns.map(\.type) == table.columns.map(\.type))
                #expect(liveTable.primaryKey == table.primaryKey)
            }
            for index in compiled.schema.indexes {
                let liveIndex = try #require(live.index(named: index.name), "missing \(index.name)")
                #expect(liveIndex.columns == index.columns)
                #expect(liveIndex.isUnique == index.isUnique)
                #expect(liveIndex.predicate == index.predicate)
            }
            #expect(Set(live.foreignKeys.map(\.name)) == Set(compiled.schema.foreignKeys.map(\.name)))
            #expect(
                try connection.query("SELECT commit FROM public.dsl ORDER BY id DESC LIMIT 1").first?.string("commit")
                    == sha)

            // Nothing to do the second time, and the snapshot is not rewritten.
            let second = ReconcileStory.reconcile(database, repository)
            #expect(second.report.outcome == .synced)
            #expect(second.report.applied.isEmpty)
            #expect(second.report.blocked.isEmpty)
            #expect(!second.report.snapshot.changed)
            #expect(try ReconcileStory.count(connection, "SELECT count(*)::int AS n FROM public.dsl") == 1)
            #expect(
                try ReconcileStory.count(connection, "SELECT count(*)::int AS n FROM public.engine_reconciles") == 2)
        }
    }

    @Test func narrowingIsBlockedUntilAMigrationPerformsIt() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/meta/dsl.json": ReconcileStory.snapshotModel,
                "dsl/models/post.json":
                    #"{"fields": {"title": {"type": "string", "length": 50}, "body": {"type": "text"}}}"#,
            ])
            #expect(ReconcileStory.reconcile(database, repository).report.outcome == .synced)
            try connection.query("INSERT INTO post (title, body) VALUES ('hello', 'world')")

            try repository.commit([
                "dsl/models/post.json":
                    #"{"fields": {"title": {"type": "string", "length": 200}, "summary": {"type": "string", "length": 20}}}"#
            ])
            let widened = ReconcileStory.reconcile(database, repository)
            #expect(widened.report.outcome == .blocked)
            #expect(widened.report.applied.map(\.kind) == ["add_column", "widen_column"])
            #expect(widened.report.blocked.map(\.kind) == ["drop_column"])
            let blocked = try #require(widened.report.blocked.first)
            #expect(blocked.suggestedSQL == #"ALTER TABLE "public"."post" DROP COLUMN "body";"#)
            #expect(blocked.suggestedMigration?.hasSuffix("_drop_column_post_body.sql") == true)
            #expect(try connection.query("SELECT body FROM post").first?.string("body") == "world")

            // A later commit that does not touch the field still reports it (the effective snapshot keeps it).
            try repository.commit(["README.md": "docs"])
            #expect(ReconcileStory.reconcile(database, repository).report.blocked.map(\.kind) == ["drop_column"])

            // The migration lands together with the DSL: synced, nothing blocked.
            try repository.commit(["migrations/20260101_drop_body.sql": "ALTER TABLE post DROP COLUMN body;\n"])
            let resolved = ReconcileStory.reconcile(database, repository)
            #expect(resolved.report.outcome == .synced, "\(resolved.report.blocked) \(resolved.report.errors)")
            #expect(resolved.report.migrations.applied.map(\.id) == ["20260101_drop_body"])
            #expect(resolved.report.blocked.isEmpty)
        }
    }

    @Test func theDaemonsSnapshotCacheGivesTheSamePlansAsACompile() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            let cache = SnapshotCache()
            func reconcile() -> Reconciler.Result {
                Reconciler(
                    database: database.configuration, options: ReconcilerOptions(lockWait: .zero, branch: "main"),
                    logger: Logger(label: "test"), snapshotCache: cache
                )
                .reconcile(.git(repository: repository.path, revision: "main"))
            }
            try repository.commit([
                "dsl/meta/dsl.json": ReconcileStory.snapshotModel,
                "dsl/models/post.json": #"{"fields": {"title": {"type": "string"}, "body": {"type": "text"}}}"#,
            ])
            let first = reconcile()
            #expect(first.report.outcome == .synced)
            let firstHash = try #require(first.report.snapshot.hash)
            #expect(cache.compiled(hash: firstHash) != nil)

            // The field's removal is only known from the snapshot: served by the cache, it is still blocked.
            try repository.commit(["dsl/models/post.json": #"{"fields": {"title": {"type": "string"}}}"#])
            let removed = reconcile()
            #expect(removed.report.blocked.map(\.kind) == ["drop_column"])
            #expect(removed.report.drift.isEmpty)
            // The effective snapshot (with the retained field) differs from the DSL: compiled on the next reconcile.
            try repository.commit([
                "dsl/models/post.json": #"{"fields": {"title": {"type": "string"}, "slug": {"type": "string"}}}"#
            ])
            let next = reconcile()
            #expect(next.report.blocked.map(\.kind) == ["drop_column"])
            #expect(next.report.applied.map(\.kind) == ["add_column"])
            #expect(
                try ReconcileStory.count(
                    connection,
                    "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'post' AND column_name = 'body'"
                ) == 1)
        }
    }

    @Test func uniqueConflictBlocksOnlyThatIndex() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/meta/dsl.json": ReconcileStory.snapshotModel,
                "dsl/models/user.json": #"{"fields": {"email": {"type": "string"}}}"#,
            ])
            #expect(ReconcileStory.reconcile(database, repository).report.outcome == .synced)
            try connection.query(
                "INSERT INTO \"user\" (email, deleted, archived) VALUES ('a@x', false, false), ('a@x', false, false)")
            try repository.commit([
                "dsl/models/user.json":
                    #"{"fields": {"email": {"type": "string"}, "name": {"type": "string"}}, "indexes": {"unique": [["email"]]}}"#
            ])
            let result = ReconcileStory.reconcile(database, repository)
            #expect(result.report.outcome == .blocked)
            #expect(result.report.blocked.map(\.kind) == ["unique_conflict"])
            #expect(result.report.blocked.first?.reason?.contains("a@x") == true)
            #expect(result.report.applied.map(\.kind) == ["add_column"])
            #expect(
                try ReconcileStory.count(
                    connection, "SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = 'uidx_user_email'") == 0)
            #expect(
                try ReconcileStory.count(
                    connection,
                    "SELECT count(*)::int AS n FROM information_schema.columns WHERE column_name = 'name' AND table_name = 'user'"
                ) == 1)

            // The index was never built, so the snapshot leaves it out: the next reconcile tries it again and
            // does not mistake it for an index dropped behind enginesync's back.
            let again = ReconcileStory.reconcile(database, repository)
            #expect(again.report.outcome == .blocked)
            #expect(again.report.blocked.map(\.kind) == ["unique_conflict"])
            #expect(again.report.drift.isEmpty, "\(again.report.drift)")
            #expect(again.report.snapshot.changed == false)

            // Duplicates resolved: the index is built, nothing is reported as drift, the snapshot includes it.
            try connection.query("DELETE FROM \"user\" WHERE id = (SELECT max(id) FROM \"user\")")
            let resolved = ReconcileStory.reconcile(database, repository)
            #expect(resolved.report.outcome == .synced, "\(resolved.report.blocked)")
            #expect(resolved.report.drift.isEmpty, "\(resolved.report.drift)")
            #expect(resolved.report.applied.map(\.index) == ["uidx_user_email"])
            #expect(resolved.report.snapshot.changed == true)
            #expect(
                try ReconcileStory.count(
                    connection, "SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = 'uidx_user_email'") == 1)
        }
    }

    @Test func largeTablesGetConcurrentIndexesAndInvalidLeftoversAreRebuilt() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/meta/dsl.json": ReconcileStory.snapshotModel,
                "dsl/models/item.json": #"{"fields": {"code": {"type": "string"}}}"#,
            ])
            #expect(ReconcileStory.reconcile(database, repository).report.outcome == .synced)
            try connection.execute(
                script:
                    "INSERT INTO item (code, deleted, archived) SELECT 'c' || g, false, false FROM generate_series(1, 50) g; ANALYZE item;"
            )
            // A failed concurrent build left an invalid index of the name the DSL wants.
            try connection.query("INSERT INTO item (code, deleted, archived) VALUES ('c1', false, false)")
            #expect(throws: PostgresError.self) {
                try connection.query(
                    "CREATE UNIQUE INDEX CONCURRENTLY uidx_item_code ON item (code) WHERE deleted = false AND archived = false"
                )
            }
            try connection.query("DELETE FROM item WHERE id = (SELECT max(id) FROM item)")
            try repository.commit([
                "dsl/models/item.json": #"{"fields": {"code": {"type": "string"}}, "indexes": {"unique": [["code"]]}}"#
            ])
            let result = ReconcileStory.reconcile(database, repository) { $0.safeSync.planner.concurrentIndexRows = 10 }
            #expect(result.report.outcome == .synced, "\(result.report.errors) \(result.report.blocked)")
            let index = try #require(result.report.applied.first { $0.index == "uidx_item_code" })
            #expect(index.concurrently == true)
            #expect(index.sql?.contains("CREATE UNIQUE INDEX CONCURRENTLY") == true)
            #expect(result.report.drift.map(\.kind).contains("invalid_index"))
            #expect(
                try connection.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 'uidx_item_code'::regclass")
                    .first?.bool("indisvalid") == true)
        }
    }

    @Test func anyOtherErrorRollsEverythingBack() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/meta/dsl.json": ReconcileStory.snapshotModel,
                "dsl/models/a.json": #"{"fields": {"x": {"type": "string"}}}"#,
                "dsl/models/b.json": #"{"fields": {"y": {"type": "string"}}}"#,
            ])
            #expect(ReconcileStory.reconcile(database, repository).report.outcome == .synced)
            try repository.commit([
                "dsl/models/a.json": #"{"fields": {"x": {"type": "string"}, "x2": {"type": "text"}}}"#,
                "dsl/models/b.json": #"{"fields": {"y": {"type": "string"}, "y2": {"type": "text"}}}"#,
            ])
            // Another session holds a lock on b: the ALTER hits lock_timeout (55P03) after a was altered.
            let blocker = try database.connect()
            try blocker.query("BEGIN")
            try blocker.query("LOCK TABLE b IN ACCESS SHARE MODE")
            let before = try CatalogFingerprint.capture(connection)
            let result = ReconcileStory.reconcile(database, repository) { $0.timeouts.lock = .milliseconds(200) }
            try blocker.query("ROLLBACK")
            #expect(result.report.outcome == .failed)
            // The catalog is exactly as before (a's new column included); only the `failed` log row was added.
            let after = try CatalogFingerprint.capture(connection)
            #expect(after.catalog == before.catalog, "\(before.difference(from: after))")
            #expect(after.rowCounts["dsl"] == before.rowCounts["dsl"])
            #expect(
                after.rowCounts["engine_reconciles"] == before.rowCounts["engine_reconciles"].map { $0.map { $0 + 1 } })
            #expect(result.report.errors.first?.sqlstate == "55P03")
            #expect(result.report.errors.first?.statement?.contains("\"b\"") == true)
            #expect(
                try ReconcileStory.count(
                    connection,
                    "SELECT count(*)::int AS n FROM information_schema.columns WHERE column_name IN ('x2', 'y2')") == 0)
            #expect(
                try connection.query("SELECT outcome FROM engine_reconciles ORDER BY id DESC LIMIT 1").first?.string(
                    "outcome") == "failed")
            #expect(try ReconcileStory.count(connection, "SELECT count(*)::int AS n FROM public.dsl") == 1)
            // Retried once the lock is gone.
            #expect(ReconcileStory.reconcile(database, repository).report.outcome == .synced)
        }
    }

    /// Only what touches a table this plan creates, and needs no savepoint, is pipelined.
    @Test func onlyChangesOnNewTablesWithoutSavepointsArePipelined() {
        let new: Set<String> = ["post"]
        #expect(SafeSync.isPipelinable(PlannedChange(kind: .createTable, table: "post"), newTables: new))
        #expect(SafeSync.isPipelinable(PlannedChange(kind: .createIndex, table: "post"), newTables: new))
        #expect(SafeSync.isPipelinable(PlannedChange(kind: .addForeignKey, table: "post"), newTables: new))
        #expect(!SafeSync.isPipelinable(PlannedChange(kind: .createIndex, table: "user"), newTables: new))
        #expect(!SafeSync.isPipelinable(PlannedChange(kind: .addColumn, table: "post"), newTables: new))
        #expect(
            !SafeSync.isPipelinable(
                PlannedChange(kind: .createIndex, table: "post", concurrently: true), newTables: new))
        #expect(
            !SafeSync.isPipelinable(
                PlannedChange(kind: .createIndex, table: "post", isUniqueIndexBuild: true), newTables: new))
        #expect(
            !SafeSync.isPipelinable(
                PlannedChange(kind: .addForeignKey, table: "post", isForeignKeyRestore: true), newTables: new))
    }

    /// The statements on new tables go out in pipelines (`SafeSync.applyChanges`): a statement failing in the
    /// middle of one still fails the reconcile with that statement named, and rolls everything back.
    @Test func aFailureInsideAPipelineOfNewTablesRollsEverythingBack() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            var files: [String: String?] = ["dsl/meta/dsl.json": ReconcileStory.snapshotModel]
            for index in 0..<40 {
                files["dsl/models/t\(index).json"] = #"{"fields": {"x": {"type": "string"}, "y": {"type": "integer"}}}"#
            }
            try repository.commit(files)
            // A composite type of one new table's name: its CREATE TABLE fails (42P07) after others succeeded.
            try connection.query("CREATE TYPE t25 AS (a int)")
            let newTables =
                "SELECT count(*)::int AS n FROM pg_tables WHERE tablename ~ '^t[0-9]+$' OR tablename = 'dsl'"
            let result = ReconcileStory.reconcile(database, repository)
            #expect(result.report.outcome == .failed)
            #expect(result.report.errors.first?.sqlstate == "42P07", "\(result.report.errors)")
            #expect(
                result.report.errors.first?.statement?.hasPrefix(#"CREATE TABLE "public"."t25""#) == true,
                "\(result.report.errors)")
            // None of the tables created before it in the transaction stayed.
            #expect(try ReconcileStory.count(connection, newTables) == 0)
            #expect(
                try connection.query("SELECT outcome FROM engine_reconciles ORDER BY id DESC LIMIT 1").first?.string(
                    "outcome") == "failed")
            try connection.query("DROP TYPE t25")
            #expect(ReconcileStory.reconcile(database, repository).report.outcome == .synced)
            #expect(try ReconcileStory.count(connection, newTables) == 41)
        }
    }

    @Test func theCommitRangeStartsAtTheLastReconcileThatReachedTheDatabase() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            let first = try repository.commit(["dsl/models/a.json": #"{"fields": {"x": {"type": "string"}}}"#])
            #expect(ReconcileStory.reconcile(database, repository).report.outcome == .synced)
            let failing = try repository.commit(["migrations/20260101_fail.sql": "SELECT 1/0;\n"])
            // Two failed attempts of the same tip, both in engine_reconciles.
            #expect(ReconcileStory.reconcile(database, repository).report.outcome == .failed)
            let retried = ReconcileStory.reconcile(database, repository).report
            #expect(retried.outcome == .failed)
            #expect(retried.previousCommit == first)
            #expect(
                try ReconcileStory.count(
                    connection, "SELECT count(*)::int AS n FROM engine_reconciles WHERE outcome = 'failed'") == 2)

            let fixed = try repository.commit(["migrations/20260101_fail.sql": "SELECT 1;\n"])
            let report = ReconcileStory.reconcile(database, repository).report
            #expect(report.outcome == .synced, "\(report.errors)")
            #expect(report.previousCommit == first)
            #expect(report.commits == [fixed, failing])
        }
    }

    @Test func heldAdvisoryLockMeansSkipped() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit(["dsl/models/a.json": #"{"fields": {"x": {"type": "string"}}}"#])
            #expect(try EngineSyncLock.tryLock(connection))
            let result = ReconcileStory.reconcile(database, repository)
            #expect(result.report.outcome == .skipped)
            #expect(
                try ReconcileStory.count(connection, "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'a'")
                    == 0)
        }
    }

    @Test func invalidDSLNeverTouchesTheDatabase() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            // A misspelt type is only a warning now (a varchar column, as in EngineJS); a length that is not a
            // number is refused by EngineJS's DSL schema.
            try repository.commit(["dsl/models/a.json": #"{"fields": {"x": {"type": "string", "length": "50"}}}"#])
            let result = ReconcileStory.reconcile(database, repository)
            #expect(result.report.outcome == .invalid)
            #expect(result.report.errors.first?.file == "dsl/models/a.json")
            #expect(result.report.errors.first?.code == "schema_invalid")
            #expect(
                try ReconcileStory.count(
                    connection, "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'") == 0)
        }
    }

    @Test func requireSnapshotRefusesAnUnknownDatabase() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit(["dsl/models/a.json": #"{"fields": {"x": {"type": "string"}}}"#])
            let result = ReconcileStory.reconcile(database, repository) { $0.safeSync.requireSnapshot = true }
            #expect(result.report.outcome == .invalid)
            #expect(result.report.errors.first?.code == "no_snapshot")
            #expect(
                try ReconcileStory.count(connection, "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'a'")
                    == 0)
        }
    }

    @Test func largeRewritesAndDependentViewsAreBlocked() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/meta/dsl.json": ReconcileStory.snapshotModel,
                "dsl/models/m.json": #"{"fields": {"n": {"type": "int"}, "s": {"type": "string", "length": 10}}}"#,
            ])
            #expect(ReconcileStory.reconcile(database, repository).report.outcome == .synced)
            try connection.execute(
                script:
                    "INSERT INTO m (n, s) SELECT g, 'x' FROM generate_series(1, 200) g; ANALYZE m; CREATE VIEW m_view AS SELECT s FROM m;"
            )
            try repository.commit([
                "dsl/models/m.json": #"{"fields": {"n": {"type": "bigint"}, "s": {"type": "string", "length": 20}}}"#
            ])
            let result = ReconcileStory.reconcile(database, repository) { $0.safeSync.planner.maxRewriteRows = 100 }
            #expect(result.report.outcome == .blocked)
            #expect(Set(result.report.blocked.map(\.kind)) == ["rewrite_too_large", "dependent_view"])
            #expect(
                try connection.query(
                    "SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = 'm'::regclass AND attname = 'n'"
                ).first?.string("t") == "integer")
        }
    }

    @Test func serialColumnsWidenWithTheirSequence() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/meta/dsl.json": ReconcileStory.snapshotModel,
                "dsl/models/e.json": #"{"fields": {"id": {"type": "int", "primary": true, "autoIncrement": true}}}"#,
            ])
            #expect(ReconcileStory.reconcile(database, repository).report.outcome == .synced)
            try repository.commit([
                "dsl/models/e.json": #"{"fields": {"id": {"type": "bigint", "primary": true, "autoIncrement": true}}}"#
            ])
            let result = ReconcileStory.reconcile(database, repository)
            #expect(result.report.outcome == .synced, "\(result.report.blocked)")
            #expect(
                try connection.query(
                    "SELECT data_type FROM information_schema.sequences WHERE sequence_name = 'e_id_seq'"
                ).first?.string("data_type") == "bigint")
        }
    }

    @Test func autoNameIsBackfilledSetBased() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/meta/dsl.json": ReconcileStory.snapshotModel,
                "dsl/models/p.json": #"{"fields": {"first": {"type": "string"}, "last": {"type": "string"}}}"#,
            ])
            #expect(ReconcileStory.reconcile(database, repository).report.outcome == .synced)
            try connection.execute(
                script: """
                    INSERT INTO p (first, last, deleted, archived) VALUES (' Ada ', 'Lovelace', false, false), ('', NULL, false, false), ('Hidden', 'Row', true, false);
                    """)
            try repository.commit([
                "dsl/models/p.json":
                    #"{"fields": {"first": {"type": "string"}, "last": {"type": "string"}}, "auto_name": ["first", "last"]}"#
            ])
            let result = ReconcileStory.reconcile(database, repository)
            #expect(result.report.applied.map(\.kind) == ["backfill_auto_name"])
            let names = try connection.query("SELECT auto_name FROM p ORDER BY id").rows.map {
                try $0.optionalString("auto_name")
            }
            #expect(names == ["Ada_Lovelace", nil, nil])
        }
    }

    @Test func engineJSDatabaseIsAdopted() throws {
        try ScratchDatabase.with { database, connection in
            // What EngineJS itself creates for `post`, a model whose unique index name is hashed (over 60
            // characters), a `multi` relation's junction table, and its `dsl` snapshot model.
            let longTable = "a_very_long_table_name_for_testing_hashes"
            let junction = "link__tags__to__tag__id"
            let system = """
                created_at timestamptz, updated_at timestamptz, deleted boolean DEFAULT false, deleted_at timestamptz,
                archived boolean DEFAULT false, archived_at timestamptz
                """
            let visible = "WHERE deleted = false AND archived = false"
            // Unique indexes come from `indexes.unique` (EngineJS creates none for a field's `unique: true`).
            let enginejsDSL =
                #"{"post": {"fields": {"title": {"type": "string"}}, "indexes": {"unique": [["title"]]}}, "#
                + #""\#(longTable)": {"fields": {"customer_email_address": {"type": "string"}}, "indexes": {"unique": [["customer_email_address"]]}}, "#
                + #""tag": {"fields": {"name": {"type": "string"}}}, "#
                + #""link": {"fields": {"url": {"type": "text"}, "tags": {"type": "int", "multi": true, "source": "tag", "sourceid": "id"}}}}"#
            try connection.execute(
                script: """
                    CREATE TABLE post (id serial PRIMARY KEY, title varchar(255), \(system), auto_name varchar(512));
                    CREATE UNIQUE INDEX uidx_post_title ON post (title) \(visible);
                    CREATE INDEX idx_post_visible ON post (id) \(visible);
                    CREATE TABLE \(longTable) (id serial PRIMARY KEY, customer_email_address varchar(255), \(system), auto_name varchar(512));
                    CREATE UNIQUE INDEX uidx_196vtzb ON \(longTable) (customer_email_address) \(visible);
                    CREATE INDEX idx_\(longTable)_visible ON \(longTable) (id) \(visible);
                    CREATE TABLE tag (id serial PRIMARY KEY, name varchar(255), \(system), auto_name varchar(512));
                    CREATE INDEX idx_tag_visible ON tag (id) \(visible);
                    CREATE TABLE link (id serial PRIMARY KEY, url text, \(system), auto_name varchar(512));
                    CREATE INDEX idx_link_visible ON link (id) \(visible);
                    CREATE TABLE \(junction) (
                        "linkId" integer NOT NULL REFERENCES link (id) ON DELETE RESTRICT ON UPDATE CASCADE,
                        "tagId" integer NOT NULL REFERENCES tag (id) ON DELETE RESTRICT ON UPDATE CASCADE, \(system),
                        id serial PRIMARY KEY);
                    CREATE INDEX idx_\(junction)_visible ON \(junction) (id) \(visible);
                    CREATE TABLE dsl (id serial PRIMARY KEY, hash varchar(255), dsl jsonb, \(system), auto_name varchar(512));
                    CREATE INDEX idx_dsl_visible ON dsl (id) \(visible);
                    INSERT INTO dsl (hash, dsl) VALUES ('enginejs-hash', '\(enginejsDSL)');
                    """)
            // Non-enginesync relations, and columns of non-enginesync tables.
            let relations =
                #"SELECT string_agg(relname, ',' ORDER BY relname COLLATE "C") AS v FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relname NOT LIKE 'engine\_%'"#
            let columns =
                #"SELECT string_agg(c.relname || '.' || a.attname, ',' ORDER BY c.relname COLLATE "C", a.attname COLLATE "C") AS v FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND c.relname NOT LIKE 'engine\_%' AND a.attnum > 0"#
            let relationsBefore = try connection.query(relations).first?.string("v")
            let columnsBefore =
                try connection.query(columns).first?.string("v").split(separator: ",").map(String.init) ?? []
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/meta/dsl.json": ReconcileStory.snapshotModel,
                "dsl/models/post.json":
                    #"{"fields": {"title": {"type": "string"}}, "indexes": {"unique": [["title"]]}}"#,
                "dsl/models/\(longTable).json":
                    #"{"fields": {"customer_email_address": {"type": "string"}}, "indexes": {"unique": [["customer_email_address"]]}}"#,
                "dsl/models/tag.json": #"{"fields": {"name": {"type": "string"}}}"#,
                "dsl/models/link.json":
                    #"{"fields": {"url": {"type": "text"}, "tags": {"type": "int", "multi": true, "source": "tag", "sourceid": "id"}}}"#,
            ])
            let plan = ReconcileStory.reconcile(database, repository) { $0.safeSync.dryRun = true }
            #expect(plan.report.applied.map(\.kind) == ["add_column"], "\(plan.report.applied)")
            #expect(plan.report.applied.first?.column == "commit")
            #expect(plan.report.blocked.isEmpty)
            #expect(plan.report.drift.isEmpty, "\(plan.report.drift)")
            let sync = ReconcileStory.reconcile(database, repository)
            #expect(sync.report.outcome == .synced)
            // No duplicate table, column or index: only `dsl.commit` and enginesync's own tables were added.
            #expect(try connection.query(relations).first?.string("v") == relationsBefore)
            let columnsAfter =
                try connection.query(columns).first?.string("v").split(separator: ",").map(String.init) ?? []
            #expect(Set(columnsAfter).subtracting(columnsBefore) == ["dsl.commit"])
            #expect(Set(columnsBefore).isSubset(of: columnsAfter))
            #expect(
                try ReconcileStory.count(
                    connection, "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'") == 8)
        }
    }
}

@Suite("Safe Sync when the connection drops during COMMIT")
struct CommitConnectionLossTests {
    @Test func anUnknownCommitOutcomeIsCheckedInTheDatabase() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/meta/dsl.json": ReconcileStory.snapshotModel,
                "dsl/models/a.json": #"{"fields": {"x": {"type": "string"}}}"#,
            ])
            #expect(ReconcileStory.reconcile(database, repository).report.outcome == .synced)
            // A deferred trigger kills the session while it commits the next reconcile.
            try connection.execute(
                script: """
                    CREATE FUNCTION die_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NULL; END $$;
                    CREATE CONSTRAINT TRIGGER die_at_commit AFTER INSERT ON engine_reconciles
                        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION die_at_commit();
                    """)
            try repository.commit([
                "dsl/models/a.json": #"{"fields": {"x": {"type": "string"}, "y": {"type": "text"}}}"#
            ])
            let lost = ReconcileStory.reconcile(database, repository)
            #expect(lost.report.outcome == .failed)
            #expect(lost.report.errors.first?.code == "database_unreachable")
            // The transaction did not commit, and enginesync did not pretend it had.
            #expect(
                try connection.query(
                    "SELECT count(*)::int AS n FROM information_schema.columns WHERE column_name = 'y'"
                ).first?.int("n") == 0)
            try connection.execute(script: "DROP TRIGGER die_at_commit ON engine_reconciles;")
            #expect(ReconcileStory.reconcile(database, repository).report.outcome == .synced)
        }
    }
}

@Suite("A standby is left alone")
struct StandbyTests {
    @Test func aHotStandbyIsReportedAsStandbyAndNothingIsWritten() throws {
        try ScratchDatabase.with { database, primary in
            let standbyPort = try TestEnvironment.standbyPort()
            let standbyDSN = "host=\(database.host) port=\(standbyPort) user=\(database.user) dbname=\(database.name)"
            let standby = PostgresConfiguration(dsn: standbyDSN, connectTimeoutSeconds: 5)
            // The new database reaches the standby through streaming replication: wait until the standby has
            // replayed the primary's WAL up to now. The parallel pass keeps the primary busy creating and dropping
            // hundreds of databases, each a copy of the template the standby replays too (through a replication
            // slot, scripts/scratch-postgres.sh), so the replay may lag behind by minutes on two cores.
            let target = try #require(
                try primary.query("SELECT pg_current_wal_lsn()::text AS lsn").first?.string("lsn"))
            let standbyAdmin = PostgresConfiguration(
                dsn: "host=\(database.host) port=\(standbyPort) user=\(database.user) dbname=postgres",
                connectTimeoutSeconds: 5)
            let deadline = Date().addingTimeInterval(240)
            var replayed = false
            while !replayed, Date() < deadline {
                replayed =
                    (try? PostgresConnection.connect(standbyAdmin).query(
                        "SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done", [target]
                    ).first?.bool("done")) == true
                if !replayed { Thread.sleep(forTimeInterval: 0.2) }
            }
            #expect(replayed, "the standby did not replay up to \(target) within 240 s")
            var connection: PostgresConnection?
            for _ in 0..<50 where connection == nil {
                connection = try? PostgresConnection.connect(standby)
                if connection == nil { Thread.sleep(forTimeInterval: 0.1) }
            }
            let replica = try #require(connection)
            #expect(try replica.query("SELECT pg_is_in_recovery() AS r").first?.bool("r") == true)

            let repository = try ScratchRepository()
            try repository.commit(["dsl/models/post.json": #"{"fields": {"title": {"type": "string"}}}"#])
            let result = Reconciler(
                database: standby, options: ReconcilerOptions(lockWait: .zero), logger: Logger(label: "test")
            )
            .reconcile(.git(repository: repository.path, revision: "main"))
            #expect(result.report.outcome == .standby)
            #expect(result.report.outcome.exitCode == 1)
            #expect(result.report.applied.isEmpty)
            #expect(result.report.warnings.map(\.code).contains("standby"))

            // Issue 12 item 19: `migrate up` and `migrate resolve` say "standby", not a read-only transaction
            // error that reads like a broken migration. (Here, before the promotion below: the scratch cluster
            // has one standby, and the tests run in parallel.)
            let root = NSTemporaryDirectory() + "enginesync-standby-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: root) }
            try FileManager.default.createDirectory(atPath: root + "/migrations", withIntermediateDirectories: true)
            try "CREATE TABLE a (id int);\n".write(
                toFile: root + "/migrations/0001_a.sql", atomically: true, encoding: .utf8)
            let up = try EngineSyncBinary.run(["migrate", "up", "--dir", root, "--database", standbyDSN])
            #expect(up.status == 1, "\(up.stdout)\(up.stderr)")
            #expect(up.stderr.contains("standby:") && up.stderr.contains("pg_is_in_recovery"), "\(up.stderr)")
            #expect(!up.stderr.contains("read-only"), "\(up.stderr)")
            let resolve = try EngineSyncBinary.run([
                "migrate", "resolve", "0001_a", "--applied", "--dir", root,
                "--database", standbyDSN,
            ])
            #expect(resolve.status == 1)
            #expect(resolve.stderr.contains("standby:"), "\(resolve.stderr)")

            // Promoted, it is a primary: the same reconcile now applies (SPEC 4.3 "takes over").
            try replica.query("SELECT pg_promote(true, 30)")
            let promoted = Reconciler(
                database: standby, options: ReconcilerOptions(lockWait: .zero), logger: Logger(label: "test")
            )
            .reconcile(.git(repository: repository.path, revision: "main"))
            #expect(promoted.report.outcome == .synced, "\(promoted.report.errors)")
        }
    }
}
