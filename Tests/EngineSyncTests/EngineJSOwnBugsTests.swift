import EngineSync
import EngineSyncCore
import EngineSyncTestSupport
import Foundation
import PostgresClient
import Testing

/// Where EngineJS's own sync fails against PostgreSQL through a bug of its own, enginesync does the right thing
/// (SPEC 2.0): the DSL is valid for EngineJS's compiler, so it is synced, correctly.
@Suite struct EngineJSOwnBugsTests {
    typealias Story = ReconcileStory

    /// EngineJS creates related tables one by one with inline REFERENCES, so two new tables that refer to each other
    /// fail; enginesync creates the tables first, then the foreign keys.
    @Test func aRelationCycleBetweenNewTables() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/models/a.json": #"{"fields": {"b_ref": {"type": "int", "source": "b", "sourceid": "id"}}}"#,
                "dsl/models/b.json": #"{"fields": {"a_ref": {"type": "int", "source": "a", "sourceid": "id"}}}"#,
            ])
            let result = Story.reconcile(database, repository)
            #expect(result.report.outcome == .synced, "\(result.report.errors)")
            #expect(try Story.value(connection, Story.foreignKey("a_b_ref_fkey")) == "b r c t")
            #expect(try Story.value(connection, Story.foreignKey("b_a_ref_fkey")) == "a r c t")
        }
    }

    /// EngineJS's visible index names the primary key's attribute (`ON "t"(code)`), not its column, and fails
    /// when they differ; enginesync indexes the column.
    @Test func aPrimaryKeyWithAColumnName() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/models/t.json":
                    #"{"fields": {"id": {"type": "int", "primary": true, "autoIncrement": true, "columnName": "t_id"}}}"#
            ])
            let result = Story.reconcile(database, repository)
            #expect(result.report.outcome == .synced, "\(result.report.errors)")
            #expect(try Story.value(connection, Story.indexColumns("idx_t_visible")) == "t_id")
        }
    }
}
