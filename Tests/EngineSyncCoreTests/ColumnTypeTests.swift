import EngineSyncCore
import Testing

@Suite struct ColumnTypeTests {
    @Test(arguments: [
        ("character varying(255)", ColumnType.varchar(length: 255)),
        ("character varying", .varchar(length: nil)),
        ("text", .text),
        ("integer", .integer),
        ("bigint", .bigint),
        ("smallint", .smallint),
        ("double precision", .doublePrecision),
        ("real", .real),
        ("boolean", .boolean),
        ("timestamp with time zone", .timestamptz),
        ("timestamp without time zone", .timestamp),
        ("jsonb", .jsonb),
        ("json", .json),
        ("uuid", .uuid),
        ("numeric(12,2)", .numeric(precision: 12, scale: 2)),
        ("numeric", .numeric(precision: nil, scale: nil)),
        ("character varying(255)[]", .array(.varchar(length: 255))),
        ("text[]", .array(.text)),
        ("app.mood", .other("app.mood")),
        ("character(10)", .other("character(10)")),
    ])
    func parsesFormatTypeAndPrintsItBack(text: String, type: ColumnType) {
        #expect(ColumnType(formatType: text) == type)
        #expect(type.sql == text)
    }

    @Test func predicateSpellingsAreRecognised() {
        #expect(IndexPredicate(expression: "((deleted = false) AND (archived = false))") == .visibleRows)
        #expect(IndexPredicate(expression: "deleted = false AND archived = false") == .visibleRows)
        #expect(IndexPredicate(expression: "(deleted = false)") == .expression("(deleted = false)"))
    }
}

struct PreviewQuoter: SQLQuoting {
    func quoteIdentifier(_ identifier: String) throws -> String { "[" + identifier + "]" }
    func quoteLiteral(_ literal: String) throws -> String { "<" + literal + ">" }
}

@Suite struct SQLFragmentTests {
    @Test func identifiersAndLiteralsStayTaggedUntilRendered() throws {
        let table = "users; DROP TABLE x"
        let sql: SQL =
            "ALTER TABLE \(ident: table) ADD COLUMN \(ident: "c") \(unsafeRaw: ColumnType.text.sql) DEFAULT \(literal: "it's")"
        #expect(
            try sql.render(with: PreviewQuoter())
                == "ALTER TABLE [users; DROP TABLE x] ADD COLUMN [c] text DEFAULT <it's>")
        #expect(sql.description == #"ALTER TABLE "users; DROP TABLE x" ADD COLUMN "c" text DEFAULT 'it''s'"#)
        let list: SQL = "(\(idents: ["a", "b"]))"
        #expect(try list.render(with: PreviewQuoter()) == "([a], [b])")
        #expect(try SQL.joined([sql, list], separator: "; ").render(with: PreviewQuoter()).hasSuffix("; ([a], [b])"))
    }
}

@Suite struct ColumnTypeSpacingTests {
    @Test func formatTypeArgumentsMayHaveSpaces() {
        #expect(ColumnType(formatType: " numeric( 12 , 2 ) ") == .numeric(precision: 12, scale: 2))
        #expect(ColumnType(formatType: "numeric(12, 2)") == .numeric(precision: 12, scale: 2))
        #expect(ColumnType(formatType: "\tcharacter varying(40)[] ") == .array(.varchar(length: 40)))
    }
}
