import EngineSyncTestSupport
import Foundation
import PostgresClient
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("enginesync migrate, run as a user runs it")
struct MigrateCommandTests {
    /// A `--dir` root with `migrations/`, removed afterwards.
    final class Root {
        let path = NSTemporaryDirectory() + "enginesync-cli-" + UUID().uuidString
        init() throws {
            try FileManager.default.createDirectory(atPath: path + "/migrations", withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
        func write(_ id: String, _ sql: String) throws {
            try Data(sql.utf8).write(to: URL(fileURLWithPath: "\(path)/migrations/\(id).sql"))
        }
    }

    func rows(_ connection: PostgresConnection) throws -> [[String?]] {
        try connection.query("SELECT id, state, \"commit\" FROM engine_migrations ORDER BY id").rows.map(\.values)
    }

    @Test func statusAndUpFromARepository() throws {
        try ScratchDatabase.with { database, connection in
            let scratch = try ScratchRepository()
            try scratch.commit(["migrations/0001_a.sql": "CREATE TABLE a (id int);\n", "migrations/notes.txt": "x"])
            let tip = try scratch.commit(["migrations/0002_b.sql": "CREATE TABLE b (id int);\n"])
            try scratch.run(["checkout", "--quiet", "-b", "feature"])
            try scratch.commit(["migrations/0003_feature.sql": "CREATE TABLE f (id int);\n"])
            let source = ["--repo", scratch.path, "--database", database.dsn]

            let status = try EngineSyncBinary.run(["migrate", "status", "--format", "json"] + source)
            #expect(status.status == 0, "\(status.stderr)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
            #expect(json["pending"] as? [String] == ["0001_a", "0002_b"])
            #expect(json["executed"] as? [String] == [])
            #expect((json["warnings"] as? [[String: Any]])?.first?["code"] as? String == "ignored_file")

            let up = try EngineSyncBinary.run(["migrate", "up"] + source)
            #expect(up.status == 0, "\(up.stderr)")
            #expect(up.stdout.contains("applied 0001_a ("))
            #expect(up.stdout.contains("applied 0002_b ("))
            #expect(try rows(connection) == [["0001_a", "applied", tip], ["0002_b", "applied", tip]])

            let again = try EngineSyncBinary.run(["migrate", "up", "--format", "json"] + source)
            #expect(again.status == 0)
            let report = try #require(try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])
            #expect((report["applied"] as? [Any])?.isEmpty == true)

            let feature = try EngineSyncBinary.run(["migrate", "up", "--rev", "feature"] + source)
            #expect(feature.status == 0, "\(feature.stderr)")
            #expect(feature.stdout.contains("applied 0003_feature"))

            let text = try EngineSyncBinary.run(["migrate", "status"] + source)
            #expect(text.status == 0)
            #expect(text.stdout.contains("executed: 3"))
            #expect(text.stdout.contains("pending: 0"))
        }
    }

    @Test func changedChecksumExitsThreeAndRunsNothing() throws {
        try ScratchDatabase.with { database, connection in
            let root = try Root()
            try root.write("0001_a", "CREATE TABLE a (id int);")
            let source = ["--dir", root.path, "--database", database.dsn]
            #expect(try EngineSyncBinary.run(["migrate", "up"] + source).status == 0)
            try root.write("0001_a", "CREATE TABLE a (id bigint);")
            try root.write("0002_b", "CREATE TABLE b (id int);")
            let up = try EngineSyncBinary.run(["migrate", "up"] + source)
            #expect(up.status == 3)
            #expect(up.stderr.contains("migrations/0001_a.sql"))
            #expect(up.stderr.split(separator: "\n").count == 1)
            let status = try EngineSyncBinary.run(["migrate", "status"] + source)
            #expect(status.status == 3)
            #expect(status.stdout.contains("checksum mismatches: 1"))
            #expect(try connection.query("SELECT to_regclass('b') IS NULL AS absent").first?.bool("absent") == true)
        }
    }

    @Test func badFileExitsThree() throws {
        try ScratchDatabase.with { database, _ in
            let root = try Root()
            try root.write("0001_a", "")
            let result = try EngineSyncBinary.run(["migrate", "up", "--dir", root.path, "--database", database.dsn])
            #expect(result.status == 3)
            #expect(result.stderr.contains("migrations/0001_a.sql: is empty"))
        }
    }

    @Test func failedNoTransactionMigrationAndResolveThroughTheCLI() throws {
        try ScratchDatabase.with { database, connection in
            let root = try Root()
            try root.write("0001_table", "CREATE TABLE t (a int); INSERT INTO t VALUES (1), (1);")
            try root.write(
                "0002_unique",
                """
                -- enginesync: no-transaction
                CREATE UNIQUE INDEX CONCURRENTLY t_a ON t (a);
                """)
            try root.write("0003_later", "CREATE TABLE later (id int);")
            // The password must never be printed, even when everything fails.
            let source = ["--dir", root.path, "--database", database.dsn + " password=hunter2secret"]

            let up = try EngineSyncBinary.run(["migrate", "up"] + source)
            #expect(up.status == 1)
            #expect(up.stdout.contains("applied 0001_table"))
            #expect(up.stderr.contains("migrations/0002_unique.sql:2:"))
            #expect(up.stderr.contains("SQLSTATE 23505"))
            let status = try EngineSyncBinary.run(["migrate", "status"] + source)
            #expect(status.status == 1)
            #expect(status.stdout.contains("0002_unique (failed)"))
            #expect(status.stderr.contains("resolve 0002_unique"))
            let blocked = try EngineSyncBinary.run(["migrate", "up"] + source)
            #expect(blocked.status == 1)
            #expect(blocked.stderr.contains("enginesync migrate resolve 0002_unique --applied|--rolled-back"))

            let usage = try EngineSyncBinary.run(["migrate", "resolve", "0002_unique"] + source)
            #expect(usage.status == 64)
            #expect(usage.stderr.contains("--applied or --rolled-back"))

            try connection.query("DROP INDEX t_a")
            try connection.query("DELETE FROM t WHERE ctid = (SELECT max(ctid) FROM t)")
            let resolve = try EngineSyncBinary.run(["migrate", "resolve", "0002_unique", "--rolled-back"] + source)
            #expect(resolve.status == 0, "\(resolve.stderr)")
            let rerun = try EngineSyncBinary.run(["migrate", "up"] + source)
            #expect(rerun.status == 0, "\(rerun.stderr)")
            #expect(rerun.stdout.contains("applied 0002_unique"))
            #expect(rerun.stdout.contains("applied 0003_later"))
            #expect(try rows(connection).map { $0[1] } == ["applied", "applied", "applied"])

            let notFailed = try EngineSyncBinary.run(["migrate", "resolve", "0002_unique", "--applied"] + source)
            #expect(notFailed.status == 1)
            for result in [up, status, blocked, usage, resolve, rerun, notFailed] {
                #expect(!(result.stdout + result.stderr).contains("hunter2secret"))
            }
            let unreachable = try EngineSyncBinary.run([
                "migrate", "status", "--dir", root.path, "--database",
                "host=/nonexistent-socket-dir password=hunter2secret",
            ])
            #expect(unreachable.status == 1)
            #expect(unreachable.stderr.contains("cannot connect"))
            #expect(!unreachable.stderr.contains("hunter2secret"))
        }
    }

    @Test func usageErrorsExitSixtyFour() throws {
        let neither = try EngineSyncBinary.run(["migrate", "up", "--database", "dbname=x"])
        #expect(neither.status == 64)
        #expect(neither.stderr.contains("--repo"))
        let both = try EngineSyncBinary.run(["migrate", "status", "--repo", "/r", "--dir", "/d"])
        #expect(both.status == 64)
        let badDSN = try EngineSyncBinary.run(["migrate", "status", "--dir", "/d", "--database", "nokey=1"])
        #expect(badDSN.status == 64)
        #expect(badDSN.stderr.contains("--database"))
        let help = try EngineSyncBinary.run(["migrate", "up", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("Example"))
        #expect(help.stdout.contains("--lock-wait"))
    }

    /// SIGKILL while a statement after CREATE TABLE runs: nothing applied, nothing recorded; the next run
    /// applies the migration once.
    @Test func killedMidMigrationLeavesNothingBehind() throws {
        try ScratchDatabase.with { database, connection in
            let root = try Root()
            try root.write(
                "0001_slow",
                """
                CREATE TABLE created_before_kill (id int);
                SELECT pg_sleep(30);
                INSERT INTO created_before_kill VALUES (1);
                """)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try EngineSyncBinary.path)
            process.arguments = ["migrate", "up", "--dir", root.path, "--database", database.dsn]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            var sleeping: [String?] = []
            let deadline = Date().addingTimeInterval(20)
            while sleeping.isEmpty, Date() < deadline {
                sleeping = try connection.query(
                    """
                    SELECT pid::text FROM pg_stat_activity
                    WHERE datname = current_database() AND state = 'active' AND query LIKE 'SELECT pg_sleep%'
                    """
                ).rows.map { $0.values[0] }
                if sleeping.isEmpty { usleep(20_000) }
            }
            #expect(!sleeping.isEmpty, "the migration never reached pg_sleep")
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)
            // The orphaned backend would roll back when it notices the client is gone; end it now.
            for pid in sleeping.compactMap({ $0 }) {
                try connection.query("SELECT pg_terminate_backend($1::int)", [pid])
            }
            var remaining = 1
            while remaining > 0, Date() < deadline.addingTimeInterval(10) {
                remaining =
                    try connection.query(
                        """
                        SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
                        """
                    ).first?.int("n") ?? 0
                if remaining > 0 { usleep(20_000) }
            }
            #expect(
                try connection.query("SELECT to_regclass('created_before_kill') IS NULL AS absent").first?.bool(
                    "absent") == true)
            #expect(try connection.query("SELECT count(*)::int AS n FROM engine_migrations").first?.int("n") == 0)

            // Nothing was recorded, so the file may still change (no checksum to match): drop the wait and rerun.
            try root.write(
                "0001_slow",
                """
                CREATE TABLE created_before_kill (id int);
                SELECT pg_sleep(0);
                INSERT INTO created_before_kill VALUES (1);
                """)
            let rerun = try EngineSyncBinary.run(["migrate", "up", "--dir", root.path, "--database", database.dsn])
            #expect(rerun.status == 0, "\(rerun.stderr)")
            #expect(try connection.query("SELECT count(*)::int AS n FROM created_before_kill").first?.int("n") == 1)
            #expect(try rows(connection).map { $0[0] } == ["0001_slow"])
        }
    }

