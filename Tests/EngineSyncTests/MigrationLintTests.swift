import EngineSync
import EngineSyncCore
import Testing

/// Migration lint (issue 18): every code fires on a migration with the hazard and not on its safe form, through
/// PostgreSQL's own parser (libpg_query). Pure: no database; sizes come from a hand-made live schema.
@Suite("Migration lint: each hazard and its safe form")
struct MigrationLintTests {
    /// `orders` is large, `tags` small, `fresh` absent from the database (new).
    static let live = Schema(tables: [
        Table(
            name: "orders",
            columns: [
                Column(name: "id", type: .integer), Column(name: "title", type: .varchar(length: 50)),
                Column(name: "total", type: .integer), Column(name: "note", type: .text),
            ],
            primaryKey: ["id"], estimatedRows: 5_000_000),
        Table(
            name: "tags",
            columns: [Column(name: "id", type: .integer), Column(name: "label", type: .varchar(length: 20))],
            primaryKey: ["id"], estimatedRows: 10),
    ])
    /// The DSL still declares `orders.note` and `tags`.
    static let desired = Schema(tables: [
        Table(
            name: "orders", columns: [Column(name: "id", type: .integer), Column(name: "note", type: .text)],
            primaryKey: ["id"]),
        Table(name: "tags", columns: [Column(name: "id", type: .integer)], primaryKey: ["id"]),
    ])

    struct Case: CustomTestStringConvertible, Sendable {
        var code: LintCode
        var hazard: String
        var safe: String
        var testDescription: String { code.rawValue }
    }

    static let cases: [Case] = [
        Case(
            code: .alterColumnType, hazard: "ALTER TABLE orders ALTER COLUMN total TYPE bigint;",
            safe: "ALTER TABLE orders ALTER COLUMN title TYPE varchar(200);"),
        Case(
            code: .setNotNull, hazard: "ALTER TABLE orders ALTER COLUMN total SET NOT NULL;",
            safe: """
                ALTER TABLE orders ADD CONSTRAINT total_nn CHECK (total IS NOT NULL) NOT VALID;
                ALTER TABLE orders VALIDATE CONSTRAINT total_nn;
                ALTER TABLE orders ALTER COLUMN total SET NOT NULL;
                """),
        Case(
            code: .addColumnVolatileDefault,
            hazard: "ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();",
            safe: "ALTER TABLE orders ADD COLUMN created timestamptz DEFAULT now();"),
        Case(
            code: .createIndexNotConcurrently, hazard: "CREATE INDEX orders_total ON orders (total);",
            safe: "-- enginesync: no-transaction\nCREATE INDEX CONCURRENTLY orders_total ON orders (total);"),
        Case(
            code: .addForeignKeyValidating,
            hazard: "ALTER TABLE orders ADD CONSTRAINT orders_tag FOREIGN KEY (total) REFERENCES tags (id);",
            safe: "ALTER TABLE orders ADD CONSTRAINT orders_tag FOREIGN KEY (total) REFERENCES tags (id) NOT VALID;"),
        Case(
            code: .addCheckValidating, hazard: "ALTER TABLE orders ADD CONSTRAINT positive CHECK (total > 0);",
            safe: "ALTER TABLE orders ADD CONSTRAINT positive CHECK (total > 0) NOT VALID;"),
        Case(
            code: .addUniqueConstraint, hazard: "ALTER TABLE orders ADD CONSTRAINT orders_total_key UNIQUE (total);",
            safe: "ALTER TABLE orders ADD CONSTRAINT orders_total_key UNIQUE USING INDEX orders_total_idx;"),
        Case(
            code: .tableRewriteCommand, hazard: "-- enginesync: no-transaction\nVACUUM FULL orders;",
            safe: "-- enginesync: no-transaction\nVACUUM orders;"),
        Case(
            code: .lockTimeoutDisabled, hazard: "SET lock_timeout = 0;\nALTER TABLE tags ADD COLUMN x int;",
            safe: "SET LOCAL lock_timeout = '10s';\nALTER TABLE tags ADD COLUMN x int;"),
        Case(code: .dropTableInDSL, hazard: "DROP TABLE tags;", safe: "DROP TABLE legacy_tags;"),
        Case(
            code: .dropColumnInDSL, hazard: "ALTER TABLE orders DROP COLUMN note;",
            safe: "ALTER TABLE orders DROP COLUMN title;"),
        Case(
            code: .concurrentlyInTransaction, hazard: "CREATE INDEX CONCURRENTLY orders_total ON orders (total);",
            safe: "-- enginesync: no-transaction\nCREATE INDEX CONCURRENTLY orders_total ON orders (total);"),
    ]

