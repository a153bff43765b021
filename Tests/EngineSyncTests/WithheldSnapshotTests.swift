import EngineSync
import EngineSyncCore
import EngineSyncTestSupport
import Foundation
import PostgresClient
import Testing

/// Issue 12 item 2: an adopted database without a snapshot whose first reconcile has a blocked change gets no
/// snapshot until it is resolved (SAFE-SYNC.md) — and each of those reconciles must write nothing it did not write
/// before: no `auto_name` recomputed on every row, no rename turned into a new empty column.
@Suite struct WithheldSnapshotTests {
    typealias Story = ReconcileStory

    static let adoptedTable = """
        CREATE TABLE "user" (id serial PRIMARY KEY, name varchar(100), created_at timestamptz, updated_at timestamptz,
          deleted boolean DEFAULT false, deleted_at timestamptz, archived boolean DEFAULT false, archived_at timestamptz,
          auto_name varchar(512));
        INSERT INTO "user" (name, auto_name) VALUES ('Alice', 'kept as it was');
        """

    @Test func repeatedReconcilesWithABlockedChangeWriteNothing() throws {
        try ScratchDatabase.with { database, connection in
            try connection.execute(script: Self.adoptedTable)
            let before = try Story.value(connection, #"SELECT xmin::text FROM "user""#)
            let repository = try ScratchRepository()
            // `name` narrowed from varchar(100) to 50: blocked; auto_name listed.
            try repository.commit([
                "dsl/models/user.json":
                    #"{"fields": {"name": {"type": "string", "length": 50}}, "auto_name": ["name"]}"#
            ])
            for round in 0..<3 {
                if round > 0 { try repository.commit(["README.md": "round \(round)"]) }
                let result = Story.reconcile(database, repository)
                #expect(result.report.outcome == .blocked, "\(result.report.errors)")
                #expect(result.report.blocked.map(\.kind) == ["narrow_column"])
                #expect(!result.report.applied.contains { $0.kind == "backfill_auto_name" }, "round \(round)")
                #expect(result.report.warnings.contains { $0.code == "snapshot_withheld" })
            }
            #expect(try Story.value(connection, #"SELECT auto_name FROM "user""#) == "kept as it was")
            #expect(try Story.value(connection, #"SELECT xmin::text FROM "user""#) == before, "the row was rewritten")
        }
    }

    @Test func aColumnNameRenameIsBlockedWithoutASnapshot() throws {
        try ScratchDatabase.with { database, connection in
            try connection.execute(script: Self.adoptedTable)
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/models/user.json":
                    #"{"fields": {"name": {"type": "string", "length": 100, "columnName": "full_name"}}, "auto_name": ["name"]}"#
            ])
            for round in 0..<2 {
                if round > 0 { try repository.commit(["README.md": "again"]) }
                let result = Story.reconcile(database, repository)
                #expect(result.report.outcome == .blocked)
                #expect(result.report.blocked.map(\.kind) == ["rename_column"])
                #expect(!result.report.applied.contains { $0.column == "full_name" })
            }
            #expect(try Story.value(connection, Story.columnType("user", "full_name")) == "absent")
            #expect(
                try Story.value(connection, #"SELECT name || '/' || auto_name FROM "user""#) == "Alice/kept as it was")
        }
    }
}
