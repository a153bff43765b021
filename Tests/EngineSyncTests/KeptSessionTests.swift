import EngineSync
import EngineSyncCore
import EngineSyncDaemon
import EngineSyncTestSupport
import Foundation
import Logging
import PostgresClient
import Testing

/// Issue 14: the daemon keeps the session of a reconcile that ended cleanly for the next one (`KeptSession`). Every
/// reconcile still starts from a known state: enginesync's settings, no lock, no leftover of a migration, the standby
/// check asked again; a connection that died while idle is replaced without failing the reconcile.
@Suite("KeptSession: the daemon's session between reconciles")
struct KeptSessionTests {
    static let settings = SessionSettings(schema: "public", timeouts: SessionTimeouts())

    /// The client backends connected to the test's database, other than `connection` itself.
    static func otherBackends(_ connection: PostgresConnection) throws -> [Int] {
        try connection.query(
            """
            SELECT pid FROM pg_catalog.pg_stat_activity
            WHERE datname = pg_catalog.current_database() AND pid <> pg_catalog.pg_backend_pid()
              AND backend_type = 'client backend'
            ORDER BY pid
            """
        ).rows.map { try $0.int("pid") }
    }

    /// `otherBackends` once `done` says so (a closed connection's backend leaves `pg_stat_activity` a moment after
    /// the client is gone), or as they are after 15 s.
    static func otherBackends(_ connection: PostgresConnection, until done: ([Int]) -> Bool) throws -> [Int] {
        let deadline = Date().addingTimeInterval(15)
        var pids = try otherBackends(connection)
        while !done(pids), Date() < deadline {
            usleep(50_000)
            pids = try otherBackends(connection)
        }
        return pids
    }

    /// Terminates backend `pid` and waits until it is gone.
    static func terminate(_ pid: Int, from connection: PostgresConnection) throws {
        try connection.query("SELECT pg_catalog.pg_terminate_backend($1::int)", [pid])
        _ = try otherBackends(connection) { !$0.contains(pid) }
    }

    static func configuration(dsn: String, state: String, repository: ScratchRepository) -> DaemonConfiguration {
        var configuration = DaemonConfiguration(source: .repository(path: repository.path))
        configuration.database = dsn
        configuration.stateDirectory = state
        return configuration
    }

    static func temporaryState() -> String {
        NSTemporaryDirectory() + "enginesync-state-" + UUID().uuidString
    }

