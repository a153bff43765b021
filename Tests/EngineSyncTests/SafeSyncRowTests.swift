import EngineSync
import EngineSyncCore
import EngineSyncTestSupport
import Foundation
import GitClient
import PostgresClient
import Testing

/// Every row of SPEC 4.1's blocked table against real PostgreSQL: the change is blocked, the catalog is left
/// as it was, and the suggested migration (`suggested_sql`, committed as `migrations/<suggested_migration>`
/// next to the DSL) really runs: the next reconcile is `synced` and the catalog has the change.
@Suite("Safe Sync: every blocked row, and its suggested migration, on real PostgreSQL")
struct SafeSyncBlockedRowTests {
    struct Row: Sendable, CustomTestStringConvertible {
        /// The blocked kinds the reconcile reports, in report order (the first is the row under test).
        var blocked: [String]
        /// DSL files of the synced starting point (the snapshot model is added).
        var before: [String: String?]
        /// SQL run after the first sync: data, views, changes made by hand.
        var setup: String?
        /// The commit whose plan is blocked.
        var after: [String: String?]
        /// A query describing the object concerned, as one text value.
        var probe: String
        var probeBefore: String
        var probeAfter: String
        /// Data the suggested migration needs fixed first, put at the top of the migration file.
        var dataFix: String?
        /// The SQLSTATE the suggested SQL fails with when the data is not fixed first.
        var suggestedFailsWith: String?
        var maxRewriteRows: Int?
        /// The manual items listed next to the blocked ones (index and foreign key changes EngineJS never makes).
        var manual: [String] = []

        var testDescription: String { blocked[0] }
    }

    static let post = #"{"fields": {"title": {"type": "string", "length": 100}, "body": {"type": "text"}}}"#
    static let user = #"{"fields": {"email": {"type": "string"}}}"#
    static let postWithOwner =
        #"{"fields": {"title": {"type": "string"}, "owner": {"type": "int", "source": "user", "sourceid": "id"}}}"#
    static let postWithPlainOwner = #"{"fields": {"title": {"type": "string"}, "owner": {"type": "int"}}}"#

