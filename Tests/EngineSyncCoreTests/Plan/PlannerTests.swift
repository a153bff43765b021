import EngineSyncCore
import Testing

@Suite("Planner: the three-way plan of SPEC 4.1")
struct PlannerTests {
    let planner = Planner()

    @Test func emptyDatabaseCreatesEverythingInOrder() throws {
        let user = Fixture.table("user", [Fixture.id("user"), Fixture.column("email", .varchar(length: 255))])
        let post = Fixture.table("post", [Fixture.id("post"), Fixture.column("owner", .integer)])
        let key = ForeignKey(
            name: "post_owner_fkey", table: "post", columns: ["owner"], referencedTable: "user",
            referencedColumns: ["id"])
        let desired = Fixture.compiled([user, post], indexes: [Fixture.visibleIndex("post")], foreignKeys: [key])
        let plan = planner.plan(desired: desired, snapshot: nil, live: Schema())
        #expect(plan.safe.map(\.kind) == [.createTable, .createTable, .addForeignKey, .createIndex])
        #expect(plan.blocked.isEmpty)
        try #require(plan.safe.count == 4)
        #expect(
            plan.safe[0].sqlText
                == #"CREATE TABLE "public"."user" ("id" serial NOT NULL, "email" character varying(255), CONSTRAINT "user_pkey" PRIMARY KEY ("id"))"#
        )
        #expect(
            plan.safe[2].sqlText.contains(
                #"FOREIGN KEY ("owner") REFERENCES "public"."user" ("id") ON DELETE RESTRICT ON UPDATE CASCADE"#))
        #expect(plan.safe[3].concurrently == false)
        #expect(plan.effectiveDocument == desired.document)
    }

    @Test func inSyncDatabasePlansNothing() {
        let desired = Fixture.compiled([Fixture.posts], indexes: [Fixture.visibleIndex("post")])
        let live = Fixture.liveSchema(desired.schema)
        let plan = planner.plan(desired: desired, snapshot: desired, live: live)
        #expect(plan.isEmpty)
        #expect(plan.drift.isEmpty)
        #expect(plan.manual.isEmpty)
    }

    @Test func addsMissingColumnsAndReportsRecreatedOnes() throws {
        var wanted = Fixture.posts
        wanted.columns.append(Fixture.column("slug", .varchar(length: 100)))
        let live = Schema(tables: [Fixture.live(Fixture.posts)])
        let plan = planner.plan(desired: Fixture.compiled([wanted]), snapshot: Fixture.compiled([wanted]), live: live)
        #expect(plan.safe.map(\.kind) == [.addColumn])
        try #require(plan.safe.count == 1)
        #expect(plan.safe[0].column == "slug")
        #expect(plan.safe[0].rewrite == false)
        #expect(plan.safe[0].sqlText == #"ALTER TABLE "public"."post" ADD COLUMN "slug" character varying(100)"#)
        #expect(plan.drift.map(\.kind) == [.recreatedColumn])
    }

