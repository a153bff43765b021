import EngineSyncCore
import Testing

@Suite("SQLScriptSplitter: statements and their lines")
struct SQLScriptSplitterTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var script: String
        var expected: [SQLStatement]
        var testDescription: String { name }
        init(_ name: String, _ script: String, _ expected: [(String, Int)]) {
            self.name = name
            self.script = script
            self.expected = expected.map { SQLStatement(text: $0.0, line: $0.1) }
        }
    }

    static let cases: [Case] = [
        Case("empty script", "", []),
        Case("whitespace only", "  \n\t\n", []),
        Case("comments only", "-- one\n/* two */\n", []),
        Case("one statement without semicolon", "SELECT 1", [("SELECT 1", 1)]),
        Case("one statement with semicolon", "SELECT 1;", [("SELECT 1", 1)]),
        Case("two statements on one line", "SELECT 1; SELECT 2;", [("SELECT 1", 1), ("SELECT 2", 1)]),
        Case(
            "statements on later lines", "\n\nCREATE TABLE a (id int);\n\nINSERT INTO a VALUES (1);\n",
            [("CREATE TABLE a (id int)", 3), ("INSERT INTO a VALUES (1)", 5)]),
        Case(
            "multi-line statement keeps its first line", "SELECT\n  1,\n  2;\nSELECT 3;",
            [("SELECT\n  1,\n  2", 1), ("SELECT 3", 4)]),
        Case("empty statements between semicolons are dropped", ";;SELECT 1;;\n;", [("SELECT 1", 1)]),
        Case("semicolon in a single-quoted string", "SELECT 'a;b'; SELECT 2", [("SELECT 'a;b'", 1), ("SELECT 2", 1)]),
        Case(
            "doubled quote inside a string", "SELECT 'it''s; fine'; SELECT 2",
            [("SELECT 'it''s; fine'", 1), ("SELECT 2", 1)]),
        Case(
            "backslash is literal in a standard string", #"SELECT 'C:\'; SELECT 2"#,
            [(#"SELECT 'C:\'"#, 1), ("SELECT 2", 1)]),
        Case(
            "E string with an escaped quote", #"SELECT E'it\'s; x'; SELECT 2"#,
            [(#"SELECT E'it\'s; x'"#, 1), ("SELECT 2", 1)]),
        Case(
            "lower-case e string with an escaped backslash", #"SELECT e'a\\'; SELECT 2"#,
            [(#"SELECT e'a\\'"#, 1), ("SELECT 2", 1)]),
        Case(
            "identifier ending in e is not an E string", #"SELECT name'x\'; SELECT 2"#,
            [(#"SELECT name'x\'"#, 1), ("SELECT 2", 1)]),
        Case(
            "semicolon in a double-quoted identifier", #"CREATE TABLE "a;b" (id int); SELECT 2"#,
            [(#"CREATE TABLE "a;b" (id int)"#, 1), ("SELECT 2", 1)]),
        Case(
            "doubled double quote in an identifier", #"SELECT 1 AS "x"";y"; SELECT 2"#,
            [(#"SELECT 1 AS "x"";y""#, 1), ("SELECT 2", 1)]),
        Case(
            "dollar quote", "DO $$ BEGIN PERFORM 1; END $$; SELECT 2",
            [("DO $$ BEGIN PERFORM 1; END $$", 1), ("SELECT 2", 1)]),
        Case(
            "tagged dollar quote containing $$", "SELECT $fn$ a $$; b $fn$; SELECT 2",
            [("SELECT $fn$ a $$; b $fn$", 1), ("SELECT 2", 1)]),
        Case(
            "dollar quote spanning lines counts them",
            "CREATE FUNCTION f() RETURNS int AS $body$\nBEGIN\n  RETURN 1;\nEND\n$body$ LANGUAGE plpgsql;\nSELECT f();",
            [
                ("CREATE FUNCTION f() RETURNS int AS $body$\nBEGIN\n  RETURN 1;\nEND\n$body$ LANGUAGE plpgsql", 1),
                ("SELECT f()", 6),
            ]),
        Case("positional parameter is not a dollar quote", "SELECT $1; SELECT 2", [("SELECT $1", 1), ("SELECT 2", 1)]),
        Case(
            "dollar inside an identifier", "SELECT a$b$c FROM t; SELECT 2",
            [("SELECT a$b$c FROM t", 1), ("SELECT 2", 1)]),
        Case(
            "semicolon in a line comment", "SELECT 1 -- not; a split\n; SELECT 2",
            [("SELECT 1 -- not; a split", 1), ("SELECT 2", 2)]),
        Case(
            "semicolon in a block comment", "SELECT /* a; b */ 1; SELECT 2",
            [("SELECT /* a; b */ 1", 1), ("SELECT 2", 1)]),
        Case(
            "nested block comments", "SELECT /* outer /* inner; */ still; */ 1; SELECT 2",
            [("SELECT /* outer /* inner; */ still; */ 1", 1), ("SELECT 2", 1)]),
        Case(
            "leading comments are not part of the statement and lines still count",
            "-- header\n/* multi\nline */\nSELECT 1;", [("SELECT 1", 4)]),
        Case(
            "quote inside a comment does not open a string", "-- it's\nSELECT 1; SELECT 2",
            [("SELECT 1", 2), ("SELECT 2", 2)]),
        Case("comment marker inside a string", "SELECT '--;/*'; SELECT 2", [("SELECT '--;/*'", 1), ("SELECT 2", 1)]),
        Case(
            "multi-line string counts lines", "SELECT 'a\nb\nc';\nSELECT 2;",
            [("SELECT 'a\nb\nc'", 1), ("SELECT 2", 4)]),
        Case("CRLF line endings", "SELECT 1;\r\nSELECT 2;\r\n", [("SELECT 1", 1), ("SELECT 2", 2)]),
        Case(
            "BEGIN ATOMIC function body",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END; SELECT 3;",
            [("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END", 1), ("SELECT 3", 1)]),
        Case(
            "CREATE OR REPLACE PROCEDURE with CASE inside BEGIN ATOMIC",
            "CREATE OR REPLACE PROCEDURE p() BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; END;\nSELECT 3",
            [
                ("CREATE OR REPLACE PROCEDURE p() BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; END", 1),
                ("SELECT 3", 2),
            ]),
        Case(
            "a transaction BEGIN is its own statement", "BEGIN; SELECT 1; COMMIT;",
            [("BEGIN", 1), ("SELECT 1", 1), ("COMMIT", 1)]),
        Case(
            "CASE outside a routine does not nest", "SELECT CASE WHEN x THEN 1 END FROM t; SELECT 2",
            [("SELECT CASE WHEN x THEN 1 END FROM t", 1), ("SELECT 2", 1)]),
        Case(
            "CREATE INDEX CONCURRENTLY statements",
            "CREATE INDEX CONCURRENTLY i1 ON t (a);\nCREATE INDEX CONCURRENTLY i2 ON t (b);",
            [("CREATE INDEX CONCURRENTLY i1 ON t (a)", 1), ("CREATE INDEX CONCURRENTLY i2 ON t (b)", 2)]),
        Case(
            "unicode identifiers and strings", "INSERT INTO \"ünï\" VALUES ('é;è'); SELECT 'ß'",
            [("INSERT INTO \"ünï\" VALUES ('é;è')", 1), ("SELECT 'ß'", 1)]),
        Case("number with exponent before a quote", "SELECT 1e5; SELECT 'x'", [("SELECT 1e5", 1), ("SELECT 'x'", 1)]),
        Case(
            "U& string", "SELECT U&'d\\0061t\\+000061;'; SELECT 2",
            [("SELECT U&'d\\0061t\\+000061;'", 1), ("SELECT 2", 1)]),
    ]

    @Test(arguments: cases)
    func splits(_ testCase: Case) throws {
        #expect(try SQLScriptSplitter.split(testCase.script) == testCase.expected)
    }

    struct BadCase: CustomTestStringConvertible, Sendable {
        var script: String
        var kind: SQLLexError.Kind
        var line: Int
        var testDescription: String { "\(kind.rawValue) at \(line)" }
    }

    static let badCases: [BadCase] = [
        BadCase(script: "SELECT 1;\nSELECT 'open", kind: .unterminatedString, line: 2),
        BadCase(script: #"SELECT E'\'"#, kind: .unterminatedString, line: 1),
        BadCase(script: "\n\nSELECT \"open", kind: .unterminatedQuotedIdentifier, line: 3),
        BadCase(script: "SELECT $x$ never closed $y$", kind: .unterminatedDollarQuote, line: 1),
        BadCase(script: "SELECT 1; /* outer /* inner */ still open", kind: .unterminatedBlockComment, line: 1),
    ]

    @Test(arguments: badCases)
    func refusesUnterminatedConstructs(_ testCase: BadCase) {
        #expect(throws: SQLLexError(kind: testCase.kind, line: testCase.line)) {
            try SQLScriptSplitter.split(testCase.script)
        }
    }

    @Test func lineOfAnErrorPositionInsideAStatement() throws {
        let statements = try SQLScriptSplitter.split("SELECT 1;\n\nSELECT\n  nosuch\n  FROM t;")
        let statement = try #require(statements.last)
        #expect(statement.line == 3)
        // PostgreSQL's position is 1-based in characters: "nosuch" starts at character 10.
        #expect(statement.line(atCharacterPosition: 10) == 4)
        #expect(statement.line(atCharacterPosition: 1) == 3)
        #expect(statement.firstKeyword == "SELECT")
    }
}

@Suite("How deeply a statement's parse tree nests, estimated before PostgreSQL's parser sees it")
struct NestingEstimateTests {
    @Test func chainedOperatorsAndParenthesesCount() {
        #expect(SQLScriptSplitter.nestingEstimate("SELECT 1" + String(repeating: "+1", count: 500)) == 500)
        #expect(
            SQLScriptSplitter.nestingEstimate(
                "SELECT " + String(repeating: "(", count: 100) + "1" + String(repeating: ")", count: 100)) == 300)
    }

    @Test func flatListsStringsAndCommentsDoNot() {
        let values =
            "INSERT INTO t (a, b) VALUES " + Array(repeating: "(-1, 'x+y-z')", count: 5_000).joined(separator: ", ")
        #expect(SQLScriptSplitter.nestingEstimate(values) < 10)
        let quoted =
            "SELECT '" + String(repeating: "+", count: 1_000) + "', $$" + String(repeating: "((", count: 500)
            + "$$ -- " + String(repeating: "-", count: 500) + "\n/* " + String(repeating: "*(", count: 300) + " */"
        #expect(SQLScriptSplitter.nestingEstimate(quoted) < 10)
    }
}