    @Test func whateverWasSetOnTheSessionIsUndoneBeforeItIsTakenUpAgain() throws {
        try ScratchDatabase.with { database, connection in
            let role = "es_kept_" + UUID().uuidString.prefix(8).lowercased()
            try connection.query("CREATE ROLE \(role)")
            defer { _ = try? connection.query("DROP ROLE IF EXISTS \(role)") }
            let kept = KeptSession(logger: Logger(label: "test"))
            let first = try kept.checkOut(database.configuration, settings: Self.settings, progress: nil)
            let pid = try first.connection.query("SELECT pg_catalog.pg_backend_pid() AS pid").first?.int("pid")
            try first.connection.execute(
                script: """
                    SET search_path = '';
                    SET lock_timeout = 0;
                    SET statement_timeout = '1h';
                    SET TimeZone = 'America/New_York';
                    CREATE TEMPORARY TABLE leftover (x int);
                    PREPARE leftover_statement AS SELECT 1;
                    SELECT pg_catalog.pg_advisory_lock(42);
                    SELECT pg_catalog.pg_advisory_lock(\(EngineSyncLock.key));
                    SET ROLE \(role);
                    """)
            kept.checkIn(first)
            #expect(kept.isHoldingSession)

            let progress = ReconcileProgress()
            let second = try kept.checkOut(database.configuration, settings: Self.settings, progress: progress)
            #expect(second === first)
            #expect(kept.resumed == 1)
            #expect(!kept.isHoldingSession)
            let row = try #require(
                try second.connection.query(
                    """
                    SELECT pg_catalog.pg_backend_pid() AS pid, current_user::text AS role,
                           pg_catalog.current_setting('search_path') AS search_path,
                           pg_catalog.current_setting('lock_timeout') AS lock_timeout,
                           pg_catalog.current_setting('statement_timeout') AS statement_timeout,
                           pg_catalog.current_setting('idle_in_transaction_session_timeout') AS idle_timeout,
                           pg_catalog.current_setting('TimeZone') = s.reset_val AS default_time_zone,
                           pg_catalog.to_regclass('pg_temp.leftover') IS NULL AS no_temporary_table,
                           NOT EXISTS (SELECT 1 FROM pg_catalog.pg_prepared_statements) AS no_prepared_statement
                    FROM pg_catalog.pg_settings s WHERE s.name = 'TimeZone'
                    """
                ).first)
            #expect(try row.int("pid") == pid)
            #expect(try row.string("role") != role)
            #expect(try row.string("search_path") == #""public", "pg_catalog""#)
            #expect(try row.string("lock_timeout") == "3s")
            #expect(try row.string("statement_timeout") == "10min")
            #expect(try row.string("idle_timeout") == "10min")
            #expect(try row.bool("default_time_zone"))
            #expect(try row.bool("no_temporary_table"))
            #expect(try row.bool("no_prepared_statement"))
            // No advisory lock survives: neither enginesync's nor one a migration took.
            #expect(
                try connection.query(
                    "SELECT count(*)::int AS n FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND pid = $1", [pid]
                ).first?.int("n") == 0)
            // The resumed session is registered for a graceful shutdown's cancel, and another lock taker gets in.
            #expect(progress.cancelRunningStatement())
            #expect(try EngineSyncLock.tryLock(connection))
            try EngineSyncLock.unlock(connection)
        }
    }

    @Test func aSessionInsideATransactionOrWithADeadConnectionIsNeverKept() throws {
        try ScratchDatabase.with { database, connection in
            let kept = KeptSession(logger: Logger(label: "test"))
            let inTransaction = try kept.checkOut(database.configuration, settings: Self.settings, progress: nil)
            try inTransaction.connection.query("BEGIN")
            try inTransaction.connection.query("SELECT 1")
            kept.checkIn(inTransaction)
            #expect(!kept.isHoldingSession)
            let failedTransaction = try kept.checkOut(database.configuration, settings: Self.settings, progress: nil)
            try failedTransaction.connection.query("BEGIN")
            #expect(throws: PostgresError.self) { try failedTransaction.connection.query("SELECT 1 / 0") }
            kept.checkIn(failedTransaction)
            #expect(!kept.isHoldingSession)

            let killed = try kept.checkOut(database.configuration, settings: Self.settings, progress: nil)
            let pid = try #require(try killed.connection.query("SELECT pg_catalog.pg_backend_pid() AS pid").first)
                .int("pid")
            try Self.terminate(pid, from: connection)
            #expect(throws: PostgresError.self) { try killed.connection.query("SELECT 1") }
            kept.checkIn(killed)
            #expect(!kept.isHoldingSession)
            // An adopted connection (a library user's) cannot be re-opened, so it is never kept either.
            let adopted = try DatabaseSession(adopting: try database.connect(), settings: Self.settings)
            kept.checkIn(adopted)
            #expect(!kept.isHoldingSession)
            // Different settings (a reloaded configuration) never take up a session kept with the old ones.
            let old = try kept.checkOut(database.configuration, settings: Self.settings, progress: nil)
            kept.checkIn(old)
            #expect(kept.isHoldingSession)
            let other = SessionSettings(schema: "public", timeouts: SessionTimeouts(lock: .seconds(9)))
            let fresh = try kept.checkOut(database.configuration, settings: other, progress: nil)
            #expect(fresh !== old)
            #expect(kept.resumed == 0)
        }
    }

    /// Checks out a session, sends a 100 kB parameter over it and checks it in; returns its identity.
    static func checkInAfterASmallMessage(_ kept: KeptSession, database: ScratchDatabase) throws -> ObjectIdentifier {
        let small = try kept.checkOut(database.configuration, settings: settings, progress: nil)
        try small.connection.query("SELECT $1::text", [String(repeating: "s", count: 100_000)])
        kept.checkIn(small)
        return ObjectIdentifier(small)
    }

    /// Checks out the kept session (`expected`), sends a 2 MiB parameter over it and checks it in; returns its
    /// backend's pid. The session is let go of on return.
    static func checkInAfterALargeMessage(
        _ kept: KeptSession, database: ScratchDatabase, expecting expected: ObjectIdentifier
    ) throws -> Int {
        let large = try kept.checkOut(database.configuration, settings: settings, progress: nil)
        #expect(ObjectIdentifier(large) == expected)
        let pid = try #require(try large.connection.query("SELECT pg_catalog.pg_backend_pid() AS pid").first)
            .int("pid")
        try large.connection.query("SELECT length($1::text)", [String(repeating: "l", count: 2 << 20)])
        kept.checkIn(large)
        return pid
    }

    /// A session whose connection carried a message of a megabyte or more (the whole snapshot document of a large
    /// DSL) is closed rather than kept: libpq would hold buffers that size for as long as the daemon idles. The
    /// next checkout connects again; a session that only moved small messages is kept.
    @Test func aSessionThatCarriedALargeMessageIsClosedNotKept() throws {
        try ScratchDatabase.with { database, connection in
            let kept = KeptSession(logger: Logger(label: "test"))
            let small = try Self.checkInAfterASmallMessage(kept, database: database)
            #expect(kept.isHoldingSession)

            let pid = try Self.checkInAfterALargeMessage(kept, database: database, expecting: small)
            #expect(!kept.isHoldingSession)
            // Its backend goes once the session is let go of; the next checkout is a new connection.
            #expect(try !Self.otherBackends(connection) { !$0.contains(pid) }.contains(pid))
            let next = try kept.checkOut(database.configuration, settings: Self.settings, progress: nil)
            let nextPID = try #require(try next.connection.query("SELECT pg_catalog.pg_backend_pid() AS pid").first)
                .int("pid")
            #expect(nextPID != pid)
            #expect(next.connection.largestMessageBytes < DatabaseSession.maxKeptMessageBytes)
        }
    }

    /// The kept connection is killed (`pg_terminate_backend`) between two pushes: the next push is synced all the
    /// same, on a new connection, which is the one kept afterwards. The idle daemon holds exactly one connection.
    @Test func aKeptConnectionKilledBetweenPushesIsReplacedAndThePushIsSynced() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            let state = Self.temporaryState()
            defer { try? FileManager.default.removeItem(atPath: state) }
            try repository.commit(["dsl/models/post.json": #"{"fields": {"title": {"type": "string"}}}"#])
            let reconciler = DaemonReconciler(
                configuration: Self.configuration(dsn: database.dsn, state: state, repository: repository),
                logger: Logger(label: "test"), progress: ReconcileProgress())
            #expect(reconciler.step().outcome == .synced)
            reconciler.waitForCatalogExport()
            let held = try Self.otherBackends(connection) { $0.count == 1 }
            #expect(held.count == 1, "\(held)")
            #expect(reconciler.keptSession.isHoldingSession)

            try Self.terminate(try #require(held.first), from: connection)
            try repository.commit([
                "dsl/models/post.json": #"{"fields": {"title": {"type": "string"}, "body": {"type": "text"}}}"#
            ])
            let step = reconciler.step()
            #expect(step.outcome == .synced, "\(step.errorDescription ?? "")")
            #expect(step.errorDescription == nil)
            #expect(reconciler.keptSession.replaced == 1)
            #expect(
                try ReconcileStory.value(connection, ReconcileStory.columnType("post", "body")) == "text")
            reconciler.waitForCatalogExport()
            let now = try Self.otherBackends(connection) { $0.count == 1 }
            #expect(now.count == 1 && now != held, "\(now) after \(held)")

            // The next push runs on the kept connection: no new backend.
            try repository.commit([
                "dsl/models/post.json":
                    #"{"fields": {"title": {"type": "string"}, "body": {"type": "text"}, "n": {"type": "int"}}}"#
            ])
            #expect(reconciler.step().outcome == .synced)
            #expect(reconciler.keptSession.resumed == 1)
            reconciler.waitForCatalogExport()
            #expect(try Self.otherBackends(connection) { $0.count == 1 } == now)
            reconciler.closeKeptSession()
            #expect(try Self.otherBackends(connection) { $0.isEmpty }.isEmpty)
        }
    }

    /// A migration that SETs things, takes an advisory lock of its own and creates a temporary table: none of it
    /// reaches the next reconcile on the kept session (the runner resets the settings; `DISCARD ALL` the rest).
    @Test func aMigrationsLeftoversDoNotReachTheNextReconcileOnTheKeptSession() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            let state = Self.temporaryState()
            defer { try? FileManager.default.removeItem(atPath: state) }
            try repository.commit([
                "dsl/models/post.json": #"{"fields": {"title": {"type": "string"}}}"#,
                "migrations/0001_session.sql": """
                SET search_path = '';
                SET lock_timeout = 0;
                SET statement_timeout = 0;
                SELECT pg_catalog.pg_advisory_lock(42);
                CREATE TEMPORARY TABLE migration_leftover (x int);

                """,
            ])
            let configuration = Self.configuration(dsn: database.dsn, state: state, repository: repository)
            let reconciler = DaemonReconciler(configuration: configuration, logger: Logger(label: "test"))
            let step = reconciler.step()
            #expect(step.outcome == .synced, "\(step.errorDescription ?? "")")
            reconciler.waitForCatalogExport()
            let pid = try #require(try Self.otherBackends(connection) { $0.count == 1 }.first)
            #expect(
                try connection.query(
                    "SELECT count(*)::int AS n FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND pid = $1", [pid]
                ).first?.int("n") == 0)

            let session = try reconciler.keptSession.checkOut(
                database.configuration,
                settings: SessionSettings(schema: "public", timeouts: configuration.reconcilerOptions.timeouts),
                progress: nil)
            let row = try #require(
                try session.connection.query(
                    """
                    SELECT pg_catalog.pg_backend_pid() AS pid,
                           pg_catalog.current_setting('search_path') AS search_path,
                           pg_catalog.current_setting('lock_timeout') AS lock_timeout,
                           pg_catalog.current_setting('statement_timeout') AS statement_timeout,
                           pg_catalog.to_regclass('pg_temp.migration_leftover') IS NULL AS no_temporary_table
                    """
                ).first)
            #expect(try row.int("pid") == pid)
            #expect(try row.string("search_path") == #""public", "pg_catalog""#)
            #expect(try row.string("lock_timeout") == "3s")
            #expect(try row.string("statement_timeout") == "10min")
            #expect(try row.bool("no_temporary_table"))
        }
    }

    /// A reloaded configuration (another `lock_timeout` here) closes the session kept under the old one: the next
    /// reconcile connects with the new settings. A graceful stop closes the session too.
    @Test func aReloadAndAStopCloseTheKeptSession() async throws {
        let database = try ScratchDatabase()
        defer { withExtendedLifetime(database) {} }
        do {
            let connection = try database.connect()
            let repository = try ScratchRepository()
            let state = Self.temporaryState()
            defer { try? FileManager.default.removeItem(atPath: state) }
            try repository.commit(["dsl/models/post.json": #"{"fields": {"title": {"type": "string"}}}"#])
            var configuration = Self.configuration(dsn: database.dsn, state: state, repository: repository)
            let worker = ReconcileWorker(configuration: configuration, logger: Logger(label: "test"))
            #expect(await worker.reconcileOnce(configuration: configuration).outcome == .synced)
            let before = try Self.otherBackends(connection) { $0.count == 1 }
            #expect(before.count == 1, "\(before)")

            configuration.lockTimeout = .seconds(5)
            try repository.commit([
                "dsl/models/post.json": #"{"fields": {"title": {"type": "string"}, "body": {"type": "text"}}}"#
            ])
            #expect(await worker.reconcileOnce(configuration: configuration).outcome == .synced)
            let after = try Self.otherBackends(connection) { $0.count == 1 && $0 != before }
            #expect(after.count == 1 && after != before, "\(after) after \(before)")
            await worker.closeSession()
            #expect(try Self.otherBackends(connection) { $0.isEmpty }.isEmpty)
        }
    }

    /// SPEC 4.3: after a connection lost during COMMIT (the transaction committed) the reconcile carries on over a new
    /// connection, and that one is kept: the next reconcile takes it up.
    @Test func theConnectionOpenedAfterALostCommitIsTheOneKept() throws {
        try ScratchDatabase.with { database, connection in
            let proxy = try CommitDroppingProxy(forwardingTo: database)
            defer { proxy.stop() }
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/meta/dsl.json": ReconcileStory.snapshotModel,
                "dsl/models/item.json": #"{"fields": {"name": {"type": "string"}}}"#,
            ])
            let kept = KeptSession(logger: Logger(label: "test"))
            let reconciler = Reconciler(
                database: proxy.configuration(for: database), options: ReconcilerOptions(lockWait: .zero),
                logger: Logger(label: "test"), snapshotCache: nil, keptSession: kept)
            #expect(reconciler.reconcile(.git(repository: repository.path, revision: "main")).report.outcome == .synced)
            let first = try #require(try Self.otherBackends(connection) { $0.count == 1 }.first)

            try repository.commit([
                "dsl/models/item.json": #"{"fields": {"name": {"type": "string"}, "code": {"type": "string"}}}"#
            ])
            proxy.arm()
            let lost = reconciler.reconcile(.git(repository: repository.path, revision: "main"))
            #expect(proxy.droppedCommits == 1)
            #expect(lost.report.outcome == .synced, "\(lost.report.errors)")
            #expect(lost.report.warnings.map(\.code).contains("commit_connection_lost"))
            #expect(kept.resumed == 1)
            #expect(kept.isHoldingSession)
            let second = try Self.otherBackends(connection) { $0.count == 1 && !$0.contains(first) }
            #expect(second.count == 1 && !second.contains(first), "\(second) after \(first)")

            try repository.commit([
                "dsl/models/item.json":
                    #"{"fields": {"name": {"type": "string"}, "code": {"type": "string"}, "n": {"type": "int"}}}"#
            ])
            #expect(reconciler.reconcile(.git(repository: repository.path, revision: "main")).report.outcome == .synced)
            #expect(kept.resumed == 2)
            #expect(kept.replaced == 0)
            #expect(try Self.otherBackends(connection) { $0 == second } == second)
        }
    }

    /// A failed reconcile keeps nothing: the next one starts on a new connection.
    @Test func aFailedReconcileDropsTheSession() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            let state = Self.temporaryState()
            defer { try? FileManager.default.removeItem(atPath: state) }
            try repository.commit([
                "dsl/models/post.json": #"{"fields": {"title": {"type": "string"}}}"#,
                "migrations/0001_bad.sql": "SELECT 1 / 0;\n",
            ])
            let reconciler = DaemonReconciler(
                configuration: Self.configuration(dsn: database.dsn, state: state, repository: repository),
                logger: Logger(label: "test"))
            #expect(reconciler.step().outcome == .failed)
            #expect(!reconciler.keptSession.isHoldingSession)
            #expect(try Self.otherBackends(connection) { $0.isEmpty }.isEmpty)
        }
    }
}