    @Test func twoProcessesApplyEachMigrationOnce() throws {
        try ScratchDatabase.with { database, connection in
            let root = try Root()
            try root.write("0001_log", "CREATE TABLE log (id text PRIMARY KEY);")
            for number in 2...4 {
                try root.write("000\(number)_step", "SELECT pg_sleep(0.2); INSERT INTO log VALUES ('\(number)');")
            }
            let arguments = ["migrate", "up", "--dir", root.path, "--database", database.dsn, "--lock-wait", "30"]
            let results = Mutex2()
            DispatchQueue.concurrentPerform(iterations: 2) { _ in
                let result = try? EngineSyncBinary.run(arguments)
                results.append(result)
            }
            let all = results.values
            #expect(all.count == 2)
            #expect(all.allSatisfy { $0?.status == 0 })
            let appliedLines = all.compactMap { $0?.stdout }.joined().split(separator: "\n").filter {
                $0.hasPrefix("applied ")
            }
            #expect(appliedLines.count == 4)
            #expect(try connection.query("SELECT count(*)::int AS n FROM log").first?.int("n") == 3)
            #expect(try rows(connection).count == 4)
        }
    }
}

/// A tiny lock-protected list for results gathered from concurrent work.
final class Mutex2: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [EngineSyncBinary.Result?] = []
    func append(_ item: EngineSyncBinary.Result?) { lock.withLock { items.append(item) } }
    var values: [EngineSyncBinary.Result?] { lock.withLock { items } }
}
