import EngineSyncCore
import Testing

/// The migration suggested for a blocked rename also renames the managed indexes EngineJS names after the
/// table or column, so that once it has run the next plan is empty (not a new index plus a blocked drop).
@Suite("Planner: suggested migrations of blocked renames")
struct RenameSuggestionTests {
    let planner = Planner()

    @Test func renamedTableRenamesItsIndexes() throws {
        let old = Fixture.table("post", [Fixture.id("post"), Fixture.column("title", .text)])
        let new = Fixture.table("article", model: "post", [Fixture.id("article"), Fixture.column("title", .text)])
        let oldIndexes = [
            Fixture.visibleIndex("post"),
            Index(name: "uidx_post_title", table: "post", columns: ["title"], isUnique: true, predicate: .visibleRows),
        ]
        let newIndexes = [
            Fixture.visibleIndex("article"),
            Index(
                name: "uidx_article_title", table: "article", columns: ["title"], isUnique: true,
                predicate: .visibleRows),
        ]
        var live = Schema(tables: [Fixture.live(old)])
        live.indexes = oldIndexes + [Index(name: "idx_handmade", table: "post", columns: ["title"], isUnique: false)]
        let plan = planner.plan(
            desired: Fixture.compiled([new], indexes: newIndexes),
            snapshot: Fixture.compiled([old], indexes: oldIndexes), live: live)
        let change = try #require(plan.blocked.first)
        #expect(plan.blocked.map(\.kind) == [.renameTable])
        #expect(
            change.statements.map(\.description) == [
                #"ALTER TABLE "public"."post" RENAME TO "article""#,
                #"ALTER INDEX "public"."idx_post_visible" RENAME TO "idx_article_visible""#,
                #"ALTER INDEX "public"."uidx_post_title" RENAME TO "uidx_article_title""#,
            ])

        // Once a migration ran exactly that, the plan is empty.
        var renamed = Schema(tables: [Fixture.live(new)])
        renamed.indexes =
            newIndexes + [Index(name: "idx_handmade", table: "article", columns: ["title"], isUnique: false)]
        let done = planner.plan(
            desired: Fixture.compiled([new], indexes: newIndexes),
            snapshot: Fixture.compiled([old], indexes: oldIndexes), live: renamed)
        #expect(done.isEmpty)
    }

    @Test func renamedColumnRenamesTheIndexesOnIt() throws {
        let old = Fixture.table(
            "t", [Fixture.id("t"), Fixture.column("name", .text, field: "title"), Fixture.column("n", .integer)])
        let new = Fixture.table(
            "t", [Fixture.id("t"), Fixture.column("title", .text, field: "title"), Fixture.column("n", .integer)])
        let oldIndexes = [
            Index(name: "uidx_t_name_n", table: "t", columns: ["name", "n"], isUnique: true),
            Index(name: "idx_t_n", table: "t", columns: ["n"], isUnique: false),
        ]
        let newIndexes = [
            Index(name: "uidx_t_title_n", table: "t", columns: ["title", "n"], isUnique: true),
            Index(name: "idx_t_n", table: "t", columns: ["n"], isUnique: false),
        ]
        var live = Schema(tables: [Fixture.live(old)])
        live.indexes = oldIndexes
        let plan = planner.plan(
            desired: Fixture.compiled([new], indexes: newIndexes),
            snapshot: Fixture.compiled([old], indexes: oldIndexes), live: live)
        let change = try #require(plan.blocked.first { $0.kind == .renameColumn })
        #expect(
            change.statements.map(\.description) == [
                #"ALTER TABLE "public"."t" RENAME COLUMN "name" TO "title""#,
                #"ALTER INDEX "public"."uidx_t_name_n" RENAME TO "uidx_t_title_n""#,
            ])
    }
}
