import EngineSync
import EngineSyncCore
import EngineSyncTestSupport
import Foundation
import PostgresClient
import Testing

/// SIGINT (Ctrl-C), SIGTERM and SIGHUP (the terminal closed) to a one-shot `sync` or `migrate up` waiting in the
/// lock queue: the running statement is cancelled, its transaction rolls back, the server session is gone at
/// once, and the process exits 130 / 143 / 129 (issue 12 item 10; docs/OPERATIONS.md).
@Suite("enginesync sync and migrate up stopped by a signal")
struct InterruptProcessTests {
    typealias Story = ReconcileStory

    static let post = #"{"fields": {"title": {"type": "string", "length": 50}}}"#

    @Test(arguments: [SIGINT, SIGTERM, SIGHUP])
    func aSignalCancelsTheWaitingSyncAndExitsNonZero(signal: Int32) throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit(["dsl/meta/dsl.json": Story.snapshotModel, "dsl/models/post.json": Self.post])
            #expect(Story.reconcile(database, repository).report.outcome == .synced)
            try repository.commit([
                "dsl/models/post.json":
                    #"{"fields": {"title": {"type": "string", "length": 50}, "slug": {"type": "string"}}}"#
            ])
            let observer = try database.connect()
            // The application holds a lock the ALTER TABLE waits for.
            try connection.execute(script: "BEGIN; LOCK TABLE public.post IN ACCESS SHARE MODE;")
            let process = try EngineSyncBinary.start([
                "sync", "--repo", repository.path, "--database", database.dsn,
                "--format", "json", "--lock-timeout", "60s",
            ])
            let backend = try Self.waitUntilWaitingOnALock(observer)
            let signalled = Date()
            kill(process.processIdentifier, signal)
            let result = process.wait()
            let elapsed = Date().timeIntervalSince(signalled)
            #expect(result.status == 128 + signal, "\(result.stdout)\(result.stderr)")
            #expect(elapsed < 5, "exited \(elapsed) s after the signal")
            #expect(result.stderr.contains("cancelling the running statement"), "\(result.stderr)")
            #expect(try Self.backendGone(observer, pid: backend), "backend \(backend) still in pg_stat_activity")
            try connection.execute(script: "ROLLBACK;")
            // Nothing committed: no new column, no new snapshot.
            #expect(
                try Story.count(
                    observer,
                    """
                    SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'post' AND column_name = 'slug'
                    """) == 0)
            #expect(try Story.count(observer, "SELECT count(*)::int AS n FROM dsl") == 1)
            let report = try ReconcileReport.decode(Data(result.stdout.utf8))
            #expect(report.outcome == .failed)
            #expect(report.errors.contains { $0.sqlstate == "57014" }, "\(report.errors)")
        }
    }

    @Test func sigintCancelsAWaitingMigrationAndRecordsNothing() throws {
        try ScratchDatabase.with { database, connection in
            try connection.execute(script: "CREATE TABLE public.orders (id int);")
            let directory = NSTemporaryDirectory() + "enginesync-interrupt-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: directory) }
            try FileManager.default.createDirectory(
                atPath: directory + "/migrations", withIntermediateDirectories: true)
            try Data("CREATE TABLE before_wait (id int);\nALTER TABLE orders ADD COLUMN total int;\n".utf8)
                .write(to: URL(fileURLWithPath: directory + "/migrations/0001_total.sql"))
            let observer = try database.connect()
            try connection.execute(script: "BEGIN; LOCK TABLE public.orders IN ACCESS SHARE MODE;")
            // migrate up's lock_timeout is the 3 s default: the signal comes well before it.
            let process = try EngineSyncBinary.start(["migrate", "up", "--dir", directory, "--database", database.dsn])
            let backend = try Self.waitUntilWaitingOnALock(observer)
            let signalled = Date()
            kill(process.processIdentifier, SIGINT)
            let result = process.wait()
            #expect(result.status == 130, "\(result.stdout)\(result.stderr)")
            #expect(Date().timeIntervalSince(signalled) < 2.5)
            #expect(
                result.stderr.contains("57014") || result.stderr.contains("canceling statement"), "\(result.stderr)")
            #expect(try Self.backendGone(observer, pid: backend))
            try connection.execute(script: "ROLLBACK;")
            #expect(try Story.count(observer, "SELECT count(*)::int AS n FROM public.engine_migrations") == 0)
            #expect(
                try Story.count(observer, "SELECT count(*)::int AS n FROM pg_class WHERE relname = 'before_wait'") == 0)
        }
    }

    /// The pid of the other backend of this database waiting on a heavyweight lock.
    static func waitUntilWaitingOnALock(_ observer: PostgresConnection) throws -> Int {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let pid = try observer.query(
                """
                SELECT pid FROM pg_catalog.pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()
                """
            ).first?.int("pid") {
                return pid
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Issue.record("no backend ever waited on the lock")
        return -1
    }

    /// Whether `pid` leaves pg_stat_activity within two seconds.
    static func backendGone(_ observer: PostgresConnection, pid: Int) throws -> Bool {
        let deadline = Date().addingTimeInterval(2)
        repeat {
            if try Story.count(
                observer, "SELECT count(*)::int AS n FROM pg_catalog.pg_stat_activity WHERE pid = \(pid)") == 0
            {
                return true
            }
            Thread.sleep(forTimeInterval: 0.05)
        } while Date() < deadline
        return false
    }
}
