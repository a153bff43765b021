import EngineSyncTestSupport
import Foundation
import PostgresClient
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 6: the daemon (`enginesync run`, the real binary as a child process) against real pushes to a
/// bare repository and a real database, checked through the report files and the catalog.
///
/// Timing-sensitive (scripts/test.sh runs it with `--no-parallel`). The daemon polls only every 60 s, so
/// every reconcile after the first is woken by the push itself; no test sleeps for a fixed time.
@Suite("enginesync run: pushes, failures, signals, crashes", .serialized)
struct DaemonScenarioProcessTests {
    typealias Remote = DaemonProcessTests.Remote
    static let model = "dsl/models/post.json"

    static func post(length: Int, _ extra: String = "") -> String {
        #"{"fields": {"title": {"type": "string", "length": \#(length)}\#(extra)}}"#
    }

    static func startDaemon(_ remote: Remote, dsn: String, state: String) throws -> DaemonProcess {
        try DaemonProcess(
            arguments: [
                "run", "--config", state + "/empty.yaml", "--repo", remote.bare.path, "--database", dsn,
                "--state-dir", state, "--poll-interval", "60s", "--max-backoff", "1s",
            ],
            environment: ["NOTIFY_SOCKET": ""], log: state + "/daemon.log")
    }

    static func log(_ state: String) -> String {
        (try? String(contentsOfFile: state + "/daemon.log", encoding: .utf8)) ?? "(no log)"
    }

