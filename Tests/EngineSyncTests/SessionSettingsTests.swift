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
            try repository.commit([
                "dsl/meta/dsl.json": ReconcileStory.snapshotModel,
                "dsl/models/post.json": #"{"fields": {"title": {"type": "string"}}}"#,
                "migrations/20260101_slow.sql": "CREATE TABLE slow_marker (id int);\nSELECT pg_sleep(5);\n",
            ])
            let result = ReconcileStory.reconcile(database, repository) { options in
                options.timeouts.statement = .milliseconds(300)
            }
            #expect(result.report.outcome == .failed)
            #expect(result.report.errors.contains { $0.sqlstate == "57014" }, "\(result.report.errors)")
            #expect(result.report.migrations.failed == ["20260101_slow"])
            #expect(
                try ReconcileStory.count(
                    connection, "SELECT count(*)::int AS n FROM pg_class WHERE relname = 'slow_marker'") == 0)
        }
    }

    /// Issue 13: the report's `started_at`/`duration_ms` (and `engine_reconciles.started_at`) cover the whole
    /// reconcile — source read, compile, connect, lock wait, migrations and Safe Sync — not Safe Sync alone.
    @Test func theReportsDurationCoversMigrationsAndEverythingBefore() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/models/post.json": #"{"fields": {"title": {"type": "string"}}}"#,
                "migrations/20260101_slow.sql": "SELECT pg_sleep(1.2);\n",
            ])
            let result = ReconcileStory.reconcile(database, repository)
            #expect(result.report.outcome == .synced, "\(result.report.errors)")
            #expect(
                result.report.durationMs >= 1_200, "duration_ms \(result.report.durationMs) leaves out the migration")
            let row = try #require(
                try connection.query(
                    """
                    SELECT (r.started_at <= m.executed_at - interval '1.1 seconds') AS before,
                           r.started_at = $1::timestamptz AS same
                    FROM engine_reconciles r, engine_migrations m WHERE m.id = '20260101_slow'
                    """, [result.report.startedAt]
                ).first)
            #expect(try row.bool("before") == true, "started_at is after the migration began")
            #expect(try row.bool("same") == true)
        }
    }

    /// Issue 13: the session sets the timeouts and `search_path` once, `reset()` undoes what a migration SET,
    /// and `reconnect()` re-applies everything on the new connection.
    @Test func theSessionCarriesItsSettingsThroughResetAndReconnect() throws {
        try ScratchDatabase.with { database, admin in
            try admin.query("CREATE SCHEMA app")
            let settings = SessionSettings(
                schema: "app",
                timeouts: SessionTimeouts(
                    lock: .milliseconds(1_500), statement: .seconds(250), idleInTransaction: .seconds(42)))
            let session = try DatabaseSession.connect(database.configuration, settings: settings)
            #expect(!session.isStandby)
            func current() throws -> [String] {
                let row = try #require(
                    try session.connection.query(
                        """
                        SELECT current_setting('lock_timeout') AS lock, current_setting('statement_timeout') AS statement,
                               current_setting('idle_in_transaction_session_timeout') AS idle,
                               current_setting('search_path') AS path
                        """
                    ).first)
                return try ["lock", "statement", "idle", "path"].map { try row.string($0) }
            }
            let expected = ["1500ms", "250s", "42s", #""app", "pg_catalog""#]
            #expect(try current() == expected)

            // What a migration (a pg_dump header) SETs is undone by reset().
            try session.connection.query("SET lock_timeout = 0")
            try session.connection.query("SELECT pg_catalog.set_config('search_path', '', false)")
            try session.reset()
            #expect(try current() == expected)

            try session.use(.catalogOnly)
            #expect(try current().last == #""pg_catalog""#)

            // A lost connection: the new one carries the same settings (and the current search_path).
            let pid = try #require(try session.connection.query("SELECT pg_backend_pid() AS pid").first?.int("pid"))
            try admin.query("SELECT pg_terminate_backend($1)", [pid])
            try session.reconnect()
            #expect(try session.connection.query("SELECT pg_backend_pid() AS pid").first?.int("pid") != pid)
            #expect(try current() == ["1500ms", "250s", "42s", #""pg_catalog""#])

            // An adopted connection gets the settings too, but cannot be re-opened.
            let adopted = try DatabaseSession(adopting: try database.connect(), settings: settings)
            #expect(
                try adopted.connection.query("SELECT current_setting('lock_timeout') AS v").first?.string("v")
                    == "1500ms")
            #expect(throws: DatabaseSession.CannotReconnect.self) { try adopted.reconnect() }
        }
    }
}
