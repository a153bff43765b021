import EngineSyncTestSupport
import Foundation
import PostgresClient
import Testing

@Suite("PostgresConnection against a scratch cluster")
struct PostgresConnectionTests {
    @Test func queryWithParametersCopiesTextAndNull() throws {
        try ScratchDatabase.with { database, connection in
        let result = try connection.query("SELECT $1::int + 1 AS n, $2::text AS t, NULL::text AS z, true AS b",
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

    @Test func uniqueViolationIsRecognised() throws {
        try ScratchDatabase.with { _, connection in
        try connection.execute(script: "CREATE TABLE t (id int primary key); INSERT INTO t VALUES (1);")
        let error = try #require(throws: PostgresError.self) { try connection.query("INSERT INTO t VALUES ($1)", [1]) }
        #expect(error.sqlState == .uniqueViolation)
        #expect(error.detail?.contains("already exists") == true)
        }
    }

    @Test func failedConnectIsAnErrorNotACrash() throws {
        let server = try TestEnvironment.postgresServer()
        let configuration = PostgresConfiguration(dsn: "host=\(server.host) port=1 user=nobody dbname=x",
                                                  connectTimeoutSeconds: 2)
        let error = try #require(throws: PostgresError.self) { try PostgresConnection.connect(configuration) }
        #expect(error.kind == .connect)
        #expect(error.isConnectionLoss)
        let bogus = PostgresConfiguration(dsn: "bogus=1")
        #expect(throws: PostgresError.self) { try PostgresConnection.connect(bogus) }
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

    @Test func settingsAreApplied() throws {
        try ScratchDatabase.with { _, connection in
        try connection.setTimeouts(lockMilliseconds: 3000, statementMilliseconds: 600_000, idleInTransactionMilliseconds: 60_000)
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
            try connection.execute(script: "INSERT INTO t VALUES (1); INSERT INTO t VALUES ('bad'); INSERT INTO t VALUES (3);")
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
        #expect(PostgresConfiguration(dsn: "host='unterminated password=s3cret").redactedDSN.contains("s3cret") == false)
        #expect(PostgresConfiguration(dsn: "nonsense").validateDSN() != nil)
    }
}