    static let rows: [Row] = [
        Row(
            blocked: ["drop_table"],
            before: ["dsl/models/post.json": post, "dsl/models/gone.json": #"{"fields": {"note": {"type": "text"}}}"#],
            setup: "INSERT INTO gone (note) VALUES ('keep me until a migration says otherwise')",
            after: ["dsl/models/gone.json": nil],
            probe: "SELECT coalesce(pg_catalog.to_regclass('public.gone')::text, 'absent')",
            probeBefore: "gone", probeAfter: "absent"),
        Row(
            blocked: ["drop_column"],
            before: ["dsl/models/post.json": post],
            setup: "INSERT INTO post (title, body) VALUES ('t', 'b')",
            after: ["dsl/models/post.json": #"{"fields": {"title": {"type": "string", "length": 100}}}"#],
            probe: ReconcileStory.columnType("post", "body"), probeBefore: "text", probeAfter: "absent"),
        Row(
            blocked: ["narrow_column"],
            before: ["dsl/models/post.json": post],
            setup: "INSERT INTO post (title, body) VALUES ('fits in fifty', 'b')",
            after: [
                "dsl/models/post.json":
                    #"{"fields": {"title": {"type": "string", "length": 50}, "body": {"type": "text"}}}"#
            ],
            probe: ReconcileStory.columnType("post", "title"),
            probeBefore: "character varying(100)", probeAfter: "character varying(50)"),
        // Needs the USING clause: PostgreSQL has no assignment cast from varchar to integer (42804 without it).
        Row(
            blocked: ["change_column_type"],
            before: ["dsl/models/item.json": #"{"fields": {"code": {"type": "string", "length": 20}}}"#],
            setup: "INSERT INTO item (code) VALUES ('42'), ('7')",
            after: ["dsl/models/item.json": #"{"fields": {"code": {"type": "int"}}}"#],
            probe: ReconcileStory.columnType("item", "code"), probeBefore: "character varying(20)",
            probeAfter: "integer"),
        Row(
            blocked: ["rename_table"],
            before: [
                "dsl/models/post.json":
                    #"{"fields": {"title": {"type": "string"}}, "indexes": {"unique": [["title"]]}}"#
            ],
            setup: "INSERT INTO post (title) VALUES ('data that must follow the rename')",
            after: [
                "dsl/models/post.json":
                    #"{"table": "article", "fields": {"title": {"type": "string"}}, "indexes": {"unique": [["title"]]}}"#
            ],
            probe: """
                SELECT coalesce(pg_catalog.to_regclass('public.post')::text, '-') || ' ' || coalesce(pg_catalog.to_regclass('public.article')::text, '-')
                    || ' ' || coalesce((SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_catalog.pg_class
                                        WHERE relname IN ('idx_post_visible', 'uidx_post_title', 'idx_article_visible', 'uidx_article_title')), '-')
                """,
            probeBefore: "post - idx_post_visible,uidx_post_title",
            probeAfter: "- article idx_article_visible,uidx_article_title"),
        Row(
            blocked: ["rename_column"],
            before: ["dsl/models/post.json": #"{"fields": {"title": {"type": "string"}}}"#],
            setup: "INSERT INTO post (title) VALUES ('data that must follow the rename')",
            after: ["dsl/models/post.json": #"{"fields": {"title": {"type": "string", "columnName": "headline"}}}"#],
            probe: """
                SELECT string_agg(attname, ',' ORDER BY attname) FROM pg_catalog.pg_attribute
                WHERE attrelid = 'public.post'::regclass AND attname IN ('title', 'headline') AND NOT attisdropped
                """,
            probeBefore: "title", probeAfter: "headline"),
        // The visible index is on the primary key, so it changes with it: a manual change_index (EngineJS never
        // rebuilds an index), not a second blocked change.
        Row(
            blocked: ["change_primary_key"],
            before: [
                "dsl/models/t.json":
                    #"{"fields": {"id": {"type": "int", "primary": true, "autoIncrement": true}, "code": {"type": "string", "length": 20}}}"#
            ],
            setup: "INSERT INTO t (code) VALUES ('a'), ('b')",
            after: [
                "dsl/models/t.json":
                    #"{"fields": {"id": {"type": "int", "autoIncrement": true}, "code": {"type": "string", "length": 20, "primary": true}}}"#
            ],
            probe: """
                SELECT string_agg(a.attname, ',') FROM pg_catalog.pg_constraint c
                JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
                WHERE c.conrelid = 'public.t'::regclass AND c.contype = 'p'
                """,
            probeBefore: "id", probeAfter: "code", manual: ["change_index"]),
        Row(
            blocked: ["rewrite_too_large"],
            before: ["dsl/models/m.json": #"{"fields": {"n": {"type": "int"}}}"#],
            setup: "INSERT INTO m (n) SELECT g FROM generate_series(1, 200) g; ANALYZE m;",
            after: ["dsl/models/m.json": #"{"fields": {"n": {"type": "bigint"}}}"#],
            probe: ReconcileStory.columnType("m", "n"), probeBefore: "integer", probeAfter: "bigint",
            maxRewriteRows: 100),
        Row(
            blocked: ["dependent_view"],
            before: ["dsl/models/m.json": #"{"fields": {"s": {"type": "string", "length": 10}}}"#],
            setup: "INSERT INTO m (s) VALUES ('x'); CREATE VIEW m_view AS SELECT id, s FROM m WHERE s <> '';",
            after: ["dsl/models/m.json": #"{"fields": {"s": {"type": "string", "length": 20}}}"#],
            probe: ReconcileStory.columnType("m", "s")
                + " || ' ' || coalesce(pg_catalog.to_regclass('public.m_view')::text, '-')",
            probeBefore: "character varying(10) m_view", probeAfter: "character varying(20) m_view"),
        Row(
            blocked: ["dependent_view"],
            before: ["dsl/models/m.json": #"{"fields": {"s": {"type": "string", "length": 10}}}"#],
            setup:
                "INSERT INTO m (s) VALUES ('x'); CREATE MATERIALIZED VIEW m_summary AS SELECT s, count(*) AS n FROM m GROUP BY s;",
            after: ["dsl/models/m.json": #"{"fields": {"s": {"type": "string", "length": 20}}}"#],
            probe: ReconcileStory.columnType("m", "s")
                + " || ' ' || (SELECT relkind::text FROM pg_catalog.pg_class WHERE oid = pg_catalog.to_regclass('public.m_summary'))"
                + " || ' ' || (SELECT n FROM public.m_summary)::text",
            probeBefore: "character varying(10) m 1", probeAfter: "character varying(20) m 1"),
        Row(
            blocked: ["unique_conflict"],
            before: ["dsl/models/user.json": user],
            setup:
                #"INSERT INTO "user" (email, deleted, archived) VALUES ('a@x', false, false), ('a@x', false, false), ('b@x', false, false);"#,
            after: [
                "dsl/models/user.json":
                    #"{"fields": {"email": {"type": "string"}}, "indexes": {"unique": [["email"]]}}"#
            ],
            probe: ReconcileStory.indexColumns("uidx_user_email"), probeBefore: "absent", probeAfter: "email",
            dataFix: #"DELETE FROM "user" a USING "user" b WHERE a.email = b.email AND a.id > b.id;"#,
            suggestedFailsWith: "23505"),
    ]

    @Test(arguments: rows)
    func blockedThenResolvedByItsSuggestedMigration(_ row: Row) throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            var before = row.before
            before["dsl/meta/dsl.json"] = ReconcileStory.snapshotModel
            try repository.commit(before, message: "start")
            let configure: (inout ReconcilerOptions) -> Void = { options in
                if let rows = row.maxRewriteRows { options.safeSync.planner.maxRewriteRows = rows }
            }
            let start = ReconcileStory.reconcile(database, repository, configure: configure)
            try #require(start.report.outcome == .synced, "\(start.report.errors) \(start.report.blocked)")
            if let setup = row.setup { try connection.execute(script: setup) }
            #expect(try ReconcileStory.value(connection, row.probe) == row.probeBefore)
            let catalogBefore = try CatalogFingerprint.capture(connection)

            // 1. Blocked: nothing of it is applied.
            try repository.commit(row.after, message: "the change")
            let blocked = ReconcileStory.reconcile(database, repository, configure: configure)
            #expect(blocked.report.outcome == .blocked, "\(blocked.report.errors)")
            #expect(blocked.report.blocked.map(\.kind) == row.blocked)
            #expect(blocked.report.manual.map(\.kind) == row.manual, "\(blocked.report.manual)")
            #expect(blocked.report.applied.isEmpty, "\(blocked.report.applied)")
            #expect(try ReconcileStory.value(connection, row.probe) == row.probeBefore)
            let catalogBlocked = try CatalogFingerprint.capture(connection)
            #expect(
                catalogBlocked.catalog == catalogBefore.catalog, "\(catalogBefore.difference(from: catalogBlocked))")

            // 2. The suggested migration is what `migrations/<suggested_migration>` would hold.
            var files: [String: String?] = [:]
            for (position, change) in blocked.report.blocked.enumerated() {
                let sql = try #require(change.suggestedSQL, "\(change.kind) has no suggested_sql")
                let name = try #require(change.suggestedMigration, "\(change.kind) has no suggested_migration")
                #expect(name.hasSuffix(".sql"))
                #expect(!sql.isEmpty)
                if position == 0, let code = row.suggestedFailsWith {
                    // The block was right: as it stands, the data violates the change.
                    #expect(try ReconcileStory.sqlStateOfTrying(connection, sql) == code)
                }
                let fix = position == 0 ? row.dataFix.map { $0 + "\n" } ?? "" : ""
                files["migrations/" + name] = fix + sql + "\n"
            }
            try repository.commit(files, message: "the suggested migration")
            let resolved = ReconcileStory.reconcile(database, repository, configure: configure)
            #expect(resolved.report.outcome == .synced, "\(resolved.report.errors) \(resolved.report.blocked)")
            #expect(resolved.report.blocked.isEmpty)
            #expect(
                resolved.report.migrations.applied.map { "migrations/\($0.id).sql" }.sorted() == files.keys.sorted())
            #expect(resolved.report.drift.isEmpty, "\(resolved.report.drift)")
            #expect(try ReconcileStory.value(connection, row.probe) == row.probeAfter)

            // 3. Settled: the next reconcile has nothing to do.
            let settled = ReconcileStory.reconcile(database, repository, configure: configure)
            #expect(settled.report.outcome == .synced)
            #expect(settled.report.applied.isEmpty, "\(settled.report.applied)")
            #expect(settled.report.blocked.isEmpty)
        }
    }
}

/// The index and foreign key changes EngineJS's sync never makes (it only creates, `IF NOT EXISTS`): not
/// blocked, the reconcile stays `synced` and changes nothing; each is listed under `manual` with the SQL that
/// makes it, and that SQL, committed as a migration, really runs: the next reconcile has nothing left to do.
@Suite("Safe Sync: index and foreign key changes are manual items on real PostgreSQL")
struct SafeSyncManualRowTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var kind: String
        var before: [String: String?]
        var setup: String?
        var after: [String: String?]
        var probe: String
        var probeBefore: String
        var probeAfter: String
        /// Data the manual SQL needs fixed first, put at the top of the migration file.
        var dataFix: String?
        /// The SQLSTATE the manual SQL fails with when the data is not fixed first.
        var sqlFailsWith: String?

        var testDescription: String { kind }
    }

    typealias Blocked = SafeSyncBlockedRowTests

    static let rows: [Row] = [
        Row(
            kind: "drop_index",
            before: [
                "dsl/models/post.json": #"{"fields": {"title": {"type": "string"}}, "indexes": {"many": [["title"]]}}"#
            ],
            after: ["dsl/models/post.json": #"{"fields": {"title": {"type": "string"}}}"#],
            probe: ReconcileStory.indexColumns("idx_post_title"), probeBefore: "title", probeAfter: "absent"),
        // The DSL cannot give one name two definitions; an index rebuilt by hand (or by an older EngineJS) can.
        Row(
            kind: "change_index",
            before: [
                "dsl/models/post.json":
                    #"{"fields": {"title": {"type": "string"}, "body": {"type": "text"}}, "indexes": {"many": [["title"]]}}"#
            ],
            setup: "DROP INDEX idx_post_title; CREATE INDEX idx_post_title ON post (body);",
            after: ["README.md": "the DSL did not change; the index did"],
            probe: ReconcileStory.indexColumns("idx_post_title"), probeBefore: "body", probeAfter: "title"),
        // Existing rows may violate it: here one does (owner 999), so VALIDATE fails (23503).
        Row(
            kind: "add_foreign_key",
            before: ["dsl/models/user.json": Blocked.user, "dsl/models/post.json": Blocked.postWithPlainOwner],
            setup:
                #"INSERT INTO "user" (id, email) VALUES (1, 'a@x'); INSERT INTO post (title, owner) VALUES ('ok', 1), ('orphan', 999);"#,
            after: ["dsl/models/post.json": Blocked.postWithOwner],
            probe: ReconcileStory.foreignKey("post_owner_fkey"), probeBefore: "absent", probeAfter: #""user" r c t"#,
            dataFix: #"UPDATE post SET owner = NULL WHERE owner NOT IN (SELECT id FROM "user");"#,
            sqlFailsWith: "23503"),
        Row(
            kind: "drop_foreign_key",
            before: ["dsl/models/user.json": Blocked.user, "dsl/models/post.json": Blocked.postWithOwner],
            after: ["dsl/models/post.json": Blocked.postWithPlainOwner],
            probe: ReconcileStory.foreignKey("post_owner_fkey"), probeBefore: #""user" r c t"#, probeAfter: "absent"),
        Row(
            kind: "change_foreign_key",
            before: ["dsl/models/user.json": Blocked.user, "dsl/models/post.json": Blocked.postWithOwner],
            after: [
                "dsl/models/post.json":
                    #"{"fields": {"title": {"type": "string"}, "owner": {"type": "int", "source": "user", "sourceid": "id", "onDelete": "CASCADE"}}}"#
            ],
            probe: ReconcileStory.foreignKey("post_owner_fkey"), probeBefore: #""user" r c t"#,
            probeAfter: #""user" c c t"#),
    ]

    @Test(arguments: rows)
    func listedAsManualThenMadeByItsSQLAsAMigration(_ row: Row) throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            var before = row.before
            before["dsl/meta/dsl.json"] = ReconcileStory.snapshotModel
            try repository.commit(before, message: "start")
            let start = ReconcileStory.reconcile(database, repository)
            try #require(start.report.outcome == .synced, "\(start.report.errors) \(start.report.blocked)")
            if let setup = row.setup { try connection.execute(script: setup) }
            #expect(try ReconcileStory.value(connection, row.probe) == row.probeBefore)
            let catalogBefore = try CatalogFingerprint.capture(connection)

            // 1. Not blocked, nothing changed: a manual item with its SQL.
            try repository.commit(row.after, message: "the change")
            let listed = ReconcileStory.reconcile(database, repository)
            #expect(listed.report.outcome == .synced, "\(listed.report.errors) \(listed.report.blocked)")
            #expect(listed.report.blocked.isEmpty, "\(listed.report.blocked)")
            #expect(listed.report.applied.isEmpty, "\(listed.report.applied)")
            #expect(listed.report.manual.map(\.kind) == [row.kind], "\(listed.report.manual)")
            #expect(try ReconcileStory.value(connection, row.probe) == row.probeBefore)
            let catalogListed = try CatalogFingerprint.capture(connection)
            #expect(catalogListed.catalog == catalogBefore.catalog, "\(catalogBefore.difference(from: catalogListed))")
            let sql = try #require(listed.report.manual.first?.sql, "\(row.kind) has no sql")
            #expect(!sql.isEmpty)
            if let code = row.sqlFailsWith {
                // As it stands, the data violates the change.
                #expect(try ReconcileStory.sqlStateOfTrying(connection, sql) == code)
            }

            // 2. The SQL, committed as a migration, makes the change; nothing is left to do by hand.
            let fix = row.dataFix.map { $0 + "\n" } ?? ""
            try repository.commit(["migrations/0001_\(row.kind).sql": fix + sql + "\n"], message: "the manual SQL")
            let resolved = ReconcileStory.reconcile(database, repository)
            #expect(resolved.report.outcome == .synced, "\(resolved.report.errors) \(resolved.report.blocked)")
            #expect(resolved.report.blocked.isEmpty)
            #expect(resolved.report.migrations.applied.map(\.id) == ["0001_\(row.kind)"])
            #expect(resolved.report.manual.isEmpty, "\(resolved.report.manual)")
            #expect(resolved.report.drift.isEmpty, "\(resolved.report.drift)")
            #expect(try ReconcileStory.value(connection, row.probe) == row.probeAfter)

            // 3. Settled: the next reconcile has nothing to do.
            let settled = ReconcileStory.reconcile(database, repository)
            #expect(settled.report.outcome == .synced)
            #expect(settled.report.applied.isEmpty, "\(settled.report.applied)")
            #expect(settled.report.blocked.isEmpty)
            #expect(settled.report.manual.isEmpty, "\(settled.report.manual)")
        }
    }

    /// A manual item stays manual: the reconcile after the one that listed it, with no change in between,
    /// lists it again and still changes nothing (EngineJS's sync never adds a foreign key to an existing
    /// column, however often it runs).
    @Test(arguments: [false, true])
    func aManualForeignKeyIsNotAddedByTheNextReconcile(orphan: Bool) throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/meta/dsl.json": ReconcileStory.snapshotModel,
                "dsl/models/user.json": Blocked.user, "dsl/models/post.json": Blocked.postWithPlainOwner,
            ])
            #expect(ReconcileStory.reconcile(database, repository).report.outcome == .synced)
            try connection.execute(
                script:
                    #"INSERT INTO "user" (id, email) VALUES (1, 'a@x'); INSERT INTO post (title, owner) VALUES ('ok', 1);"#
            )
            if orphan { try connection.execute(script: "INSERT INTO post (title, owner) VALUES ('orphan', 999);") }
            try repository.commit(["dsl/models/post.json": Blocked.postWithOwner])
            let listed = ReconcileStory.reconcile(database, repository)
            #expect(listed.report.manual.map(\.kind) == ["add_foreign_key"])
            #expect(try ReconcileStory.value(connection, ReconcileStory.foreignKey("post_owner_fkey")) == "absent")
            let next = ReconcileStory.reconcile(database, repository)
            #expect(next.report.outcome == .synced, "\(next.report.blocked)")
            #expect(next.report.blocked.isEmpty, "\(next.report.blocked)")
            #expect(next.report.applied.isEmpty, "\(next.report.applied)")
            #expect(next.report.drift.isEmpty, "\(next.report.drift)")
            #expect(next.report.manual.map(\.kind) == ["add_foreign_key"], "\(next.report.manual)")
            #expect(try ReconcileStory.value(connection, ReconcileStory.foreignKey("post_owner_fkey")) == "absent")
        }
    }
}

/// SPEC 4.1 "other cases" and the safe rows not covered elsewhere, on real PostgreSQL.
@Suite("Safe Sync: other cases and safe rows on real PostgreSQL")
struct SafeSyncOtherCaseTests {
    typealias Story = ReconcileStory

    static let post =
        #"{"fields": {"title": {"type": "string", "length": 50}, "body": {"type": "text"}}, "indexes": {"many": [["title"]]}}"#

    @Test func unmanagedDriftIsReportedAndNeverDropped() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit(["dsl/meta/dsl.json": Story.snapshotModel, "dsl/models/post.json": Self.post])
            #expect(Story.reconcile(database, repository).report.outcome == .synced)
            try connection.execute(
                script: """
                    CREATE TABLE legacy (id int PRIMARY KEY, payload text);
                    INSERT INTO legacy VALUES (1, 'precious');
                    ALTER TABLE post ADD COLUMN handmade text;
                    CREATE INDEX idx_handmade ON post (body);
                    """)
            // A DSL change next to the drift: applied, and the drift is still only reported.
            try repository.commit([
                "dsl/models/post.json":
                    #"{"fields": {"title": {"type": "string", "length": 50}, "body": {"type": "text"}, "slug": {"type": "string"}}, "indexes": {"many": [["title"]]}}"#
            ])
            for _ in 0..<2 {
                let result = Story.reconcile(database, repository)
                #expect(result.report.outcome == .synced, "\(result.report.blocked)")
                #expect(result.report.blocked.isEmpty)
                let drift = Set(result.report.drift.map { "\($0.kind) \($0.table) \($0.column ?? $0.index ?? "")" })
                #expect(
                    drift == [
                        "unmanaged_table legacy ", "unmanaged_column post handmade",
                        "unmanaged_index post idx_handmade",
                    ])
            }
            #expect(try Story.value(connection, "SELECT payload FROM legacy") == "precious")
            #expect(try Story.value(connection, Story.columnType("post", "handmade")) == "text")
            #expect(try Story.value(connection, Story.indexColumns("idx_handmade")) == "body")
            #expect(try Story.value(connection, Story.columnType("post", "slug")) == "character varying(255)")
        }
    }