    /// `<name>.json` parsed, or nil while it does not exist.
    static func report(_ state: String, _ name: String) -> [String: Any]? {
        guard let data = FileManager.default.contents(atPath: "\(state)/reports/\(name).json") else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    /// Polls for `<name>.json` (with `outcome`, when given).
    static func waitForReport(
        _ state: String, _ name: String, outcome: String? = nil,
        timeout: Double = 30
    ) -> [String: Any]? {
        var found: [String: Any]?
        _ = waitUntil(timeout: timeout) {
            found = report(state, name)
            return found != nil && (outcome == nil || found?["outcome"] as? String == outcome)
        }
        return found
    }

    /// The commit `latest.json` names.
    static func latestSHA(_ state: String) -> String? {
        (report(state, "latest")?["commit"] as? [String: Any])?["sha"] as? String
    }

    static func exists(_ state: String, _ file: String) -> Bool {
        FileManager.default.fileExists(atPath: "\(state)/reports/\(file)")
    }

    /// `format_type` of a column of `public.<table>`, nil when the table or column does not exist.
    static func columnType(_ connection: PostgresConnection, _ table: String, _ column: String) throws -> String? {
        try connection.query(
            """
            SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute \
            WHERE attrelid = to_regclass($1) AND attname = $2 AND attnum > 0 AND NOT attisdropped
            """, ["public." + table, column]
        ).first?.optionalString("type")
    }

    /// Every column of every table in `public`: the catalog state a reconcile could change.
    static func catalog(_ connection: PostgresConnection) throws -> [String] {
        try connection.query(
            """
            SELECT c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) AS line \
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid \
            WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1
            """
        ).rows.map { try $0.string("line") }
    }

    /// The commits recorded in `engine_reconciles`, oldest first.
    static func reconciledCommits(_ connection: PostgresConnection) throws -> [String] {
        try connection.query("SELECT commit FROM public.engine_reconciles ORDER BY id").rows.map {
            try $0.string("commit")
        }
    }

    static func count(_ connection: PostgresConnection, _ table: String, where condition: String, _ value: String)
        throws -> Int
    {
        guard
            try connection.query("SELECT to_regclass($1) IS NOT NULL AS present", ["public." + table]).first?.bool(
                "present") == true
        else { return 0 }
        return try connection.query("SELECT count(*)::int8 AS n FROM public.\(table) WHERE \(condition) = $1", [value])
            .first?.int("n") ?? 0
    }

    @Test func pushIsAppliedAndANarrowingIsBlockedLeavingTheColumnAlone() throws {
        try ScratchDatabase.with { database, connection in
            let remote = try Remote()
            let state = try DaemonProcessTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: state) }
            let daemon = try Self.startDaemon(remote, dsn: database.dsn, state: state)
            defer { daemon.kill() }

            let created = try remote.push([Self.model: Self.post(length: 200)], message: "create")
            let first = Self.waitForReport(state, created)
            #expect(first?["outcome"] as? String == "synced", "\(Self.log(state))")
            // The JSON file is written first, the Markdown file right after it.
            #expect(waitUntil(timeout: 10) { Self.exists(state, "\(created).md") })
            #expect(try Self.columnType(connection, "post", "title") == "character varying(200)")

            let narrowed = try remote.push([Self.model: Self.post(length: 50)], message: "narrow")
            let second = Self.waitForReport(state, narrowed)
            #expect(second?["outcome"] as? String == "blocked", "\(Self.log(state))")
            let blocked = (second?["blocked"] as? [[String: Any]]) ?? []
            #expect(blocked.count == 1)
            #expect(blocked.first?["column"] as? String == "title")
            #expect(try Self.columnType(connection, "post", "title") == "character varying(200)")
            // `<sha>.*` is written before `latest.*` (latest never names a report that is not stored): wait for it.
            #expect(
                waitUntil(timeout: 10) {
                    Self.latestSHA(state) == narrowed
                })
            #expect(daemon.terminate() == 0)
        }
    }

    @Test func severalCommitsInOnePushAreOneReconcileAtTheTipNamingTheRange() throws {
        try ScratchDatabase.with { database, connection in
            let remote = try Remote()
            let state = try DaemonProcessTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: state) }
            let base = try remote.push([Self.model: Self.post(length: 50)], message: "create")
            let daemon = try Self.startDaemon(remote, dsn: database.dsn, state: state)
            defer { daemon.kill() }
            #expect(Self.waitForReport(state, base)?["outcome"] as? String == "synced", "\(Self.log(state))")

            let one = try remote.work.commit(
                [Self.model: Self.post(length: 50, #", "body": {"type": "text"}"#)], message: "body")
            let two = try remote.work.commit(
                [Self.model: Self.post(length: 50, #", "body": {"type": "text"}, "views": {"type": "integer"}"#)],
                message: "views")
            let tip = try remote.work.commit(
                [Self.model: Self.post(length: 80, #", "body": {"type": "text"}, "views": {"type": "integer"}"#)],
                message: "widen")
            try remote.work.run(["push", "--quiet", remote.bare.path, "HEAD:refs/heads/main"])

            let report = Self.waitForReport(state, tip)
            #expect(report?["outcome"] as? String == "synced", "\(Self.log(state))")
            #expect(report?["commits"] as? [String] == [tip, two, one])
            #expect(report?["previous_commit"] as? String == base)
            #expect(!Self.exists(state, "\(one).json") && !Self.exists(state, "\(two).json"))
            #expect(try Self.reconciledCommits(connection) == [base, tip])
            #expect(try Self.columnType(connection, "post", "title") == "character varying(80)")
            #expect(try Self.columnType(connection, "post", "body") == "text")
            #expect(try Self.columnType(connection, "post", "views") == "integer")
            #expect(daemon.terminate() == 0)
        }
    }

    @Test func invalidPushLeavesTheDatabaseAloneAndTheDaemonRunning() throws {
        try ScratchDatabase.with { database, connection in
            let remote = try Remote()
            let state = try DaemonProcessTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: state) }
            let base = try remote.push([Self.model: Self.post(length: 50)], message: "create")
            let daemon = try Self.startDaemon(remote, dsn: database.dsn, state: state)
            defer { daemon.kill() }
            #expect(Self.waitForReport(state, base)?["outcome"] as? String == "synced", "\(Self.log(state))")
            let catalogBefore = try Self.catalog(connection)
            let reconcilesBefore = try Self.reconciledCommits(connection)

            // A field whose type is not a string (EngineJS's DSL schema refuses it; a misspelt type name would
            // only be a warning) and a truncated file.
            let invalid = try remote.push(
                [
                    Self.model: Self.post(length: 50, #", "body": {"type": 5}"#),
                    "dsl/models/comment.json": #"{"fields": {"text": "#,
                ], message: "broken")
            let report = Self.waitForReport(state, invalid)
            #expect(report?["outcome"] as? String == "invalid", "\(Self.log(state))")
            #expect(((report?["errors"] as? [Any]) ?? []).count >= 2)
            #expect(try Self.catalog(connection) == catalogBefore)
            #expect(try Self.reconciledCommits(connection) == reconcilesBefore)
            #expect(daemon.process.isRunning)

            let fixed = try remote.push(
                [
                    Self.model: Self.post(length: 50, #", "body": {"type": "text"}"#),
                    "dsl/models/comment.json": #"{"fields": {"text": {"type": "text"}}}"#,
                ], message: "fixed")
            #expect(Self.waitForReport(state, fixed)?["outcome"] as? String == "synced", "\(Self.log(state))")
            #expect(try Self.columnType(connection, "post", "body") == "text")
            #expect(try Self.columnType(connection, "comment", "text") == "text")
            #expect(try Self.reconciledCommits(connection) == reconcilesBefore + [fixed])
            #expect(daemon.terminate() == 0)
        }
    }

    /// Stops and starts a cluster of its own: the shared scratch cluster serves tests running in parallel.
    @Test func databaseDownThenUpIsRecoveredWithoutHelp() throws {
        let cluster = try PrivatePostgresCluster()
        do {
            let admin = try PostgresConnection.connect(
                PostgresConfiguration(dsn: cluster.dsn(), connectTimeoutSeconds: 5))
            try admin.query("CREATE DATABASE app")
        }
        let dsn = cluster.dsn(database: "app")
        let remote = try Remote()
        let state = try DaemonProcessTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let base = try remote.push([Self.model: Self.post(length: 50)], message: "create")
        let daemon = try Self.startDaemon(remote, dsn: dsn, state: state)
        defer { daemon.kill() }
        #expect(Self.waitForReport(state, base)?["outcome"] as? String == "synced", "\(Self.log(state))")

        try cluster.stop()
        let next = try remote.push([Self.model: Self.post(length: 50, #", "body": {"type": "text"}"#)], message: "body")
        // The attempt fails and says so; the daemon keeps running and retries (back-off capped at 1 s).
        let failed = Self.waitForReport(state, next)
        #expect(failed?["outcome"] as? String == "failed", "\(Self.log(state))")
        #expect(daemon.process.isRunning)

        try cluster.start()
        #expect(Self.waitForReport(state, next, outcome: "synced") != nil, "\(Self.log(state))")
        let connection = try PostgresConnection.connect(PostgresConfiguration(dsn: dsn, connectTimeoutSeconds: 5))
        #expect(try Self.columnType(connection, "post", "body") == "text")
        #expect(try Self.reconciledCommits(connection).last == next)
        // The report is written before the service loop logs "recovered".
        #expect(waitUntil(timeout: 10) { Self.log(state).contains("recovered") }, "\(Self.log(state))")
        #expect(daemon.terminate() == 0)
    }

    @Test func sigtermDuringAReconcileExitsZeroWithNothingHalfApplied() throws {
        try ScratchDatabase.with { database, connection in
            let remote = try Remote()
            let state = try DaemonProcessTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: state) }
            let base = try remote.push([Self.model: Self.post(length: 50)], message: "create")
            let daemon = try Self.startDaemon(remote, dsn: database.dsn, state: state)
            defer { daemon.kill() }
            #expect(Self.waitForReport(state, base)?["outcome"] as? String == "synced", "\(Self.log(state))")

            let migration = "20260101_0000_slow"
            let next = try remote.push(
                [
                    "migrations/\(migration).sql": "CREATE TABLE slow_marker (id integer);\nSELECT pg_sleep(2);\n",
                    Self.model: Self.post(length: 50, #", "body": {"type": "text"}"#),
                ], message: "slow migration")
            let sleeping = waitUntil(timeout: 20) {
                let rows = try? connection.query(
                    """
                    SELECT count(*)::int8 AS n FROM pg_stat_activity WHERE datname = current_database() \
                    AND pid <> pg_backend_pid() AND query LIKE '%pg_sleep%'
                    """)
                return ((try? rows?.first?.int("n")) ?? 0) > 0
            }
            #expect(sleeping, "\(Self.log(state))")
            #expect(daemon.terminate() == 0, "\(Self.log(state))")

            let table =
                try connection.query("SELECT to_regclass('public.slow_marker') IS NOT NULL AS present")
                .first?.bool("present") == true
            let recorded = try Self.count(connection, "engine_migrations", where: "id", migration) == 1
            // A reconcile that reached its COMMIT; a cancelled one leaves only a `failed` log row.
            let reconciled =
                try connection.query(
                    "SELECT count(*)::int8 AS n FROM public.engine_reconciles WHERE commit = $1 AND outcome IN ('synced', 'blocked')",
                    [next]
                ).first?.int("n") == 1
            let body = try Self.columnType(connection, "post", "body") != nil
            let report = Self.report(state, next)
            // All or nothing: the migration with its row, the DSL change with its log entry, and the report.
            #expect(table == recorded)
            #expect(recorded == reconciled)
            #expect(reconciled == body)
            if reconciled {
                #expect(report?["outcome"] as? String == "synced")
                #expect(Self.latestSHA(state) == next)
            } else {
                // SIGTERM cancelled the running statement (PQcancel): everything rolled back, and the next start
                // reconciles the commit again.
                #expect(report == nil || report?["outcome"] as? String != "synced")
                #expect(Self.log(state).contains("cancel"), "\(Self.log(state))")
            }
        }
    }

    /// A crash between COMMIT and the report files (kill -9), made deterministic: the database reaches
    /// the next commit through `sync` without `--reports`, as if the daemon had died right after COMMIT.
    @Test func reportsLostAfterCommitAreRestoredAndLatestMovesToTheNewestReconcile() throws {
        try ScratchDatabase.with { database, connection in
            let remote = try Remote()
            let state = try DaemonProcessTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: state) }
            let first = try remote.push([Self.model: Self.post(length: 50)], message: "create")
            let daemon = try Self.startDaemon(remote, dsn: database.dsn, state: state)
            defer { daemon.kill() }
            #expect(Self.waitForReport(state, first)?["outcome"] as? String == "synced", "\(Self.log(state))")
            #expect(waitUntil(timeout: 10) { Self.exists(state, "latest.md") })
            #expect(daemon.terminate() == 0)

            let second = try remote.push(
                [Self.model: Self.post(length: 50, #", "body": {"type": "text"}"#)], message: "body")
            let sync = try EngineSyncBinary.run(["sync", "--repo", remote.bare.path, "--database", database.dsn])
            #expect(sync.status == 0, "\(sync.stdout) \(sync.stderr)")
            #expect(try Self.reconciledCommits(connection) == [first, second])
            #expect(!Self.exists(state, "\(second).json"))
            #expect(Self.latestSHA(state) == first)

            let restarted = try Self.startDaemon(remote, dsn: database.dsn, state: state)
            defer { restarted.kill() }
            let restored = Self.waitForReport(state, second)
            #expect(restored?["outcome"] as? String == "synced", "\(Self.log(state))")
            #expect(waitUntil(timeout: 10) { Self.exists(state, "\(second).md") })
            #expect(
                waitUntil(timeout: 10) {
                    Self.latestSHA(state) == second
                }, "\(Self.log(state))")
            let secondMarkdown = try String(contentsOfFile: "\(state)/reports/\(second).md", encoding: .utf8)
            #expect(
                waitUntil(timeout: 10) {
                    (try? String(contentsOfFile: "\(state)/reports/latest.md", encoding: .utf8)) == secondMarkdown
                })
            #expect(Self.exists(state, "\(first).json") && Self.exists(state, "\(first).md"))
            #expect(restarted.terminate() == 0)
            // The restart reconciled nothing again.
            #expect(try Self.reconciledCommits(connection) == [first, second])
        }
    }
}
