import PgQuery
import Testing

/// The libpg_query wrapper: PostgreSQL's own parser, results copied out and freed, errors with their line.
@Suite("PgQueryParser: PostgreSQL's parser through libpg_query")
struct PgQueryParserTests {
    @Test func parsesIntoPostgresParseTreeJSON() throws {
        let json = try PgQueryParser.parseJSON(
            "ALTER TABLE t ALTER COLUMN c TYPE bigint; CREATE INDEX CONCURRENTLY i ON t (c)")
        #expect(json.hasPrefix("{\"version\":\(PgQueryParser.postgresVersion)"))
        #expect(json.contains("\"AT_AlterColumnType\""))
        #expect(json.contains("\"concurrent\":true"))
    }

    /// The error's position counts characters (as PostgreSQL's does), and its line is worked out from it.
    @Test func syntaxErrorCarriesMessagePositionAndLine() {
        do {
            _ = try PgQueryParser.parseJSON("select 'é';\n\n select 1 frm x")
            Issue.record("expected a syntax error")
        } catch {
            #expect(error.message == "syntax error at or near \"x\"")
            #expect(error.position == 28)
            #expect(error.line == 3)
            #expect(error.description == "line 3: syntax error at or near \"x\"")
        }
    }

    @Test func nulByteIsRefusedNotTruncated() {
        #expect(throws: PgQueryError.self) { try PgQueryParser.parseJSON("SELECT 1;\nSELECT '\u{0}'") }
        do {
            _ = try PgQueryParser.parseJSON("SELECT 1;\nSELECT '\u{0}'")
        } catch {
            #expect(error.line == 2)
        }
    }

    /// Many parses in a row (each result freed) keep working: no state leaks from one call into the next.
    @Test func repeatedParsesAndErrorsAreIndependent() throws {
        for index in 0..<200 {
            if index % 2 == 0 {
                #expect(try PgQueryParser.parseJSON("SELECT \(index + 1)").contains("\"ival\":\(index + 1)"))
            } else {
                #expect(throws: PgQueryError.self) { try PgQueryParser.parseJSON("SELEC \(index)") }
            }
        }
    }
}