    @Test func droppedByHandIsRecreatedAndListedAsDrift() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/meta/dsl.json": Story.snapshotModel, "dsl/models/post.json": Self.post,
                "dsl/models/tag.json": #"{"fields": {"name": {"type": "string"}}}"#,
            ])
            #expect(Story.reconcile(database, repository).report.outcome == .synced)
            try connection.execute(
                script: "DROP TABLE tag; ALTER TABLE post DROP COLUMN body; DROP INDEX idx_post_title;")
            let result = Story.reconcile(database, repository)
            #expect(result.report.outcome == .synced, "\(result.report.blocked) \(result.report.errors)")
            #expect(result.report.blocked.isEmpty)
            #expect(
                Set(result.report.applied.map { "\($0.kind) \($0.table) \($0.column ?? $0.index ?? "")" })
                    == [
                        "create_table tag ", "add_column post body", "create_index post idx_post_title",
                        "create_index tag idx_tag_visible",
                    ])
            #expect(
                Set(result.report.drift.map { "\($0.kind) \($0.table) \($0.column ?? $0.index ?? "")" })
                    == ["recreated_table tag ", "recreated_column post body", "recreated_index post idx_post_title"])
            #expect(try Story.value(connection, "SELECT pg_catalog.to_regclass('public.tag')") == "tag")
            #expect(try Story.value(connection, Story.columnType("post", "body")) == "text")
            #expect(try Story.value(connection, Story.indexColumns("idx_post_title")) == "title")
            let again = Story.reconcile(database, repository)
            #expect(again.report.applied.isEmpty)
            #expect(again.report.drift.isEmpty)
        }
    }

    /// SPEC 4.1: "In S and D, not in L (dropped by hand): re-created, listed under drift" — foreign keys too.

    @Test func foreignKeyDroppedByHandIsRecreated() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/meta/dsl.json": Story.snapshotModel,
                "dsl/models/user.json": #"{"fields": {"email": {"type": "string"}}}"#,
                "dsl/models/post.json": #"{"fields": {"owner": {"type": "int", "source": "user", "sourceid": "id"}}}"#,
            ])
            #expect(Story.reconcile(database, repository).report.outcome == .synced)
            try connection.execute(script: "ALTER TABLE post DROP CONSTRAINT post_owner_fkey;")
            let result = Story.reconcile(database, repository)
            #expect(result.report.drift.map(\.kind) == ["missing_foreign_key"])
            let key = try Story.value(connection, Story.foreignKey("post_owner_fkey"))
            #expect(result.report.outcome == .synced, "\(result.report.blocked)")
            #expect(result.report.applied.map(\.kind) == ["add_foreign_key"])
            #expect(key == #""user" r c t"#)
        }
    }

    /// `rename_column` of a field with an index: blocked alone, nothing applied, then its suggested migration
    /// (the column and the index renamed) syncs.

    @Test func renamedIndexedColumnIsBlockedThenRenamedWithItsIndex() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/meta/dsl.json": Story.snapshotModel,
                "dsl/models/post.json":
                    #"{"fields": {"title": {"type": "string"}}, "indexes": {"unique": [["title"]]}}"#,
            ])
            #expect(Story.reconcile(database, repository).report.outcome == .synced)
            #expect(try Story.value(connection, Story.indexColumns("uidx_post_title")) == "title")
            let before = try CatalogFingerprint.capture(connection)
            try repository.commit([
                "dsl/models/post.json":
                    #"{"fields": {"title": {"type": "string", "columnName": "headline"}}, "indexes": {"unique": [["title"]]}}"#
            ])
            let blocked = Story.reconcile(database, repository)
            let after = try CatalogFingerprint.capture(connection)
            #expect(blocked.report.outcome == .blocked, "\(blocked.report.errors)")
            #expect(blocked.report.blocked.map(\.kind) == ["rename_column"])
            #expect(blocked.report.applied.isEmpty)
            #expect(after.catalog == before.catalog, "\(before.difference(from: after))")
            // The suggestion renames the column and its index together.
            let plan = Story.reconcile(database, repository) { $0.safeSync.dryRun = true }
            let rename = try #require(plan.report.blocked.first { $0.kind == "rename_column" })
            #expect(
                rename.suggestedSQL == """
                    ALTER TABLE "public"."post" RENAME COLUMN "title" TO "headline";
                    ALTER INDEX "public"."uidx_post_title" RENAME TO "uidx_post_headline";
                    """)
        }
    }

    @Test func widenedByHandIsBlockedAsANarrowingAndListedAsDrift() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit(["dsl/meta/dsl.json": Story.snapshotModel, "dsl/models/post.json": Self.post])
            #expect(Story.reconcile(database, repository).report.outcome == .synced)
            try connection.execute(script: "ALTER TABLE post ALTER COLUMN title TYPE text;")
            let result = Story.reconcile(database, repository)
            #expect(result.report.outcome == .blocked)
            #expect(result.report.blocked.map(\.kind) == ["narrow_column"])
            #expect(result.report.blocked.first?.from == "text")
            #expect(result.report.blocked.first?.to == "character varying(50)")
            #expect(result.report.drift.map(\.kind) == ["widened_by_hand"])
            #expect(try Story.value(connection, Story.columnType("post", "title")) == "text")
        }
    }

    @Test func changedDefaultIsManualWithItsSQL() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/meta/dsl.json": Story.snapshotModel,
                "dsl/models/item.json":
                    #"{"fields": {"n": {"type": "int", "default": 1}, "s": {"type": "string", "default": "old"}}}"#,
            ])
            #expect(Story.reconcile(database, repository).report.outcome == .synced)
            try repository.commit([
                "dsl/models/item.json": #"{"fields": {"n": {"type": "int", "default": 2}, "s": {"type": "string"}}}"#
            ])
            let result = Story.reconcile(database, repository)
            #expect(result.report.outcome == .synced)
            #expect(result.report.applied.isEmpty)
            #expect(result.report.blocked.isEmpty)
            let manual = Dictionary(uniqueKeysWithValues: result.report.manual.map { ($0.column ?? "", $0) })
            #expect(manual["n"]?.kind == "change_default")
            #expect(manual["n"]?.sql == #"ALTER TABLE "public"."item" ALTER COLUMN "n" SET DEFAULT 2;"#)
            #expect(manual["s"]?.sql == #"ALTER TABLE "public"."item" ALTER COLUMN "s" DROP DEFAULT;"#)
            // Not applied.
            #expect(
                try Story.value(
                    connection,
                    "SELECT pg_catalog.pg_get_expr(adbin, adrelid) FROM pg_catalog.pg_attrdef WHERE adrelid = 'public.item'::regclass AND adnum = (SELECT attnum FROM pg_catalog.pg_attribute WHERE attrelid = 'public.item'::regclass AND attname = 'n')"
                ) == "1")
            // The SQL given runs: once applied by a migration, nothing is left to do by hand.
            let script = result.report.manual.compactMap(\.sql).joined(separator: "\n")
            try repository.commit(["migrations/0001_defaults.sql": script + "\n"])
            let resolved = Story.reconcile(database, repository)
            #expect(resolved.report.outcome == .synced, "\(resolved.report.errors)")
            #expect(resolved.report.manual.isEmpty, "\(resolved.report.manual)")
            #expect(
                try Story.value(
                    connection,
                    "SELECT count(*) FROM pg_catalog.pg_attrdef WHERE adrelid = 'public.item'::regclass AND adnum = (SELECT attnum FROM pg_catalog.pg_attribute WHERE attrelid = 'public.item'::regclass AND attname = 's')"
                ) == "0")
        }
    }

    @Test func firstRunOnAnExistingDatabaseDropsNothing() throws {
        try ScratchDatabase.with { database, connection in
            try connection.execute(
                script: """
                    CREATE TABLE post (id serial PRIMARY KEY, title varchar(50), extra text, created_at timestamptz);
                    CREATE INDEX idx_post_extra ON post (extra);
                    CREATE TABLE other (id int PRIMARY KEY);
                    INSERT INTO post (title, extra) VALUES ('t', 'kept');
                    """)
            let before = try CatalogFingerprint.capture(connection)
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/meta/dsl.json": Story.snapshotModel,
                "dsl/models/post.json": #"{"fields": {"title": {"type": "string", "length": 50}}}"#,
            ])
            let result = Story.reconcile(database, repository)
            #expect(result.report.outcome == .synced, "\(result.report.blocked)")
            #expect(result.report.blocked.isEmpty)
            #expect(!result.report.applied.contains { $0.sql?.contains("DROP") == true })
            let drift = Set(result.report.drift.map { "\($0.kind) \($0.table) \($0.column ?? $0.index ?? "")" })
            #expect(
                drift == [
                    "unmanaged_table other ", "unmanaged_column post extra", "unmanaged_index post idx_post_extra",
                ])
            // Every relation, column and index that was there is still there, unchanged.
            let after = try CatalogFingerprint.capture(connection)
            let removed = Set(before.catalog).subtracting(after.catalog).filter { !$0.hasPrefix("relation post ") }
            #expect(removed.isEmpty, "\(removed)")
            #expect(try Story.value(connection, "SELECT extra FROM post") == "kept")
        }
    }

    /// The safe rows on an existing table: a column with its foreign key, a varchar and an integer widening (a
    /// table rewrite), an index on an existing table, an auto_name backfill — all in one reconcile. (A `multi`
    /// string is always varchar(255)[], as in EngineJS, so there is no array widening; `text` with `multi` is a
    /// plain text column, a change_column_type.)
    @Test func safeRowsOnAnExistingTable() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/meta/dsl.json": Story.snapshotModel,
                "dsl/models/user.json": #"{"fields": {"name": {"type": "string"}}}"#,
                "dsl/models/post.json":
                    #"{"fields": {"title": {"type": "string", "length": 20}, "n": {"type": "int"}, "tags": {"type": "string", "multi": true}}}"#,
            ])
            #expect(Story.reconcile(database, repository).report.outcome == .synced)
            try connection.execute(
                script:
                    #"INSERT INTO post (title, n, tags, deleted, archived) VALUES ('Hello', 1, ARRAY['a'], false, false);"#
            )
            try repository.commit([
                "dsl/models/post.json":
                    #"{"fields": {"title": {"type": "string", "length": 40}, "n": {"type": "bigint"}, "tags": {"type": "string", "multi": true}, "owner": {"type": "int", "source": "user", "sourceid": "id"}}, "indexes": {"many": [["n"]]}, "auto_name": ["title"]}"#
            ])
            let result = Story.reconcile(database, repository)
            #expect(result.report.outcome == .synced, "\(result.report.blocked) \(result.report.errors)")
            #expect(
                result.report.applied.map { "\($0.kind) \($0.column ?? $0.index ?? "")" } == [
                    "add_column owner", "widen_column title", "widen_column n", "add_foreign_key owner",
                    "create_index idx_post_n", "backfill_auto_name auto_name",
                ])
            #expect(result.report.applied.filter { $0.kind == "widen_column" }.map(\.rewrite) == [false, true])
            #expect(try Story.value(connection, Story.columnType("post", "title")) == "character varying(40)")
            #expect(try Story.value(connection, Story.columnType("post", "n")) == "bigint")
            #expect(try Story.value(connection, Story.columnType("post", "tags")) == "character varying(255)[]")
            #expect(try Story.value(connection, Story.foreignKey("post_owner_fkey")) == #""user" r c t"#)
            #expect(try Story.value(connection, Story.indexColumns("idx_post_n")) == "n")
            #expect(try Story.value(connection, "SELECT auto_name FROM post") == "Hello")
        }
    }
}
