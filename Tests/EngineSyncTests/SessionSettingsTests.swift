import EngineSync
import EngineSyncCore
import EngineSyncTestSupport
import Logging
import PostgresClient
import Testing

/// The reconcile session's timeouts (SPEC 4.3) are really set on the server.
@Suite("Reconcile session settings")
struct SessionSettingsTests {
    @Test func statementTimeoutStopsALongMigrationAndRollsItBack() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit(["dsl/meta/dsl.json": ReconcileStory.snapshotModel,
                                   "dsl/models/post.json": #"{"fields": {"title": {"type": "string"}}}"#,
                                   "migrations/20260101_slow.sql": "CREATE TABLE slow_marker (id int);\nSELECT pg_sleep(5);\n"])
            let result = ReconcileStory.reconcile(database, repository) { options in
                options.safeSync.statementTimeoutMilliseconds = 300
            }
            #expect(result.report.outcome == .failed)
            #expect(result.report.errors.contains { $0.sqlstate == "57014" }, "\(result.report.errors)")
            #expect(result.report.migrations.failed == ["20260101_slow"])
            #expect(try ReconcileStory.count(connection, "SELECT count(*)::int AS n FROM pg_class WHERE relname = 'slow_marker'") == 0)
        }
    }

    @Test func theSessionCarriesTheConfiguredTimeouts() throws {
        try ScratchDatabase.with { database, _ in
            let connection = try PostgresConnection.connect(database.configuration)
            try connection.setTimeouts(lockMilliseconds: 1_500, statementMilliseconds: 250_000, idleInTransactionMilliseconds: 42_000)
            let row = try #require(try connection.query("""
                SELECT current_setting('lock_timeout') AS lock, current_setting('statement_timeout') AS statement,
                       current_setting('idle_in_transaction_session_timeout') AS idle
                """).first)
            #expect(try row.string("lock") == "1500ms")
            #expect(try row.string("statement") == "250s")
            #expect(try row.string("idle") == "42s")
        }
    }
}
