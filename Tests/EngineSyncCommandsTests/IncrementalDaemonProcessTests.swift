import EngineSyncTestSupport
import Foundation
import PostgresClient
import Testing

/// Issue 14: the daemon reads the catalog incrementally between pushes (only the tables whose catalog fingerprint
/// changed), yet a change made by hand between two pushes is seen exactly as a full read sees it. Each case alters
/// the catalog behind the running daemon's back (the real binary), then pushes an unrelated change; the daemon's
/// report must say what `enginesync plan` — a one-shot command, which always reads the whole catalog — says of the
/// same commit on the same database just before the push.
///
/// Timing-sensitive (scripts/test.sh runs it with `--no-parallel`): every reconcile is woken by its push.
@Suite("enginesync run: changes made by hand between two pushes, seen as a full read sees them", .serialized)
struct IncrementalDaemonProcessTests {
    typealias Remote = DaemonProcessTests.Remote
    typealias Scenario = DaemonScenarioProcessTests

    static let author = #"""
        {"fields": {"name": {"type": "string", "length": 50}, "email": {"type": "string", "length": 100}},
         "indexes": {"many": [["email"]]}}
        """#
    static func post(_ extra: String = "") -> String {
        #"""
        {"fields": {"title": {"type": "string", "length": 100}, "body": {"type": "text"}\#(extra),
                    "author": {"type": "relation", "model": "author"}}}
        """#
    }
    static func tag(_ extra: String = "") -> String {
        #"{"fields": {"label": {"type": "string", "length": 20}\#(extra)}}"#
    }

    /// A report's changes as comparable lines: `kind table.column index` per applied, blocked and drift item.
    static func changes(_ report: [String: Any]?) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for list in ["applied", "blocked", "drift", "manual"] {
            let items = (report?[list] as? [[String: Any]]) ?? []
            result[list] = items.map { item in
                ["kind", "table", "column", "index"].map { "\(item[$0] ?? "-")" }.joined(separator: " ")
            }.sorted()
        }
        return result
    }

    /// What `enginesync plan` (a full catalog read) says of `commit` (committed in the work tree, not pushed yet) now,
    /// as `changes`.
    static func fullReadPlan(_ remote: Remote, commit: String, dsn: String, state: String) throws -> [String: [String]]
    {
        let plan = try EngineSyncBinary.run([
            "plan", "--repo", remote.work.path, "--rev", commit, "--database", dsn, "--format", "json",
        ])
        #expect([0, 2].contains(plan.status), "\(plan.stderr)")
        return changes((try? JSONSerialization.jsonObject(with: Data(plan.stdout.utf8))) as? [String: Any])
    }

    /// Alters the catalog by hand, commits an unrelated change, asks a full-read plan of it, pushes it, and
    /// returns the daemon's report (checked against the plan).
    static func alterThenPush(
        _ sql: String, files: [String: String?], remote: Remote, connection: PostgresConnection, dsn: String,
        state: String
    ) throws -> [String: Any]? {
        try connection.execute(script: sql)
        let commit = try remote.work.commit(files, message: "after: \(sql)")
        let expected = try fullReadPlan(remote, commit: commit, dsn: dsn, state: state)
        try remote.work.run(["push", "--quiet", remote.bare.path, "HEAD:refs/heads/main"])
        let report = Scenario.waitForReport(state, commit)
        #expect(report != nil, "\(Scenario.log(state))")
        #expect(changes(report) == expected, "\(sql)")
        return report
    }

    /// `enginesync run` on the remote's bare repository, woken by each push, logging at debug level (`live schema
    /// read introspect.full=…`, `reconcile phases …`) into `state/daemon.log`.
    static func startDaemon(remote: Remote, dsn: String, state: String) throws -> DaemonProcess {
        try DaemonProcess(
            arguments: [
                "run", "--config", state + "/empty.yaml", "--repo", remote.bare.path, "--database", dsn,
                "--state-dir", state, "--poll-interval", "60s", "--max-backoff", "1s", "--log-level", "debug",
            ],
            environment: ["NOTIFY_SOCKET": ""], log: state + "/daemon.log")
    }

    @Test func droppedIndexWidenedColumnAndExtraTableAreSeenBetweenPushes() throws {
        try ScratchDatabase.with { database, connection in
            let remote = try Remote()
            let state = try DaemonProcessTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: state) }
            let daemon = try Self.startDaemon(remote: remote, dsn: database.dsn, state: state)
            defer { daemon.kill() }

            let created = try remote.push(
                [
                    "dsl/models/author.json": Self.author, "dsl/models/post.json": Self.post(),
                    "dsl/models/tag.json": Self.tag(),
                ], message: "create")
            #expect(Scenario.waitForReport(state, created)?["outcome"] as? String == "synced", "\(Scenario.log(state))")
            // A second push: the daemon's live schema is cached now, and read again table by table.
            let warm = try remote.push(["dsl/models/tag.json": Self.tag(#", "color": {"type": "string"}"#)])
            #expect(Scenario.waitForReport(state, warm)?["outcome"] as? String == "synced", "\(Scenario.log(state))")
            let index = try #require(
                try connection.query(
                    "SELECT indexname FROM pg_indexes WHERE tablename = 'author' AND indexdef NOT LIKE '%UNIQUE%'"
                ).first?.string("indexname"))

            // 1. An index dropped by hand: re-created with the next push, as a full read would.
            let afterDrop = try Self.alterThenPush(
                "DROP INDEX public.\(index)",
                files: ["dsl/models/tag.json": Self.tag(#", "color": {"type": "string"}, "a": {"type": "int"}"#)],
                remote: remote, connection: connection, dsn: database.dsn, state: state)
            #expect(afterDrop?["outcome"] as? String == "synced")
            #expect(Self.changes(afterDrop)["applied"]?.contains { $0.contains(index) } == true)
            #expect(
                try connection.query("SELECT to_regclass($1) IS NOT NULL AS present", ["public." + index]).first?
                    .bool("present") == true)

            // 2. A column widened by hand: reported (and the narrowing back blocked) as a full read reports it.
            let afterWiden = try Self.alterThenPush(
                "ALTER TABLE public.post ALTER COLUMN title TYPE varchar(300)",
                files: [
                    "dsl/models/tag.json": Self.tag(
                        #", "color": {"type": "string"}, "a": {"type": "int"}, "b": {"type": "int"}"#)
                ],
                remote: remote, connection: connection, dsn: database.dsn, state: state)
            let widened = Self.changes(afterWiden)
            #expect(
                (widened["drift"] ?? []).contains { $0.contains("post.title") || $0.contains("post title") }
                    || (widened["blocked"] ?? []).contains { $0.contains("post title") }, "\(widened)")
            #expect(try Scenario.columnType(connection, "post", "title") == "character varying(300)")

            // 3. A table added by hand: left alone, as a full read leaves it.
            _ = try Self.alterThenPush(
                "CREATE TABLE public.by_hand (id int PRIMARY KEY, note text)",
                files: [
                    "dsl/models/tag.json": Self.tag(
                        #", "color": {"type": "string"}, "a": {"type": "int"}, "b": {"type": "int"}, "c": {"type": "int"}"#
                    )
                ],
                remote: remote, connection: connection, dsn: database.dsn, state: state)
            #expect(
                try connection.query("SELECT to_regclass('public.by_hand') IS NOT NULL AS present").first?.bool(
                    "present") == true)

            // 4. A change to a table the next push touches too, and one its foreign key references.
            _ = try Self.alterThenPush(
                "ALTER TABLE public.author ALTER COLUMN name TYPE varchar(80)",
                files: ["dsl/models/post.json": Self.post(#", "subtitle": {"type": "string"}"#)],
                remote: remote, connection: connection, dsn: database.dsn, state: state)
            #expect(daemon.terminate() == 0)
            // The first reconcile read the whole catalog; the ones after it only what changed.
            let reads = Scenario.log(state).components(separatedBy: "\n").filter { $0.contains("live schema read") }
            #expect(reads.count == 6, "\(reads)")
            #expect(reads.first?.contains("introspect.full=true") == true, "\(reads)")
            #expect(reads.dropFirst().allSatisfy { $0.contains("introspect.full=false") }, "\(reads)")
            // Every push after the first read the catalog beside the DSL compile (its migrations table existed and
            // nothing was pending): `introspect` ends before the reconcile waits for the compile (`compile-join`).
            let phases = Scenario.log(state).components(separatedBy: "\n").filter { $0.contains("reconcile phases") }
            #expect(phases.count == 6, "\(phases)")
            #expect(
                phases.dropFirst().allSatisfy { line in
                    guard let introspect = line.range(of: "introspect:"), let join = line.range(of: "compile-join:")
                    else { return false }
                    return introspect.lowerBound < join.lowerBound
                }, "\(phases)")
        }
    }

    /// A reconcile that creates many tables (here the first sync of 24 models) is followed, after its report, by a
    /// read of those tables into the live-schema cache, so the next push reads only what it changes instead of
    /// every table the previous reconcile created.
    @Test func aLargeChangeIsReadIntoTheCacheAfterItsReportNotByTheNextPush() throws {
        try ScratchDatabase.with { database, _ in
            let remote = try Remote()
            let state = try DaemonProcessTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: state) }
            let daemon = try Self.startDaemon(remote: remote, dsn: database.dsn, state: state)
            defer { daemon.kill() }
            var files: [String: String?] = [:]
            for number in 0..<24 { files["dsl/models/m\(number).json"] = Self.tag() }
            let created = try remote.push(files, message: "create 24 tables")
            #expect(Scenario.waitForReport(state, created)?["outcome"] as? String == "synced", "\(Scenario.log(state))")
            let next = try remote.push(["dsl/models/m3.json": Self.tag(#", "color": {"type": "string"}"#)])
            #expect(Scenario.waitForReport(state, next)?["outcome"] as? String == "synced", "\(Scenario.log(state))")
            #expect(daemon.terminate() == 0)
            let lines = Scenario.log(state).components(separatedBy: "\n")
            // Right after the first report: the 24 new tables, the snapshot table and enginesync's own read into the
            // cache.
            let refresh = lines.filter { $0.contains("live schema read after the reconcile") }
            #expect(refresh.count == 1, "\(refresh)")
            let tablesRead = refresh.first?.components(separatedBy: "introspect.tables_read=").last?
                .prefix { $0.isNumber }
            #expect(tablesRead.flatMap { Int($0) }.map { $0 >= 25 } == true, "\(refresh)")
            // The next push reads the catalog before it changes anything (beside the compile): with the cache
            // refreshed, not one table is read again.
            let reads = lines.filter { $0.contains("live schema read introspect") || $0.contains("live schema read ") }
                .filter { !$0.contains("after the reconcile") }
            #expect(reads.count == 2, "\(reads)")
            #expect(reads.last?.contains("introspect.full=false") == true, "\(reads)")
            #expect(reads.last?.contains("introspect.tables=0") == true, "\(reads)")
        }
    }

    /// The client backends of the test's database other than `connection`, once `done` says so (a backend leaves
    /// `pg_stat_activity` a moment after its client), or as they are after 30 s.
    static func daemonBackends(_ connection: PostgresConnection, until done: ([Int]) -> Bool) throws -> [Int] {
        let deadline = Date().addingTimeInterval(30)
        while true {
            let pids = try connection.query(
                """
                SELECT pid FROM pg_catalog.pg_stat_activity
                WHERE datname = pg_catalog.current_database() AND pid <> pg_catalog.pg_backend_pid()
                  AND backend_type = 'client backend'
                ORDER BY pid
                """
            ).rows.map { try $0.int("pid") }
            if done(pids) || Date() >= deadline { return pids }
            usleep(100_000)
        }
    }

    /// The idle daemon holds exactly one connection (the session kept for the next push). Killed behind its back
    /// (`pg_terminate_backend`), it is replaced on the next push, which is synced as if nothing happened; a graceful
    /// stop closes it.
    @Test func theIdleDaemonHoldsOneConnectionAndAKilledOneIsReplacedWithoutAFailure() throws {
        try ScratchDatabase.with { database, connection in
            let remote = try Remote()
            let state = try DaemonProcessTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: state) }
            let daemon = try Self.startDaemon(remote: remote, dsn: database.dsn, state: state)
            defer { daemon.kill() }
            let created = try remote.push(["dsl/models/tag.json": Self.tag()], message: "create")
            #expect(Scenario.waitForReport(state, created)?["outcome"] as? String == "synced", "\(Scenario.log(state))")
            // Once catalog.json is written (its export has a short session of its own), one connection stays.
            let catalog = state + "/reports/catalog.json"
            _ = try Self.daemonBackends(connection) { _ in FileManager.default.fileExists(atPath: catalog) }
            let idle = try Self.daemonBackends(connection) { $0.count == 1 }
            #expect(idle.count == 1, "\(idle)")

            let daemonBackend = try #require(idle.first)
            try connection.query("SELECT pg_catalog.pg_terminate_backend($1::int)", [daemonBackend])
            _ = try Self.daemonBackends(connection) { $0.isEmpty }
            let next = try remote.push(["dsl/models/tag.json": Self.tag(#", "color": {"type": "string"}"#)])
            let report = Scenario.waitForReport(state, next)
            #expect(report?["outcome"] as? String == "synced", "\(Scenario.log(state))")
            #expect((report?["errors"] as? [Any])?.isEmpty ?? true, "\(report ?? [:])")
            #expect(try Scenario.columnType(connection, "tag", "color") != nil)
            #expect(Scenario.log(state).contains("the kept database connection is gone"), "\(Scenario.log(state))")
            let replaced = try Self.daemonBackends(connection) { $0.count == 1 && $0 != idle }
            #expect(replaced.count == 1 && replaced != idle, "\(replaced) after \(idle)")

            #expect(daemon.terminate() == 0)
            #expect(try Self.daemonBackends(connection) { $0.isEmpty }.isEmpty)
        }
    }
}
