import EngineSync
import EngineSyncCore
import EngineSyncTestSupport
import Foundation
import PostgresClient
import Testing

/// Names and values that would break naively built SQL, through a real sync on real PostgreSQL.
@Suite("Keywords, mixed case and hostile defaults on real PostgreSQL")
struct QuotedNamesTests {
    typealias Story = ReconcileStory

    /// Quotes, backslashes (E'' territory), a statement terminator and a comment.
    static let hostile = #"it's "quoted" \ a back\slash, \\two, \' and '; DROP TABLE x; --"#

    static func json(_ text: String) throws -> String {
        String(
            decoding: try JSONSerialization.data(withJSONObject: [text], options: [.fragmentsAllowed]), as: UTF8.self
        )
        .dropFirst().dropLast().description
    }

    @Test func keywordAndMixedCaseNamesAndAHostileDefaultAreKeptVerbatim() throws {
        try ScratchDatabase.with { database, connection in
            try connection.execute(script: "CREATE TABLE x (id int); INSERT INTO x VALUES (1);")
            let repository = try ScratchRepository()
            let defaultJSON = try Self.json(Self.hostile)
            try repository.commit([
                "dsl/meta/dsl.json": Story.snapshotModel,
                "dsl/models/Order.json": """
                {"fields": {"select": {"type": "string", "default": \(defaultJSON)},
                            "Total": {"type": "int", "default": 0}},
                 "indexes": {"unique": [["select"]], "many": [["Total"]]}}
                """,
                "dsl/models/line.json":
                    #"{"fields": {"order": {"type": "int", "source": "Order", "sourceid": "id"}, "user": {"type": "text"}}}"#,
            ])
            let result = Story.reconcile(database, repository)
            #expect(result.report.outcome == .synced, "\(result.report.errors) \(result.report.blocked)")

            // Exactly those names, case included, and nothing else was touched.
            #expect(try Story.value(connection, "SELECT pg_catalog.to_regclass('public.x')") == "x")
            #expect(try Story.count(connection, "SELECT count(*)::int AS n FROM x") == 1)
            #expect(
                try Story.value(
                    connection,
                    """
                    SELECT string_agg(relname, ',' ORDER BY relname COLLATE "C") FROM pg_catalog.pg_class
                    WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' AND relname NOT LIKE 'engine\\_%'
                    """) == "Order,dsl,line,x")
            #expect(
                try Story.value(
                    connection,
                    """
                    SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_catalog.pg_attribute
                    WHERE attrelid = '"Order"'::regclass AND attnum > 0 AND attname IN ('select', 'Total', 'total')
                    """) == "select,Total")
            #expect(try Story.value(connection, Story.columnType("line", "order")) == "integer")
            #expect(try Story.value(connection, Story.columnType("line", "user")) == "text")
            #expect(
                try Story.value(
                    connection,
                    """
                    SELECT string_agg(relname, ',' ORDER BY relname COLLATE "C") FROM pg_catalog.pg_class
                    WHERE relkind = 'i' AND relname IN ('uidx_Order_select', 'idx_Order_Total', 'idx_Order_visible')
                    """) == "idx_Order_Total,idx_Order_visible,uidx_Order_select")
            #expect(
                try Story.value(
                    connection,
                    """
                    SELECT confrelid::regclass FROM pg_catalog.pg_constraint WHERE conname = 'line_order_fkey'
                    """) == #""Order""#)

            // The default reads back verbatim, as a value and as the column's default.
            try connection.query(#"INSERT INTO "Order" DEFAULT VALUES"#)
            #expect(try Story.value(connection, #"SELECT "select" FROM "Order""#) == Self.hostile)
            #expect(try Story.value(connection, #"SELECT "Total" FROM "Order""#) == "0")

            // And it compares equal to the DSL: nothing to do, no manual default change.
            let again = Story.reconcile(database, repository)
            #expect(again.report.outcome == .synced)
            #expect(again.report.applied.isEmpty, "\(again.report.applied)")
            #expect(again.report.manual.isEmpty, "\(again.report.manual)")
            #expect(again.report.drift.map { "\($0.kind) \($0.table)" } == ["unmanaged_table x"])
        }
    }
}
