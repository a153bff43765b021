import EngineSyncCore
import Testing

@Suite("MigrationScript: checks, header and checksum of a migration file")
struct MigrationScriptTests {
    @Test func checksumIgnoresLineEndings() throws {
        let lf = try MigrationScript(bytes: Array("CREATE TABLE a (id int);\nSELECT 1;\n".utf8))
        let crlf = try MigrationScript(bytes: Array("CREATE TABLE a (id int);\r\nSELECT 1;\r\n".utf8))
        let cr = try MigrationScript(bytes: Array("CREATE TABLE a (id int);\rSELECT 1;\r".utf8))
        #expect(lf.checksum == crlf.checksum)
        #expect(lf.checksum == cr.checksum)
        #expect(lf.checksum.count == 64)
        #expect(lf.checksum.allSatisfy { character in character.isHexDigit && !character.isUppercase })
        #expect(
            MigrationScript.checksum(bytes: Array("x\r\n".utf8)) == MigrationScript.checksum(bytes: Array("x\n".utf8)))
        // sha256("SELECT 1;\n")
        #expect(
            MigrationScript.checksum(bytes: Array("SELECT 1;\n".utf8))
                == "b4e0497804e46e0a0b0b8c31975b062152d551bac49c3c2e80932567b4085dcd")
        let edited = try MigrationScript(bytes: Array("CREATE TABLE a (id bigint);\nSELECT 1;\n".utf8))
        #expect(edited.checksum != lf.checksum)
    }

    /// Statements PostgreSQL refuses inside a transaction block (25001): an error in a transactional migration,
    /// fine in a `no-transaction` one.
    @Test(arguments: [
        "VACUUM;", "vacuum (analyze) t;", "CREATE DATABASE x;", "drop database x;", "ALTER SYSTEM SET work_mem = 1;",
        "CREATE TABLESPACE t LOCATION '/x';", "REINDEX DATABASE d;", "DISCARD ALL;",
    ])
    func statementsThatNeedNoTransaction(statement: String) throws {
        let inside = Array("SELECT 1;\n\(statement)\n".utf8)
        #expect(throws: MigrationScript.Problem.self) { try MigrationScript(bytes: inside) }
        do {
            _ = try MigrationScript(bytes: inside)
        } catch {
            #expect(error.line == 2)
            #expect(error.reason.contains("cannot run inside a transaction block"))
        }
        let outside = try MigrationScript(bytes: Array("-- enginesync: no-transaction\n\(statement)\n".utf8))
        #expect(!outside.transactional)
        // Look-alikes are fine.
        _ = try MigrationScript(bytes: Array("CREATE TABLE vacuum_log (id int);\nSELECT 'VACUUM';\n".utf8))
    }

    @Test func noTransactionHeader() throws {
        let script = try MigrationScript(
            bytes: Array("-- enginesync: no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);\n".utf8))
        #expect(!script.transactional)
        #expect(script.statements == [SQLStatement(text: "CREATE INDEX CONCURRENTLY i ON t (a)", line: 2)])
        let spaced = try MigrationScript(bytes: Array("  --  EngineSync:   No-Transaction  \r\nSELECT 1".utf8))
        #expect(!spaced.transactional)
        let secondLine = try MigrationScript(bytes: Array("SELECT 1;\n-- enginesync: no-transaction\n".utf8))
        #expect(secondLine.transactional)
        #expect(try MigrationScript(bytes: Array("-- plain comment\nSELECT 1".utf8)).transactional)
    }

    @Test func refusesBadFiles() {
        #expect(throws: MigrationScript.Problem.empty) { try MigrationScript(bytes: []) }
        #expect(throws: MigrationScript.Problem.notUTF8) { try MigrationScript(bytes: [0x53, 0xFF, 0xFE, 0x3B]) }
        #expect(throws: MigrationScript.Problem.noStatements) {
            try MigrationScript(bytes: Array("-- nothing\n\n".utf8))
        }
        #expect(throws: MigrationScript.Problem.unknownDirective("-- enginesync: no-transactions")) {
            try MigrationScript(bytes: Array("-- enginesync: no-transactions\nSELECT 1".utf8))
        }
        #expect(throws: MigrationScript.Problem.lex(SQLLexError(kind: .unterminatedString, line: 2))) {
            try MigrationScript(bytes: Array("SELECT 1;\nSELECT 'x".utf8))
        }
        #expect(throws: MigrationScript.Problem.transactionControl(keyword: "COMMIT", line: 3)) {
            try MigrationScript(bytes: Array("CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\nCOMMIT;".utf8))
        }
    }

    @Test func savepointsAreAllowedButTransactionEndsAreNot() throws {
        let savepoints = try MigrationScript(
            bytes: Array(
                "SAVEPOINT s;\nSELECT 1;\nROLLBACK TO SAVEPOINT s;\nRELEASE SAVEPOINT s;\nPREPARE q AS SELECT 1;".utf8))
        #expect(savepoints.statements.count == 5)
        for (script, keyword) in [
            ("begin;", "BEGIN"), ("SELECT 1;\nROLLBACK", "ROLLBACK"), ("START TRANSACTION", "START"),
            ("end", "END"), ("PREPARE TRANSACTION 'x'", "PREPARE"), ("abort;", "ABORT"),
        ] {
            #expect(throws: MigrationScript.Problem.self, "\(script)") {
                try MigrationScript(bytes: Array(script.utf8))
            }
            do {
                _ = try MigrationScript(bytes: Array(script.utf8))
            } catch {
                guard case .transactionControl(let found, _) = error else {
                    Issue.record("unexpected \(error)")
                    continue
                }
                #expect(found == keyword)
            }
        }
    }

    @Test func transactionControlIsAllowedWithoutATransaction() throws {
        let script = try MigrationScript(bytes: Array("-- enginesync: no-transaction\nBEGIN;\nSELECT 1;\nCOMMIT;".utf8))
        #expect(script.statements.map(\.line) == [2, 3, 4])
    }

    @Test func byteOrderMarkIsStripped() throws {
        let script = try MigrationScript(bytes: [0xEF, 0xBB, 0xBF] + Array("SELECT 1;".utf8))
        #expect(script.statements == [SQLStatement(text: "SELECT 1", line: 1)])
    }
}