    static func lint(_ sql: String, live: Schema? = live) throws -> MigrationLint.Result {
        let script = try MigrationScript(bytes: Array(sql.utf8))
        let migration = Migration(id: "0001_x", file: "migrations/0001_x.sql", script: script)
        return MigrationLint.lint([migration], linter: MigrationLinter(schema: "public", desired: desired, live: live))
    }

    @Test func everyCodeHasACase() {
        #expect(Set(Self.cases.map(\.code)) == Set(LintCode.allCases))
    }

    @Test(arguments: cases)
    func firesOnTheHazardNotOnTheSafeForm(_ testCase: Case) throws {
        let hazard = try Self.lint(testCase.hazard)
        #expect(hazard.syntaxErrors.isEmpty)
        #expect(hazard.hazards.map(\.code).contains(testCase.code), "\(hazard.hazards)")
        let safe = try Self.lint(testCase.safe)
        #expect(safe.syntaxErrors.isEmpty)
        #expect(!safe.hazards.map(\.code).contains(testCase.code), "\(safe.hazards)")
    }

    /// Each hazard names its statement's line, the table and the live row estimate.
    @Test func hazardsCarryLineTableAndRows() throws {
        let result = try Self.lint("SELECT 1;\n\nALTER TABLE orders\n  ALTER COLUMN total TYPE bigint;\n")
        let hazard = try #require(result.hazards.first)
        #expect(hazard.code == .alterColumnType)
        #expect(hazard.file == "migrations/0001_x.sql")
        #expect(hazard.line == 3)
        #expect(hazard.table == "orders")
        #expect(hazard.column == "total")
        #expect(hazard.rows == 5_000_000)
        #expect(hazard.message.contains("~5000000 rows"))
        #expect(hazard.exceedsLimits(maxRewriteRows: 100_000, concurrentIndexRows: 100_000))
    }

    /// A small table warns but is under the limits; a table created in the same migration or absent from the
    /// database is empty: no size hazard at all. Without a database the size is unknown and never over a limit.
    @Test func sizesDecideWhatIsOverTheLimits() throws {
        let small = try #require(try Self.lint("CREATE INDEX tags_label ON tags (label);").hazards.first)
        #expect(small.rows == 10)
        #expect(!small.exceedsLimits(maxRewriteRows: 100_000, concurrentIndexRows: 100_000))
        #expect(try Self.lint("CREATE TABLE fresh (id int);\nCREATE INDEX fresh_id ON fresh (id);").hazards.isEmpty)
        #expect(try Self.lint("CREATE INDEX fresh_id ON fresh (id);").hazards.isEmpty)
        let unknown = try #require(
            try Self.lint("CREATE INDEX orders_total ON orders (total);", live: nil).hazards.first)
        #expect(unknown.rows == nil)
        #expect(unknown.message.contains("size unknown"))
        #expect(!unknown.exceedsLimits(maxRewriteRows: 0, concurrentIndexRows: 0))
        // Another schema's table is not the managed one: its size is unknown, its drop not the DSL's business.
        #expect(try Self.lint("DROP TABLE archive.tags;").hazards.isEmpty)
    }

    /// A statement PostgreSQL's parser refuses is one error naming the file and line; nothing is linted from it.
    @Test func syntaxErrorNamesFileAndLine() throws {
        let result = try Self.lint("SELECT 1;\nCREATE INDEX i ON orders (total);\nSELECT\n  1 frm orders;\n")
        #expect(result.syntaxErrors.count == 1)
        let error = try #require(result.syntaxErrors.first)
        #expect(error.file == "migrations/0001_x.sql")
        #expect(error.line == 4)
        #expect(error.message.contains("syntax error"))
    }
}