    @Test func addingASerialColumnRewritesAndIsGatedByRows() {
        var wanted = Fixture.table("t", [Fixture.id("t"), Fixture.column("n", .integer, serial: true)])
        wanted.primaryKey = ["id"]
        let small = Schema(tables: [Fixture.live(Fixture.table("t", [Fixture.id("t")]), rows: 10)])
        #expect(
            planner.plan(desired: Fixture.compiled([wanted]), snapshot: nil, live: small).safe.first?.rewrite == true)
        let large = Schema(tables: [Fixture.live(Fixture.table("t", [Fixture.id("t")]), rows: 5_000_000)])
        let plan = planner.plan(desired: Fixture.compiled([wanted]), snapshot: nil, live: large)
        #expect(plan.safe.isEmpty)
        #expect(plan.blocked.map(\.kind) == [.rewriteTooLarge])
    }

    struct TypeCase: CustomTestStringConvertible, Sendable {
        var live: ColumnType
        var desired: ColumnType
        var kind: ChangeKind
        var rewrite: Bool
        var testDescription: String { "\(live.sql) → \(desired.sql)" }
    }

    @Test(arguments: [
        TypeCase(live: .varchar(length: 50), desired: .varchar(length: 200), kind: .widenColumn, rewrite: false),
        TypeCase(live: .varchar(length: 50), desired: .text, kind: .widenColumn, rewrite: false),
        TypeCase(live: .varchar(length: 50), desired: .varchar(length: nil), kind: .widenColumn, rewrite: false),
        TypeCase(live: .smallint, desired: .integer, kind: .widenColumn, rewrite: true),
        TypeCase(live: .smallint, desired: .bigint, kind: .widenColumn, rewrite: true),
        TypeCase(live: .integer, desired: .bigint, kind: .widenColumn, rewrite: true),
        TypeCase(live: .real, desired: .doublePrecision, kind: .widenColumn, rewrite: true),
        TypeCase(
            live: .array(.varchar(length: 50)), desired: .array(.varchar(length: 255)), kind: .widenColumn,
            rewrite: true),
        TypeCase(live: .array(.varchar(length: 255)), desired: .array(.text), kind: .widenColumn, rewrite: true),
        TypeCase(live: .varchar(length: 200), desired: .varchar(length: 50), kind: .narrowColumn, rewrite: true),
        TypeCase(live: .text, desired: .varchar(length: 255), kind: .narrowColumn, rewrite: true),
        TypeCase(live: .bigint, desired: .integer, kind: .narrowColumn, rewrite: true),
        TypeCase(live: .integer, desired: .smallint, kind: .narrowColumn, rewrite: true),
        TypeCase(live: .doublePrecision, desired: .real, kind: .narrowColumn, rewrite: true),
        TypeCase(live: .array(.text), desired: .array(.varchar(length: 255)), kind: .narrowColumn, rewrite: true),
        TypeCase(live: .integer, desired: .text, kind: .changeColumnType, rewrite: true),
        TypeCase(live: .text, desired: .jsonb, kind: .changeColumnType, rewrite: true),
        TypeCase(live: .json, desired: .jsonb, kind: .changeColumnType, rewrite: true),
        TypeCase(live: .timestamp, desired: .timestamptz, kind: .changeColumnType, rewrite: true),
        TypeCase(live: .integer, desired: .doublePrecision, kind: .changeColumnType, rewrite: true),
        TypeCase(live: .varchar(length: 36), desired: .uuid, kind: .changeColumnType, rewrite: true),
        TypeCase(live: .other("character(10)"), desired: .varchar(length: 20), kind: .changeColumnType, rewrite: true),
    ])
    func typeChangesAreClassified(_ testCase: TypeCase) throws {
        let liveTable = Fixture.table("t", [Fixture.id("t"), Fixture.column("c", testCase.live)])
        let wanted = Fixture.table("t", [Fixture.id("t"), Fixture.column("c", testCase.desired)])
        let plan = planner.plan(
            desired: Fixture.compiled([wanted]), snapshot: Fixture.compiled([liveTable]),
            live: Schema(tables: [Fixture.live(liveTable)]))
        let change = try #require((plan.safe + plan.blocked).first)
        #expect(plan.safe.count + plan.blocked.count == 1)
        #expect(change.kind == testCase.kind)
        #expect(change.rewrite == testCase.rewrite)
        #expect(change.lock == .accessExclusive)
        #expect(change.from == testCase.live.sql)
        #expect(change.to == testCase.desired.sql)
        #expect(change.sqlText.contains("ALTER COLUMN \"c\" TYPE \(testCase.desired.sql)"))
        if testCase.kind != .widenColumn {
            #expect(change.reason?.isEmpty == false)
            // The effective snapshot keeps the old definition while the change is blocked.
            let field = plan.effectiveDocument["t"]?.objectValue?["fields"]?.objectValue?["c"]?.objectValue
            #expect(field?["type"] == .string(testCase.live.sql))
        }
    }

    @Test func serialWidensItsSequenceToo() throws {
        let liveTable = Fixture.table("t", [Fixture.id("t")])
        let wanted = Fixture.table("t", [Fixture.id("t", type: .bigint)])
        let plan = planner.plan(
            desired: Fixture.compiled([wanted]), snapshot: nil, live: Schema(tables: [Fixture.live(liveTable)]))
        let change = try #require(plan.safe.first)
        #expect(change.kind == .widenColumn)
        try #require(change.statements.count == 2)
        #expect(change.statements[1].description == #"ALTER SEQUENCE "public"."t_id_seq" AS bigint"#)
    }

    @Test func largeRewritesAreBlockedButMetadataWideningsAreNot() {
        let liveTable = Fixture.table(
            "t", [Fixture.id("t"), Fixture.column("n", .integer), Fixture.column("s", .varchar(length: 10))])
        let wanted = Fixture.table(
            "t", [Fixture.id("t"), Fixture.column("n", .bigint), Fixture.column("s", .varchar(length: 20))])
        let plan = planner.plan(
            desired: Fixture.compiled([wanted]), snapshot: nil,
            live: Schema(tables: [Fixture.live(liveTable, rows: 2_000_000)]))
        #expect(plan.safe.map(\.kind) == [.widenColumn])
        #expect(plan.safe.first?.column == "s")
        #expect(plan.blocked.map(\.kind) == [.rewriteTooLarge])
        #expect(plan.blocked.first?.reason?.contains("2000000") == true)
        let relaxed = Planner(options: PlannerOptions(maxRewriteRows: 10_000_000))
        #expect(
            relaxed.plan(
                desired: Fixture.compiled([wanted]), snapshot: nil,
                live: Schema(tables: [Fixture.live(liveTable, rows: 2_000_000)])
            ).blocked.isEmpty)
    }

    @Test func dependentViewBlocksAWidening() throws {
        let liveTable = Fixture.table("t", [Fixture.id("t"), Fixture.column("s", .varchar(length: 10))])
        let wanted = Fixture.table("t", [Fixture.id("t"), Fixture.column("s", .varchar(length: 20))])
        var live = Schema(tables: [Fixture.live(liveTable)])
        live.viewDependencies = [
            ViewDependency(
                table: "t", column: "s", viewSchema: "public", view: "t_view",
                definition: " SELECT t.s FROM t;")
        ]
        let plan = planner.plan(desired: Fixture.compiled([wanted]), snapshot: nil, live: live)
        let change = try #require(plan.blocked.first)
        #expect(change.kind == .dependentView)
        #expect(change.sqlText.hasPrefix(#"DROP VIEW "public"."t_view""#))
        // pg_get_viewdef's own ";" is dropped: the statement separator ends it.
        #expect(change.sqlText.hasSuffix(#"CREATE VIEW "public"."t_view" AS  SELECT t.s FROM t"#))
        #expect(plan.safe.isEmpty)

        // A materialized view is dropped and re-created as one.
        var materialized = live
        materialized.viewDependencies = materialized.viewDependencies.map { view in
            var view = view
            view.isMaterialized = true
            return view
        }
        let matview = try #require(
            planner.plan(desired: Fixture.compiled([wanted]), snapshot: nil, live: materialized).blocked.first)
        #expect(matview.sqlText.hasPrefix(#"DROP MATERIALIZED VIEW "public"."t_view""#))
        #expect(matview.sqlText.contains(#"CREATE MATERIALIZED VIEW "public"."t_view" AS"#))
    }

    @Test func removalsAreBlockedOnlyWhenTheSnapshotManagedThem() {
        let old = Fixture.table("t", [Fixture.id("t"), Fixture.column("keep", .text), Fixture.column("gone", .text)])
        let wanted = Fixture.table("t", [Fixture.id("t"), Fixture.column("keep", .text)])
        var liveTable = Fixture.live(old)
        liveTable.columns.append(Column(name: "handmade", type: .text))
        let live = Schema(tables: [liveTable])

        let withSnapshot = planner.plan(
            desired: Fixture.compiled([wanted]), snapshot: Fixture.compiled([old]), live: live)
        #expect(withSnapshot.blocked.map(\.kind) == [.dropColumn])
        #expect(withSnapshot.blocked.first?.column == "gone")
        #expect(withSnapshot.blocked.first?.sqlText == #"ALTER TABLE "public"."t" DROP COLUMN "gone""#)
        #expect(withSnapshot.blocked.first?.migrationName == "drop_column_t_gone")
        #expect(withSnapshot.drift.map(\.column) == ["handmade"])
        let retained = withSnapshot.effectiveDocument["t"]?.objectValue?["fields"]?.objectValue?["gone"]
        #expect(retained != nil)

        // First run: nothing is ever dropped; extra live columns are unmanaged drift.
        let firstRun = planner.plan(desired: Fixture.compiled([wanted]), snapshot: nil, live: live)
        #expect(firstRun.blocked.isEmpty)
        #expect(Set(firstRun.drift.compactMap(\.column)) == ["gone", "handmade"])
    }

    @Test func removedByAMigrationIsAcceptedSilently() {
        let old = Fixture.table("t", [Fixture.id("t"), Fixture.column("gone", .text)])
        let wanted = Fixture.table("t", [Fixture.id("t")])
        let plan = planner.plan(
            desired: Fixture.compiled([wanted]), snapshot: Fixture.compiled([old, Fixture.posts]),
            live: Schema(tables: [Fixture.live(wanted)]))
        #expect(plan.isEmpty)
        #expect(plan.drift.isEmpty)
    }

    @Test func droppedTablesAndUnmanagedTables() {
        let keep = Fixture.table("keep", [Fixture.id("keep")])
        let gone = Fixture.table("gone", [Fixture.id("gone")])
        let live = Schema(tables: [
            Fixture.live(keep), Fixture.live(gone), Fixture.live(Fixture.table("legacy", [Fixture.id("legacy")])),
            Fixture.live(Fixture.table("engine_reconciles", [Fixture.id("engine_reconciles")])),
        ])
        let plan = planner.plan(
            desired: Fixture.compiled([keep]), snapshot: Fixture.compiled([keep, gone]), live: live)
        #expect(plan.blocked.map(\.kind) == [.dropTable])
        #expect(plan.blocked.first?.table == "gone")
        #expect(plan.blocked.first?.sqlText == #"DROP TABLE "public"."gone""#)
        #expect(plan.drift.map(\.table) == ["legacy"])
        #expect(plan.effectiveDocument["gone"] != nil)
    }

    @Test func droppedByHandIsRecreatedAsDrift() {
        let desired = Fixture.compiled([Fixture.posts])
        let plan = planner.plan(desired: desired, snapshot: desired, live: Schema())
        #expect(plan.safe.map(\.kind) == [.createTable])
        #expect(plan.drift.map(\.kind) == [.recreatedTable])
    }

    @Test func renamedTableIsBlockedAndNotCreated() throws {
        let old = Fixture.table("posts_old", model: "post", [Fixture.id("posts_old"), Fixture.column("title", .text)])
        let new = Fixture.table("posts_new", model: "post", [Fixture.id("posts_new"), Fixture.column("title", .text)])
        let plan = planner.plan(
            desired: Fixture.compiled([new], indexes: [Fixture.visibleIndex("posts_new")]),
            snapshot: Fixture.compiled([old]), live: Schema(tables: [Fixture.live(old)]))
        let change = try #require(plan.blocked.first)
        #expect(plan.blocked.count == 1)
        #expect(change.kind == .renameTable)
        #expect(change.sqlText == #"ALTER TABLE "public"."posts_old" RENAME TO "posts_new""#)
        #expect(plan.safe.isEmpty)
        #expect(plan.drift.isEmpty)
        #expect(plan.effectiveDocument["post"]?.objectValue?["table"] == .string("posts_old"))

        // Performed by a migration: the new name is live, the old one gone → in sync.
        let done = planner.plan(
            desired: Fixture.compiled([new]), snapshot: Fixture.compiled([old]),
            live: Schema(tables: [Fixture.live(new)]))
        #expect(done.isEmpty)
    }

    @Test func renamedColumnIsBlockedAndNotAdded() throws {
        let old = Fixture.table("t", [Fixture.id("t"), Fixture.column("name", .text, field: "title")])
        let new = Fixture.table("t", [Fixture.id("t"), Fixture.column("title", .text, field: "title")])
        let plan = planner.plan(
            desired: Fixture.compiled([new]), snapshot: Fixture.compiled([old]),
            live: Schema(tables: [Fixture.live(old)]))
        let change = try #require(plan.blocked.first)
        #expect(plan.blocked.count == 1)
        #expect(change.kind == .renameColumn)
        #expect(change.sqlText == #"ALTER TABLE "public"."t" RENAME COLUMN "name" TO "title""#)
        #expect(plan.safe.isEmpty)
        let done = planner.plan(
            desired: Fixture.compiled([new]), snapshot: Fixture.compiled([old]),
            live: Schema(tables: [Fixture.live(new)]))
        #expect(done.isEmpty)
    }

    @Test func nothingIsPlannedOnAColumnWhoseRenameIsBlocked() throws {
        let old = Fixture.table(
            "t", model: "t",
            [
                Fixture.id("t"), Fixture.column("name", .text, field: "title"),
                Fixture.column("auto_name", .varchar(length: 512)),
            ])
        let new = Fixture.table(
            "t", model: "t",
            [
                Fixture.id("t"), Fixture.column("title", .text, field: "title"),
                Fixture.column("auto_name", .varchar(length: 512)),
            ])
        let index = Index(name: "uidx_t_title", table: "t", columns: ["title"], isUnique: true, predicate: nil)
        let plan = planner.plan(
            desired: Fixture.compiled([new], indexes: [index], autoName: ["t": ["title"]]),
            snapshot: Fixture.compiled([old], autoName: ["t": ["name"]]),
            live: Schema(tables: [Fixture.live(old)]))
        #expect(plan.blocked.map(\.kind) == [.renameColumn])
        // Neither the index nor the auto_name backfill on the never-added "title": they would fail the transaction.
        #expect(plan.safe.isEmpty, "\(plan.safe.map(\.sqlText))")
    }

    @Test func nothingIsPlannedOnASerialColumnWhoseAddIsBlocked() throws {
        let live = Fixture.table("t", [Fixture.column("code", .text)])
        let wanted = Fixture.table("t", [Fixture.column("code", .text), Fixture.id("t")])
        let index = Index(name: "idx_t_id", table: "t", columns: ["id"], isUnique: false, predicate: nil)
        let plan = Planner(options: PlannerOptions(maxRewriteRows: 10))
            .plan(
                desired: Fixture.compiled([wanted], indexes: [index]), snapshot: nil,
                live: Schema(tables: [Fixture.live(live, rows: 1_000)]))
        #expect(plan.blocked.map(\.kind) == [.rewriteTooLarge])
        #expect(plan.safe.isEmpty, "\(plan.safe.map(\.sqlText))")
    }

    @Test func foreignKeyDroppedByHandIsRecreatedUnderGuard() throws {
        let user = Fixture.table("user", [Fixture.id("user")])
        let post = Fixture.table("post", [Fixture.id("post"), Fixture.column("owner", .integer)])
        let owner = ForeignKey(
            name: "post_owner_fkey", table: "post", columns: ["owner"], referencedTable: "user",
            referencedColumns: ["id"])
        let desired = Fixture.compiled([user, post], foreignKeys: [owner])
        let plan = planner.plan(
            desired: desired, snapshot: desired, live: Schema(tables: [Fixture.live(user), Fixture.live(post)]))
        #expect(plan.blocked.isEmpty)
        let change = try #require(plan.safe.first)
        #expect(plan.safe.count == 1)
        #expect(change.kind == .addForeignKey)
        #expect(change.isForeignKeyRestore)
        #expect(
            change.sqlText.contains("NOT VALID") && change.sqlText.contains("VALIDATE CONSTRAINT \"post_owner_fkey\""))
        #expect(plan.drift.map(\.kind) == [.missingForeignKey])
    }

    @Test func indexesAreCreatedChangedDroppedAndRebuilt() throws {
        let table = Fixture.posts
        let unique = Index(
            name: "uidx_post_title", table: "post", columns: ["title"], isUnique: true, predicate: .visibleRows)
        let many = Index(
            name: "idx_post_body", table: "post", columns: ["body"], isUnique: false, predicate: .visibleRows)
        let old = Index(name: "idx_post_old", table: "post", columns: ["body"], isUnique: false)
        var live = Schema(tables: [Fixture.live(table)])
        live.indexes = [
            Index(name: "uidx_post_title", table: "post", columns: ["title"], isUnique: false, predicate: .visibleRows),
            Index(
                name: "idx_post_visible", table: "post", columns: ["id"], isUnique: false, predicate: .visibleRows,
                state: .invalid),
            old,
            Index(name: "idx_handmade", table: "post", columns: ["title"], isUnique: false),
            Index(name: "post_pkey", table: "post", columns: ["id"], isUnique: true, isConstraint: true),
        ]
        let desired = Fixture.compiled([table], indexes: [unique, many, Fixture.visibleIndex("post")])
        let snapshot = Fixture.compiled([table], indexes: [unique, old, Fixture.visibleIndex("post")])
        let plan = planner.plan(desired: desired, snapshot: snapshot, live: live)
        #expect(plan.safe.map(\.index) == ["idx_post_body", "idx_post_visible"])
        try #require(plan.safe.count == 2)
        #expect(plan.safe.map(\.lock) == [LockMode.share, .share])
        #expect(plan.safe[1].statements.count == 2)
        #expect(plan.safe[1].sqlText.hasPrefix(#"DROP INDEX IF EXISTS "public"."idx_post_visible""#))
        // EngineJS's sync never drops nor changes an index: the live one is kept, the change is a manual item
        // with the SQL that would make it, and nothing is blocked.
        #expect(plan.blocked.isEmpty)
        #expect(plan.manual.map(\.kind) == [.changeIndex, .dropIndex])
        #expect(plan.manual.map(\.index) == ["uidx_post_title", "idx_post_old"])
        #expect(
            plan.manual.first?.sql.map(\.description) == [
                #"DROP INDEX IF EXISTS "public"."uidx_post_title""#,
                #"CREATE UNIQUE INDEX "uidx_post_title" ON "public"."post" ("title") WHERE deleted = false AND archived = false"#,
            ])
        #expect(plan.manual.last?.sql.map(\.description) == [#"DROP INDEX IF EXISTS "public"."idx_post_old""#])
        #expect(plan.manual.allSatisfy { $0.message.contains("migration") })
        #expect(Set(plan.drift.map(\.kind)) == [.invalidIndex, .unmanagedIndex])
        #expect(
            plan.safe[0].sqlText
                == #"CREATE INDEX "idx_post_body" ON "public"."post" ("body") WHERE deleted = false AND archived = false"#
        )
    }

    @Test func indexesOnLargeTablesAreBuiltConcurrently() throws {
        let index = Index(
            name: "uidx_post_title", table: "post", columns: ["title"], isUnique: true, predicate: .visibleRows)
        let plan = planner.plan(
            desired: Fixture.compiled([Fixture.posts], indexes: [index]), snapshot: nil,
            live: Schema(tables: [Fixture.live(Fixture.posts, rows: 500_000)]))
        let change = try #require(plan.safe.first)
        #expect(change.concurrently)
        #expect(change.isUniqueIndexBuild)
        #expect(change.lock == .shareUpdateExclusive)
        #expect(change.sqlText.hasPrefix("CREATE UNIQUE INDEX CONCURRENTLY"))
    }

    /// A unique index on a table this plan creates cannot meet duplicates: no savepoint (SafeSync), which keeps the
    /// create of many tables free of subtransactions; on an existing table it still gets one.
    @Test func uniqueIndexesOfNewTablesNeedNoSavepoint() throws {
        let index = Index(name: "uidx_post_title", table: "post", columns: ["title"], isUnique: true)
        let desired = Fixture.compiled([Fixture.posts], indexes: [index])
        let created = planner.plan(desired: desired, snapshot: nil, live: Schema())
        let onNewTable = try #require(created.safe.first { $0.kind == .createIndex })
        #expect(!onNewTable.isUniqueIndexBuild)
        let existing = planner.plan(
            desired: desired, snapshot: nil, live: Schema(tables: [Fixture.live(Fixture.posts, rows: 10)]))
        let onExistingTable = try #require(existing.safe.first { $0.kind == .createIndex })
        #expect(onExistingTable.isUniqueIndexBuild)
        #expect(!onExistingTable.concurrently)
    }

    @Test func indexBuildInProgressIsLeftAlone() {
        let index = Fixture.visibleIndex("post")
        var live = Schema(tables: [Fixture.live(Fixture.posts)])
        var building = index
        building.state = .building
        live.indexes = [building]
        let plan = planner.plan(desired: Fixture.compiled([Fixture.posts], indexes: [index]), snapshot: nil, live: live)
        #expect(plan.safe.isEmpty)
        #expect(plan.manual.map(\.kind) == [.indexBuildInProgress])
    }

    @Test func foreignKeys() throws {
        let user = Fixture.table("user", [Fixture.id("user")])
        let post = Fixture.table(
            "post", [Fixture.id("post"), Fixture.column("owner", .integer), Fixture.column("editor", .integer)])
        let owner = ForeignKey(
            name: "post_owner_fkey", table: "post", columns: ["owner"], referencedTable: "user",
            referencedColumns: ["id"])
        let editor = ForeignKey(
            name: "post_editor_fkey", table: "post", columns: ["editor"], referencedTable: "user",
            referencedColumns: ["id"], onDelete: .setNull)
        var liveEditor = editor
        liveEditor.onDelete = .cascade
        let stale = ForeignKey(
            name: "post_stale_fkey", table: "post", columns: ["id"], referencedTable: "user", referencedColumns: ["id"])
        var live = Schema(tables: [Fixture.live(user), Fixture.live(post)])
        live.foreignKeys = [liveEditor, stale]
        let plan = planner.plan(
            desired: Fixture.compiled([user, post], foreignKeys: [owner, editor]),
            snapshot: Fixture.compiled([user, post], foreignKeys: [stale]), live: live)
        #expect(plan.safe.isEmpty)
        // A relation added to an existing column, a changed one and a removed one are manual items: EngineJS's sync
        // neither makes nor refuses them, so the reconcile is not blocked.
        #expect(plan.blocked.isEmpty)
        #expect(plan.manual.map(\.kind) == [.addForeignKey, .changeForeignKey, .dropForeignKey])
        try #require(plan.manual.count == 3)
        let sql = plan.manual.map { $0.sql.map(\.description).joined(separator: "; ") }
        #expect(sql[0].contains("NOT VALID; ALTER TABLE \"public\".\"post\" VALIDATE CONSTRAINT \"post_owner_fkey\""))
        #expect(sql[1].hasPrefix(#"ALTER TABLE "public"."post" DROP CONSTRAINT "post_editor_fkey""#))
        #expect(sql[2] == #"ALTER TABLE "public"."post" DROP CONSTRAINT "post_stale_fkey""#)
        #expect(plan.manual.map(\.column) == ["owner", "editor", "id"])
        #expect(plan.manual.allSatisfy { $0.table == "post" && !$0.message.isEmpty })
    }

    @Test func foreignKeyOnANewColumnIsSafe() throws {
        let user = Fixture.table("user", [Fixture.id("user")])
        let post = Fixture.table("post", [Fixture.id("post"), Fixture.column("owner", .integer)])
        let owner = ForeignKey(
            name: "post_owner_fkey", table: "post", columns: ["owner"], referencedTable: "user",
            referencedColumns: ["id"])
        let live = Schema(tables: [Fixture.live(user), Fixture.live(Fixture.table("post", [Fixture.id("post")]))])
        let plan = planner.plan(
            desired: Fixture.compiled([user, post], foreignKeys: [owner]), snapshot: nil, live: live)
        #expect(plan.safe.map(\.kind) == [.addColumn, .addForeignKey])
        try #require(plan.safe.count == 2)
        #expect(plan.safe[1].lock == .shareRowExclusive)
    }

    @Test func primaryKeyChangesAreBlocked() throws {
        let liveTable = Fixture.table("t", [Fixture.id("t"), Fixture.column("code", .varchar(length: 10))])
        var wanted = liveTable
        wanted.primaryKey = ["code"]
        let plan = planner.plan(
            desired: Fixture.compiled([wanted]), snapshot: nil, live: Schema(tables: [Fixture.live(liveTable)]))
        let change = try #require(plan.blocked.first)
        #expect(change.kind == .changePrimaryKey)
        #expect(change.sqlText.contains(#"DROP CONSTRAINT "t_pkey""#))
        #expect(change.sqlText.contains(#"PRIMARY KEY ("code")"#))
    }

    @Test func widenedByHandIsBlockedAndDrift() {
        let snapshotTable = Fixture.table("t", [Fixture.id("t"), Fixture.column("s", .varchar(length: 50))])
        let liveTable = Fixture.table("t", [Fixture.id("t"), Fixture.column("s", .text)])
        let plan = planner.plan(
            desired: Fixture.compiled([snapshotTable]), snapshot: Fixture.compiled([snapshotTable]),
            live: Schema(tables: [Fixture.live(liveTable)]))
        #expect(plan.blocked.map(\.kind) == [.narrowColumn])
        #expect(plan.drift.map(\.kind) == [.widenedByHand])
    }

    @Test func changedDefaultsAreManual() throws {
        let liveTable = Fixture.table(
            "t",
            [
                Fixture.id("t"), Fixture.column("n", .integer, default: .number("1")),
                Fixture.column("s", .varchar(length: 5), default: .string("a")),
            ])
        let wanted = Fixture.table(
            "t",
            [
                Fixture.id("t"), Fixture.column("n", .integer, default: .number("2")),
                Fixture.column("s", .varchar(length: 5), default: .string("a")),
            ])
        let plan = planner.plan(
            desired: Fixture.compiled([wanted]), snapshot: nil, live: Schema(tables: [Fixture.live(liveTable)]))
        #expect(plan.isEmpty)
        let item = try #require(plan.manual.first)
        #expect(plan.manual.count == 1)
        #expect(item.kind == .changeDefault)
        #expect(item.sql.first?.description == #"ALTER TABLE "public"."t" ALTER COLUMN "n" SET DEFAULT 2"#)
    }

    @Test(arguments: [
        (ColumnDefault.number("0"), ColumnDefault.number("0"), true),
        (.number("1.5"), .number("1.50"), true),
        (.number("1"), .string("1"), true),
        (.boolean(false), .boolean(false), true),
        (.boolean(true), .boolean(false), false),
        (.currentTimestamp, .currentTimestamp, true),
        (.json("{\"a\":1}"), .json("{\"a\": 1}"), true),
        (.json("[]"), .string("[]"), true),
        // jsonb keeps its own key order and numerics: the DSL's {"b":1,"a":2} is live {"a": 2, "b": 1}.
        (.json(#"{"b":1,"a":[2.0,{"d":1,"c":"x"}]}"#), .json(#"{"a": [2, {"c": "x", "d": 1}], "b": 1}"#), true),
        (.json(#"{"b":1,"a":2}"#), .json(#"{"a": 2, "b": 2}"#), false),
        (.json(#"{"a":1}"#), .json(#"{"a": 1, "b": 1}"#), false),
        (.string("x"), .string("y"), false),
        (.string("x"), .expression("upper('x')"), false),
    ])
    func defaultsCompareByMeaning(desired: ColumnDefault, live: ColumnDefault, equal: Bool) {
        let liveTable = Fixture.table("t", [Fixture.id("t"), Fixture.column("c", .text, default: live)])
        let wanted = Fixture.table("t", [Fixture.id("t"), Fixture.column("c", .text, default: desired)])
        let plan = planner.plan(
            desired: Fixture.compiled([wanted]), snapshot: nil, live: Schema(tables: [Fixture.live(liveTable)]))
        #expect(plan.manual.isEmpty == equal)
    }

    @Test func autoNameBackfillWhenTheListChanges() throws {
        var table = Fixture.posts
        table.columns.append(Fixture.column("auto_name", .varchar(length: 512)))
        let live = Schema(tables: [Fixture.live(table)])
        let desired = Fixture.compiled([table], autoName: ["post": ["title", "body"]])
        let plan = planner.plan(
            desired: desired, snapshot: Fixture.compiled([table], autoName: ["post": ["title"]]), live: live)
        let change = try #require(plan.safe.first)
        #expect(change.kind == .backfillAutoName)
        #expect(
            change.sqlText
                == #"UPDATE "public"."post" SET "auto_name" = NULLIF(concat_ws('_', NULLIF(btrim("title"::text), ''), NULLIF(btrim("body"::text), '')), '') WHERE deleted = false AND archived = false"#
        )
        #expect(planner.plan(desired: desired, snapshot: desired, live: live).safe.isEmpty)
        // A new table has no rows to backfill.
        #expect(
            !planner.plan(desired: desired, snapshot: nil, live: Schema()).safe.contains {
                $0.kind == .backfillAutoName
            })
        // Without a snapshot (a first run, or one withheld while changes are blocked) nothing is recomputed, as in
        // EngineJS: otherwise every reconcile would rewrite every visible row (issue 12 item 2).
        #expect(
            !planner.plan(desired: desired, snapshot: nil, live: live).safe.contains { $0.kind == .backfillAutoName })
        // Nor for a model the snapshot does not know.
        let otherModel = Fixture.compiled([Fixture.table("other", [Fixture.id("other")])])
        #expect(
            !planner.plan(desired: desired, snapshot: otherModel, live: live).safe.contains {
                $0.kind == .backfillAutoName
            })
    }

    /// Issue 12 item 8: a backfill over `max_rewrite_rows` is blocked with its migration unless no row is stale;
    /// the effective snapshot keeps the old `auto_name` list; a small table keeps the backfill.
    @Test func largeAutoNameBackfillsAreGated() throws {
        var table = Fixture.posts
        table.columns.append(Fixture.column("auto_name", .varchar(length: 512)))
        var document = Fixture.document(for: [table])
        var model = try #require(document["post"]?.objectValue)
        model["auto_name"] = .array([.string("title"), .string("body")])
        document["post"] = .object(model)
        let desired = Fixture.compiled([table], autoName: ["post": ["title", "body"]], document: document)
        let snapshot = Fixture.compiled([table], autoName: ["post": ["title"]])
        let options = PlannerOptions(maxRewriteRows: 1_000)
        func plan(rows: Int, stale: Bool) -> Plan {
            let live = Schema(tables: [Fixture.live(table, rows: rows)])
            var plan = Planner(options: options).plan(desired: desired, snapshot: snapshot, live: live)
            BackfillGate.apply(to: &plan, live: live, desired: desired, snapshot: snapshot, options: options) { _, _ in
                stale
            }
            return plan
        }
        let small = plan(rows: 10, stale: true)
        #expect(small.safe.map(\.kind) == [.backfillAutoName] && small.blocked.isEmpty)
        let large = plan(rows: 5_000, stale: true)
        #expect(large.safe.isEmpty)
        let gated = try #require(large.blocked.first)
        #expect(gated.kind == .backfillAutoName && gated.migrationName == "backfill_auto_name_post")
        #expect(gated.reason?.contains("about 5000 rows") == true)
        #expect(large.effectiveDocument["post"]?.objectValue?["auto_name"] == nil, "the old list (none) is kept")
        let migrated = plan(rows: 5_000, stale: false)
        #expect(migrated.safe.isEmpty && migrated.blocked.isEmpty)
        #expect(
            migrated.effectiveDocument["post"]?.objectValue?["auto_name"]
                == .array([.string("title"), .string("body")]))
    }

    /// Issue 12 item 2: a field that gained a `columnName` is a blocked rename even without a snapshot — never a new
    /// empty column next to the data.
    @Test func aColumnNameRenameIsBlockedWithoutASnapshot() throws {
        var renamed = Fixture.column("full_name", .varchar(length: 255))
        renamed.fieldKey = "name"
        let desired = Fixture.compiled([Fixture.table("user", [Fixture.id("user"), renamed])])
        let live = Schema(tables: [
            Fixture.live(Fixture.table("user", [Fixture.id("user"), Fixture.column("name", .varchar(length: 255))]))
        ])
        let plan = planner.plan(desired: desired, snapshot: nil, live: live)
        #expect(plan.blocked.map(\.kind) == [.renameColumn])
        #expect(!plan.safe.contains { $0.kind == .addColumn })
        #expect(plan.blocked.first?.sqlText.contains(#"RENAME COLUMN "name" TO "full_name""#) == true)
        // A live column of that name claimed by another field is not a rename.
        var other = Fixture.column("name", .text)
        other.fieldKey = "nickname"
        let claimed = Fixture.compiled([Fixture.table("user", [Fixture.id("user"), renamed, other])])
        #expect(
            planner.plan(desired: claimed, snapshot: nil, live: live).blocked.allSatisfy { $0.kind != .renameColumn })
    }

    @Test func lowerIndexesAreManual() throws {
        let desired = Fixture.compiled(
            [Fixture.posts], manual: [ManualIndex(modelKey: "post", table: "post", kind: "lower", columns: ["title"])])
        let plan = planner.plan(desired: desired, snapshot: nil, live: Schema(tables: [Fixture.live(Fixture.posts)]))
        let item = try #require(plan.manual.first)
        #expect(item.kind == .lowerIndex)
        #expect(
            item.sql.first?.description == #"CREATE INDEX "idx_post_lower_title" ON "public"."post" (lower("title"))"#)
    }

    @Test func safeChangesFollowTheApplyOrder() {
        let user = Fixture.table(
            "user",
            [
                Fixture.id("user"), Fixture.column("name", .varchar(length: 10)),
                Fixture.column("auto_name", .varchar(length: 512)),
                Fixture.column("deleted", .boolean), Fixture.column("archived", .boolean),
            ])
        let liveUser = Fixture.table(
            "user",
            [
                Fixture.id("user"), Fixture.column("name", .varchar(length: 5)),
                Fixture.column("deleted", .boolean), Fixture.column("archived", .boolean),
            ])
        let post = Fixture.table("post", [Fixture.id("post"), Fixture.column("owner", .integer)])
        let key = ForeignKey(
            name: "post_owner_fkey", table: "post", columns: ["owner"], referencedTable: "user",
            referencedColumns: ["id"])
        let desired = Fixture.compiled(
            [user, post], indexes: [Fixture.visibleIndex("user")], foreignKeys: [key],
            autoName: ["user": ["name"]])
        // The snapshot knew `user` without an auto_name list: the new list is backfilled.
        let snapshot = Fixture.compiled([liveUser])
        let plan = planner.plan(desired: desired, snapshot: snapshot, live: Schema(tables: [Fixture.live(liveUser)]))
        #expect(
            plan.safe.map(\.kind) == [
                .createTable, .addColumn, .widenColumn, .addForeignKey, .createIndex, .backfillAutoName,
            ])
    }

    @Test func planningIsDeterministic() {
        let desired = Fixture.compiled(
            [Fixture.posts, Fixture.table("user", [Fixture.id("user")])],
            indexes: [Fixture.visibleIndex("post")])
        var live = Schema(tables: [
            Fixture.live(Fixture.table("z", [Fixture.id("z")])), Fixture.live(Fixture.table("a", [Fixture.id("a")])),
        ])
        live.indexes = [Index(name: "b", table: "post", columns: ["id"], isUnique: false)]
        let first = planner.plan(desired: desired, snapshot: nil, live: live)
        for _ in 0..<5 { #expect(planner.plan(desired: desired, snapshot: nil, live: live) == first) }
        #expect(first.drift.map(\.table) == ["a", "z", "post"])
    }

    @Test func identifiersThatLookLikeSQLStayIdentifiers() throws {
        let evil = "t\"; DROP TABLE users; --"
        let table = Fixture.table(evil, model: "evil", [Fixture.id(evil)])
        let plan = planner.plan(desired: Fixture.compiled([table]), snapshot: nil, live: Schema())
        let statement = try #require(plan.safe.first?.statements.first)
        #expect(statement.parts.contains(.identifier(evil)))
        #expect(!statement.parts.contains { if case .raw(let raw) = $0 { raw.contains("DROP") } else { false } })
    }
}

@Suite struct TypeChangeTests {
    @Test(arguments: [
        (ColumnType.varchar(length: 10), ColumnType.varchar(length: 10), TypeChange.same),
        (.varchar(length: 10), .varchar(length: 11), .widening(rewrite: false)),
        (.varchar(length: 11), .varchar(length: 10), .narrowing),
        (.varchar(length: nil), .text, .widening(rewrite: false)),
        (.text, .varchar(length: nil), .narrowing),
        (.integer, .bigint, .widening(rewrite: true)),
        (.bigint, .smallint, .narrowing),
        (.boolean, .integer, .other),
        (.uuid, .text, .other),
        (.array(.varchar(length: 5)), .array(.varchar(length: 5)), .same),
        (.array(.varchar(length: 5)), .array(.varchar(length: 6)), .widening(rewrite: true)),
        (.array(.integer), .array(.bigint), .other),
        (.jsonb, .json, .other),
        (.numeric(precision: 10, scale: 2), .numeric(precision: 12, scale: 2), .other),
    ])
    func classify(from: ColumnType, to: ColumnType, expected: TypeChange) {
        #expect(TypeChange.classify(from: from, to: to) == expected)
    }
}
