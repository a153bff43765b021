import EngineSync
import EngineSyncCore
import EngineSyncTestSupport
import Foundation
import Logging
import PostgresClient
import Testing

/// DSLs that `validate` used to accept but that PostgreSQL refuses (issue 12 item 11): either they now apply, or they
/// are invalid before the database is touched — never a reconcile that fails and is retried forever.
@Suite struct PostgresLimitsTests {
    typealias Story = ReconcileStory

    @Test func aSixtyThreeByteTableIsCreatedAndThenInSync() throws {
        let table = String(repeating: "t", count: 63)
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit(["dsl/models/\(table).json": #"{"fields": {"title": {"type": "string"}}}"#])
            let first = Story.reconcile(database, repository)
            #expect(first.report.outcome == .synced, "\(first.report.errors)")
            #expect(
                try Story.value(
                    connection,
                    "SELECT conname FROM pg_constraint WHERE contype = 'p' AND conrelid = '\(table)'::regclass")
                    == String(repeating: "t", count: 58) + "_pkey")
            try repository.commit(["README.md": "again"])
            let second = Story.reconcile(database, repository, configure: { $0.skipUnchangedTrees = false })
            #expect(
                second.report.outcome == .synced && second.report.applied.isEmpty,
                "\(second.report.applied.map(\.kind))")
        }
    }

    @Test(arguments: [
        ("engine_reconciles.json", #"{"fields": {"x": {"type": "int"}}}"#, "reserved_name"),
        ("t_pkey.json", #"{"fields": {}}"#, "name_collision"),
        ("odd.json", #"{"fields": {"xmin": {"type": "int"}}}"#, "reserved_name"),
        ("flags.json", #"{"fields": {"archived": {"type": "int"}}}"#, "visibility_column_type"),
    ])
    func refusedBeforeTheDatabaseIsTouched(file: String, model: String, code: String) throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit(["dsl/models/t.json": #"{"fields": {}}"#, "dsl/models/\(file)": model])
            let result = Story.reconcile(database, repository)
            #expect(result.report.outcome == .invalid)
            #expect(result.report.errors.contains { $0.code == code }, "\(result.report.errors)")
            #expect(
                try Story.count(connection, "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'") == 0
            )
        }
    }

    /// Issue 12 item 15: a `multi` string with `default: []` has no database default (EngineJS ignores it), so it
    /// is never a `change_default` manual item.
    @Test func aMultiStringDefaultIsNeverAManualItem() throws {
        try ScratchDatabase.with { database, _ in
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/models/post.json": #"{"fields": {"tags": {"type": "string", "multi": true, "default": []}}}"#
            ])
            let first = Story.reconcile(database, repository)
            #expect(first.report.outcome == .synced)
            #expect(first.report.warnings.contains { $0.code == "multi_string_ignored_property" })
            try repository.commit(["README.md": "again"])
            let second = Story.reconcile(database, repository, configure: { $0.skipUnchangedTrees = false })
            #expect(second.report.manual.isEmpty, "\(second.report.manual)")
            #expect(second.report.applied.isEmpty)
        }
    }

    /// Issue 12 item 14: an unmanaged invalid unique index (a failed concurrent build over duplicates) would make
    /// every rewrite of its table fail; the widening is blocked with the reason instead, and the rest applies.
    @Test func anInvalidUniqueIndexBlocksARewriteInsteadOfFailingIt() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit(["dsl/models/item.json": #"{"fields": {"code": {"type": "int"}}}"#])
            #expect(Story.reconcile(database, repository).report.outcome == .synced)
            try connection.execute(script: #"INSERT INTO item (code) VALUES (1), (1)"#)
            #expect(throws: PostgresError.self) {
                try connection.query("CREATE UNIQUE INDEX CONCURRENTLY by_code ON item (code)")
            }
            #expect(
                try Story.value(
                    connection, "SELECT indisvalid::text FROM pg_index WHERE indexrelid = 'by_code'::regclass")
                    == "false")

            try repository.commit([
                "dsl/models/item.json": #"{"fields": {"code": {"type": "bigint"}, "note": {"type": "text"}}}"#
            ])
            let result = Story.reconcile(database, repository)
            #expect(result.report.outcome == .blocked, "\(result.report.errors)")
            let blocked = try #require(result.report.blocked.first)
            #expect(blocked.kind == "invalid_unique_index")
            #expect(blocked.reason?.contains("by_code") == true)
            #expect(result.report.applied.map(\.kind) == ["add_column"])
            #expect(try Story.value(connection, Story.columnType("item", "code")) == "integer")
        }
    }
}
