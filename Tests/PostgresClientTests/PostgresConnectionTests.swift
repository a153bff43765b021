import EngineSyncTestSupport
import Foundation
import PostgresClient
import Testing

@Suite("PostgresConnection against a scratch cluster")
struct PostgresConnectionTests {
    @Test func queryWithParametersCopiesTextAndNull() throws {
        try ScratchDatabase.with { database, connection in
            let result = try connection.query(
                "SELECT $1::int + 1 AS n, $2::text AS t, NULL::text AS z, true AS b",
                [41, "it's"])
            let row = try #require(result.first)
            #expect(try row.int("n") == 42)
            #expect(try row.string("t") == "it's")
            #expect(try row.optionalString("z") == nil)
            #expect(try row.bool("b"))
            #expect(throws: PostgresDecodingError.self) { try row.int("t") }
            #expect(connection.serverVersion >= 150000)
        }
    }

    @Test func rowsAreReadByNameOrByPosition() throws {
        try ScratchDatabase.with { _, connection in
            let result = try connection.query(
                "SELECT g AS n, g::text AS t, NULL::int AS z, g % 2 = 0 AS even, ARRAY[g::text, NULL] AS xs "
                    + "FROM generate_series(1, 3) g ORDER BY g")
            #expect(result.columns == ["n", "t", "z", "even", "xs"])
            #expect(result.rows.count == 3)
            let n = try result.position(of: "n")
            let even = try result.position(of: "even")
            let xs = try result.position(of: "xs")
            #expect(try result.rows.map { try $0.int(at: n) } == [1, 2, 3])
            #expect(try result.rows.map { try $0.bool(at: even) } == [false, true, false])
            #expect(try result.rows[1].stringArray(at: xs) == ["2", nil])
            #expect(try result.rows[2].optionalInt(at: try result.position(of: "z")) == nil)
            #expect(result.rows[2].values == ["3", "3", nil, "f", "{3,NULL}"])
            #expect(try result.rows.map { try $0.string("t") } == ["1", "2", "3"])
            let missing = try #require(throws: PostgresDecodingError.self) { try result.position(of: "nope") }
            #expect(missing.column == "nope")
            // By position, a decoding error still names the column.
            let notNull = try #require(throws: PostgresDecodingError.self) {
                try result.rows[0].int(at: try result.position(of: "z"))
            }
            #expect(notNull.column == "z")
        }
    }

    @Test func pipelineHandsEachResultOverInOrder() throws {
        try ScratchDatabase.with { _, connection in
            var seen: [(Int, [String])] = []
            try connection.pipeline([
                PostgresStatement("SELECT $1::text || 'a' AS v", ["x"]),
                PostgresStatement("SELECT v::text FROM generate_series(1, 3) v"),
                PostgresStatement("SELECT NULL::text AS v WHERE false"),
            ]) { index, result in
                seen.append((index, try result.rows.map { try $0.optionalString("v") ?? "NULL" }))
            }
            #expect(seen.map(\.0) == [0, 1, 2])
            #expect(seen.map(\.1) == [["xa"], ["1", "2", "3"], []])
            // The connection has left pipeline mode: an ordinary query works.
            #expect(try connection.query("SELECT 1 AS one").first?.int("one") == 1)
        }
    }

    @Test func pipelineThrowsTheFailingStatementsErrorAndRecovers() throws {
        try ScratchDatabase.with { _, connection in
            var seen: [Int] = []
            let error = try #require(throws: PostgresError.self) {
                try connection.pipeline([
                    PostgresStatement("SELECT 1 AS v"),
                    PostgresStatement("SELECT * FROM missing_table"),
                    PostgresStatement("SELECT 3 AS v"),
                ]) { index, _ in seen.append(index) }
            }
            #expect(seen == [0])
            #expect(error.sqlState == SQLState("42P01"))
            #expect(error.statement == "SELECT * FROM missing_table")
            #expect(connection.isConnected)
            #expect(try connection.query("SELECT 2 AS two").first?.int("two") == 2)
            // An error thrown while reading a result: the rest is still read, and the connection stays usable.
            struct Refused: Error {}
            #expect(throws: Refused.self) {
                try connection.pipeline([PostgresStatement("SELECT 1"), PostgresStatement("SELECT 2")]) { _, _ in
                    throw Refused()
                }
            }
            #expect(try connection.query("SELECT 3 AS three").first?.int("three") == 3)
            #expect(throws: PostgresError.self) {
                try connection.pipeline([PostgresStatement("SELECT $1::text", ["a\u{0}b"])]) { _, _ in }
            }
        }
    }

    /// libpq keeps buffers as large as the largest message a connection carried; the daemon reads
    /// `largestMessageBytes` to decide whether a connection is worth keeping idle. Every path that sends or
    /// receives counts: a parameter, a script, a pipeline, a large value read back.
    @Test func theLargestMessageSentOrReceivedIsCounted() throws {
        try ScratchDatabase.with { database, connection in
            #expect(connection.largestMessageBytes < 1_000)
            let big = String(repeating: "x", count: 300_000)
            try connection.query("SELECT length($1::text) AS n", [big])
            #expect(connection.largestMessageBytes >= 300_000)
            #expect(connection.largestMessageBytes < 301_000)

            let reader = try database.connect()
            try reader.query("SELECT repeat('y', 500000) AS text")
            #expect(reader.largestMessageBytes >= 500_000)
            #expect(reader.largestMessageBytes < 501_000)

            let scripted = try database.connect()
            try scripted.execute(script: "SELECT '" + String(repeating: "z", count: 200_000) + "'")
            #expect(scripted.largestMessageBytes >= 200_000)

            let piped = try database.connect()
            try piped.pipeline([PostgresStatement("SELECT 1"), PostgresStatement("SELECT $1::text", [big])]) { _, _ in }
            #expect(piped.largestMessageBytes >= 300_000)
            // Many small rows are many small messages: a long result does not count as one message.
            let rows = try database.connect()
            try rows.query("SELECT g, repeat('r', 100) AS pad FROM generate_series(1, 20000) AS g")
            #expect(rows.largestMessageBytes < 1_000)
        }
    }

    @Test func arraysAreDecoded() throws {
        try ScratchDatabase.with { _, connection in
            let row = try #require(try connection.query("SELECT ARRAY['a', 'b c', NULL, 'd\"e']::text[] AS xs").first)
            #expect(try row.stringArray("xs") == ["a", "b c", nil, "d\"e"])
        }
    }

    @Test func serverErrorsCarrySQLStateAndPosition() throws {
        try ScratchDatabase.with { _, connection in
            let error = try #require(throws: PostgresError.self) { try connection.query("SELEC 1") }
            #expect(error.sqlState == .syntaxError)
            #expect(error.kind == .server)
            #expect(error.position == 1)
            #expect(error.statement == "SELEC 1")
            #expect(error.function == "PQexecParams")
            #expect(connection.isConnected)
        }
    }

    @Test func missingTableCarriesSQLStateAndTheStatement() throws {
        try ScratchDatabase.with { _, connection in
            let sql = "SELECT * FROM missing_table"
            let error = try #require(throws: PostgresError.self) { try connection.query(sql) }
            #expect(error.kind == .server)
            #expect(error.sqlState == SQLState("42P01"))
            #expect(error.severity == "ERROR")
            #expect(error.message == #"relation "missing_table" does not exist"#)
            #expect(error.statement == sql)
            #expect(error.function == "PQexecParams")
            #expect(error.position == 15)
            #expect(error.description == #"relation "missing_table" does not exist (SQLSTATE 42P01)"#)
            #expect(String(reflecting: error).contains("statement: \(sql)"))
            #expect(connection.isConnected)
            // The simple-query path records its script the same way.
            let script = "CREATE TABLE present (v int); \(sql);"
            let scriptError = try #require(throws: PostgresError.self) { try connection.execute(script: script) }
            #expect(scriptError.sqlState?.rawValue == "42P01")
            #expect(scriptError.statement == script)
            #expect(scriptError.function == "PQgetResult")
        }
    }

    @Test func uniqueViolationIsRecognised() throws {
        try ScratchDatabase.with { _, connection in
            try connection.execute(script: "CREATE TABLE t (id int primary key); INSERT INTO t VALUES (1);")
            let error = try #require(throws: PostgresError.self) {
                try connection.query("INSERT INTO t VALUES ($1)", [1])
            }
            #expect(error.sqlState == .uniqueViolation)
            #expect(error.detail?.contains("already exists") == true)
        }
    }

    @Test func failedConnectIsAnErrorNotACrash() throws {
        let server = try TestEnvironment.postgresServer()
        let configuration = PostgresConfiguration(
            dsn: "host=\(server.host) port=1 user=nobody dbname=x",
            connectTimeoutSeconds: 2)
        let error = try #require(throws: PostgresError.self) { try PostgresConnection.connect(configuration) }
        #expect(error.kind == .connect)
        #expect(error.isConnectionLoss)
        let bogus = PostgresConfiguration(dsn: "bogus=1")
        #expect(throws: PostgresError.self) { try PostgresConnection.connect(bogus) }
    }

    @Test func wrongPasswordIsAClearAuthenticationError() throws {
        // The scratch cluster trusts every role on its socket except this one (scram-sha-256, scripts/scratch-postgres.sh).
        let server = try TestEnvironment.postgresServer()
        let role = try TestEnvironment.passwordRole()
        let dsn = "host=\(server.host) port=\(server.port) user=\(role.user) dbname=postgres"
        let wrong = "wrong-" + role.password
        let error = try #require(throws: PostgresError.self) {
            try PostgresConnection.connect(PostgresConfiguration(dsn: dsn, password: wrong, connectTimeoutSeconds: 5))
        }
        #expect(error.kind == .connect)
        #expect(error.function == "PQconnectdbParams")
        #expect(error.message.contains(#"password authentication failed for user "\#(role.user)""#))
        #expect(!String(reflecting: error).contains(wrong))
        // Without any password libpq refuses before authenticating (a ~/.pgpass is kept out of it).
        let none = try #require(throws: PostgresError.self) {
            try PostgresConnection.connect(
                PostgresConfiguration(
                    dsn: dsn + " passfile=/nonexistent/enginesync-pgpass",
                    connectTimeoutSeconds: 5))
        }
        #expect(none.kind == .connect)
        #expect(none.message.contains("no password supplied"))
        // The right password connects, and the server stored a SCRAM verifier for it.
        let connection = try PostgresConnection.connect(
            PostgresConfiguration(dsn: dsn, password: role.password, connectTimeoutSeconds: 5))
        #expect(try connection.query("SELECT current_user AS u").first?.string("u") == role.user)
        let admin = try PostgresConnection.connect(
            PostgresConfiguration(
                dsn: "host=\(server.host) port=\(server.port) user=\(server.user) dbname=postgres",
                connectTimeoutSeconds: 5))
        let verifier = try admin.query("SELECT rolpassword FROM pg_authid WHERE rolname = $1", [role.user])
        #expect(try verifier.first?.string("rolpassword").hasPrefix("SCRAM-SHA-256$") == true)
    }

    @Test func uriAndKeywordDSNBothConnect() throws {
        try ScratchDatabase.with { database, _ in
            let encodedHost = database.host.replacingOccurrences(of: "/", with: "%2F")
            let uri = "postgresql://\(database.user)@/\(database.name)?host=\(encodedHost)&port=\(database.port)"
            let connection = try PostgresConnection.connect(PostgresConfiguration(dsn: uri))
            #expect(try connection.query("SELECT current_database() AS d").first?.string("d") == database.name)
        }
    }

    @Test func transactionsRollBackOnThrow() throws {
        try ScratchDatabase.with { _, connection in
            try connection.query("CREATE TABLE t (v int)")
            struct Boom: Error {}
            var caught: (any Error)?
            do {
                try connection.withTransaction { () throws -> Void in
                    try connection.query("INSERT INTO t VALUES (1)")
                    throw Boom()
                }
            } catch {
                caught = error
            }
            #expect(caught is Boom)
            try connection.withTransaction {
                try connection.query("INSERT INTO t VALUES (2)")
                #expect(throws: PostgresError.self) {
                    try connection.withSavepoint("sp") { try connection.query("INSERT INTO t VALUES ('x')") }
                }
                try connection.query("INSERT INTO t VALUES (3)")
            }
            let values = try connection.query("SELECT v FROM t ORDER BY v").rows.map { try $0.int("v") }
            #expect(values == [2, 3])
        }
    }

    /// Issue 13: a transaction error says which phase failed.
    @Test func transactionErrorsSayWhichPhaseFailed() throws {
        try ScratchDatabase.with { database, connection in
            try connection.query("CREATE TABLE d (v int UNIQUE DEFERRABLE INITIALLY DEFERRED)")
            // The body: a statement fails and is rolled back.
            let body = try #require(throws: PostgresError.self) {
                try connection.withTransaction { try connection.query("INSERT INTO d VALUES ('x')") }
            }
            #expect(body.transactionPhase == .body)
            #expect(!body.description.contains(" during "))
            // COMMIT: a deferred unique constraint is checked only then.
            let commit = try #require(throws: PostgresError.self) {
                try connection.withTransaction { try connection.query("INSERT INTO d VALUES (1), (1)") }
            }
            #expect(commit.transactionPhase == .commit)
            #expect(commit.sqlState == .uniqueViolation)
            #expect(commit.description.hasSuffix("during COMMIT"), "\(commit.description)")
            // A savepoint's error inside a transaction keeps the phase the transaction gives it.
            let inner = try #require(throws: PostgresError.self) {
                try connection.withTransaction {
                    try connection.withSavepoint("sp") { try connection.query("SELECT 1/0") }
                }
            }
            #expect(inner.transactionPhase == .body && inner.sqlState == SQLState("22012"))
            // A lost connection fails BEGIN.
            let pid = try #require(try connection.query("SELECT pg_backend_pid() AS pid").first?.int("pid"))
            try database.connect().query("SELECT pg_terminate_backend($1)", [pid])
            let begin = try #require(throws: PostgresError.self) { try connection.withTransaction {} }
            #expect(begin.transactionPhase == .begin)
        }
    }

    @Test func settingsAreApplied() throws {
        try ScratchDatabase.with { _, connection in
            try connection.setTimeouts(lock: .seconds(3), statement: .seconds(600), idleInTransaction: .seconds(60))
            try connection.setSearchPath(["pg_catalog"])
            #expect(try connection.query("SHOW lock_timeout").first?.string("lock_timeout") == "3s")
            #expect(try connection.query("SHOW statement_timeout").first?.string("statement_timeout") == "10min")
            #expect(try connection.query("SHOW search_path").first?.string("search_path") == "\"pg_catalog\"")
        }
    }

    @Test func quotingGoesThroughLibpq() throws {
        try ScratchDatabase.with { _, connection in
            #expect(try connection.escapeIdentifier("users") == "\"users\"")
            #expect(try connection.escapeIdentifier("a\"b") == "\"a\"\"b\"")
            #expect(try connection.escapeIdentifier("Mixed Case") == "\"Mixed Case\"")
            #expect(try connection.escapeLiteral("it's") == "'it''s'")
            #expect(try connection.escapeLiteral("back\\slash") == " E'back\\\\slash'")
            #expect(throws: PostgresError.self) { try connection.escapeIdentifier("nul\u{0}after") }
            #expect(throws: PostgresError.self) { try connection.escapeLiteral("nul\u{0}after") }
            // A round trip through the server stores the exact name.
            let name = "We\"ird; DROP TABLE x; --"
            try connection.query("CREATE TABLE \(try connection.escapeIdentifier(name)) (v int)")
            #expect(try connection.query("SELECT relname FROM pg_class WHERE relname = $1", [name]).rows.count == 1)

            // Non-ASCII: multi-byte UTF-8, CJK, emoji (one with a ZWJ sequence), and a combining character.
            // Swift's == treats "e\u{301}" and "é" as equal, so the round trips compare UTF-8 bytes: PostgreSQL
            // does not normalise, and precomposed and decomposed names are two different columns.
            let table = "Tåble 日本語 🐘"
            let columns = ["ünïcødé", "日本語", "🐘👩‍💻", "\u{E9}", "e\u{301}", "naïve \"quöted\""]
            let literals = ["ünïcødé's", "日本語のテキスト", "🐘🚀👩‍💻", "\u{E9}", "cafe\u{301}", "back\\slash ü 'ß'"]
            for identifier in [table] + columns {
                let quoted = try connection.escapeIdentifier(identifier)
                let expected = "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                #expect(Array(quoted.utf8) == Array(expected.utf8))
            }
            #expect(Array(try connection.escapeLiteral("日本語").utf8) == Array("'日本語'".utf8))
            #expect(Array(try connection.escapeLiteral("cafe\u{301}").utf8) == Array("'cafe\u{301}'".utf8))
            let quotedTable = try connection.escapeIdentifier(table)
            let quotedColumns = try columns.map { try connection.escapeIdentifier($0) }
            try connection.query(
                "CREATE TABLE \(quotedTable) (" + quotedColumns.map { "\($0) text" }.joined(separator: ", ") + ")")
            let values = try literals.map { try connection.escapeLiteral($0) }
            try connection.query(
                "INSERT INTO \(quotedTable) (\(quotedColumns.joined(separator: ", "))) VALUES (\(values.joined(separator: ", ")))"
            )
            let stored = try connection.query("SELECT \(quotedColumns.joined(separator: ", ")) FROM \(quotedTable)")
            #expect(stored.columns.map { Array($0.utf8) } == columns.map { Array($0.utf8) })
            let row = try #require(stored.first)
            #expect(row.values.map { $0.map { Array($0.utf8) } } == literals.map { Optional(Array($0.utf8)) })
            // The catalog holds the exact bytes too, and finds the table by its exact name.
            let names = try connection.query(
                """
                SELECT attname::text AS name FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 ORDER BY attnum
                """, [quotedTable])
            #expect(try names.rows.map { Array(try $0.string("name").utf8) } == columns.map { Array($0.utf8) })
            #expect(try connection.query("SELECT relname FROM pg_class WHERE relname = $1", [table]).rows.count == 1)
        }
    }

    @Test func noticesAreCapturedNotPrinted() throws {
        try ScratchDatabase.with { _, connection in
            try connection.query("DO $$ BEGIN RAISE NOTICE 'hello %', 42; RAISE WARNING 'careful'; END $$")
            let notices = connection.drainNotices()
            #expect(notices.map(\.message) == ["hello 42", "careful"])
            #expect(notices.map(\.severity) == ["NOTICE", "WARNING"])
            #expect(connection.drainNotices().isEmpty)
        }
    }

    @Test func scriptsRunAsOneImplicitTransaction() throws {
        try ScratchDatabase.with { _, connection in
            try connection.query("CREATE TABLE t (v int)")
            let error = try #require(throws: PostgresError.self) {
                try connection.execute(
                    script: "INSERT INTO t VALUES (1); INSERT INTO t VALUES ('bad'); INSERT INTO t VALUES (3);")
            }
            #expect(error.sqlState?.rawValue == "22P02")
            #expect(try connection.query("SELECT count(*) AS n FROM t").first?.int("n") == 0)
        }
    }

    @Test func connectionLossIsRecognisable() throws {
        try ScratchDatabase.with { database, victim in
            let pid = try #require(try victim.query("SELECT pg_backend_pid() AS pid").first?.int("pid"))
            let killer = try database.connect()
            try killer.query("SELECT pg_terminate_backend($1)", [pid])
            let error = try #require(throws: PostgresError.self) { try victim.query("SELECT 1") }
            #expect(error.isConnectionLoss)
            #expect(!victim.isConnected)
            let again = try #require(throws: PostgresError.self) { try victim.query("SELECT 1") }
            #expect(again.kind == .connectionLost)
        }
    }

    @Test func keepalivesAreDefaultsTheDSNMayOverride() throws {
        try ScratchDatabase.with { database, plain in
            #expect(plain.connectionOption("keepalives_idle") == nil)
            var configuration = database.configuration
            configuration.keepalives = PostgresConfiguration.Keepalives()
            let connection = try PostgresConnection.connect(configuration)
            #expect(connection.connectionOption("keepalives") == "1")
            #expect(connection.connectionOption("keepalives_idle") == "30")
            #expect(connection.connectionOption("keepalives_interval") == "10")
            #expect(connection.connectionOption("keepalives_count") == "3")
            #expect(connection.connectionOption("tcp_user_timeout") == "60000")
            configuration.dsn = database.dsn + " keepalives_idle=5"
            #expect(try PostgresConnection.connect(configuration).connectionOption("keepalives_idle") == "5")
        }
    }

    @Test func redactedDSNHidesThePassword() {
        let configuration = PostgresConfiguration(dsn: "host=/tmp user=app password=s3cret dbname=app")
        #expect(!configuration.redactedDSN.contains("s3cret"))
        #expect(configuration.redactedDSN.contains("user=app"))
        let uri = PostgresConfiguration(dsn: "postgresql://app:s3cret@db.example.com/app")
        #expect(!uri.redactedDSN.contains("s3cret"))
        #expect(
            PostgresConfiguration(dsn: "host='unterminated password=s3cret").redactedDSN.contains("s3cret") == false)
        #expect(PostgresConfiguration(dsn: "nonsense").validateDSN() != nil)
    }
}