/// The kept session across a server restart and a demotion (Patroni restarts a demoted primary as a standby):
/// the dead connection is replaced and the standby check, asked on every reconcile, sees the new role.
@Suite("KeptSession: server restart and demotion between reconciles")
struct KeptSessionRestartTests {
    /// A private cluster, a repository with one model, and a daemon reconciler that synced it and kept its session.
    static func syncedOnPrivateCluster() throws -> (
        cluster: PrivatePostgresCluster, repository: ScratchRepository, state: String, reconciler: DaemonReconciler
    ) {
        let cluster = try PrivatePostgresCluster()
        let repository = try ScratchRepository()
        let state = KeptSessionTests.temporaryState()
        try repository.commit(["dsl/models/post.json": #"{"fields": {"title": {"type": "string"}}}"#])
        let reconciler = DaemonReconciler(
            configuration: KeptSessionTests.configuration(dsn: cluster.dsn(), state: state, repository: repository),
            logger: Logger(label: "test"))
        #expect(reconciler.step().outcome == .synced)
        #expect(reconciler.keptSession.isHoldingSession)
        return (cluster, repository, state, reconciler)
    }

    @Test func aServerRestartBetweenPushesIsNotAFailure() throws {
        let (cluster, repository, state, reconciler) = try Self.syncedOnPrivateCluster()
        defer { try? FileManager.default.removeItem(atPath: state) }

        try cluster.stop()
        try cluster.start()
        try repository.commit([
            "dsl/models/post.json": #"{"fields": {"title": {"type": "string"}, "body": {"type": "text"}}}"#
        ])
        let step = reconciler.step()
        #expect(step.outcome == .synced, "\(step.errorDescription ?? "")")
        #expect(reconciler.keptSession.replaced == 1)
        let connection = try PostgresConnection.connect(PostgresConfiguration(dsn: cluster.dsn()))
        #expect(try ReconcileStory.value(connection, ReconcileStory.columnType("post", "body")) == "text")
    }

    @Test func aDemotionBetweenPushesIsSeenAndThePromotionReconciled() throws {
        let (cluster, repository, state, reconciler) = try Self.syncedOnPrivateCluster()
        defer { try? FileManager.default.removeItem(atPath: state) }

        // Demoted: restarted in recovery (a standby with nothing to stream from yet).
        try cluster.stop()
        #expect(FileManager.default.createFile(atPath: cluster.directory + "/data/standby.signal", contents: nil))
        try cluster.start()
        let tip = try repository.commit([
            "dsl/models/post.json": #"{"fields": {"title": {"type": "string"}, "body": {"type": "text"}}}"#
        ])
        let standby = reconciler.step()
        #expect(standby.outcome == .standby, "\(standby.errorDescription ?? "")")
        #expect(standby.errorDescription == nil)
        #expect(!reconciler.keptSession.isHoldingSession)

        try cluster.promote()
        let promoted = reconciler.step()
        #expect(promoted.commit == tip)
        #expect(promoted.outcome == .synced, "\(promoted.errorDescription ?? "")")
        let connection = try PostgresConnection.connect(PostgresConfiguration(dsn: cluster.dsn()))
        #expect(try ReconcileStory.value(connection, ReconcileStory.columnType("post", "body")) == "text")
    }
}
