import EngineSyncTestSupport
import Foundation
import PostgresClient
import Testing

@Suite("enginesync plan, sync and status as a user runs them")
struct SyncCommandTests {
    static let post50 = #"{"fields": {"title": {"type": "string", "length": 50}, "body": {"type": "text"}}}"#
    static let post20 = #"{"fields": {"title": {"type": "string", "length": 20}}}"#

    @Test func syncStoryWithExitCodesAndReports() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            let first = try repository.commit(["dsl/models/post.json": Self.post50], message: "create post")
            let reports = NSTemporaryDirectory() + "enginesync-reports-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: reports) }

            let plan = try EngineSyncBinary.run(["plan", "--repo", repository.path, "--database", database.dsn])
            #expect(plan.status == 0)
            #expect(plan.stdout.hasPrefix("plan: synced"))
            #expect(plan.stdout.contains("create_table post"))
            #expect(
                try connection.query("SELECT to_regclass('public.post') IS NULL AS absent").first?.bool("absent")
                    == true)

            let sync = try EngineSyncBinary.run([
                "sync", "--repo", repository.path, "--database", database.dsn, "--reports", reports,
            ])
            #expect(sync.status == 0, "\(sync.stdout)\(sync.stderr)")
            #expect(FileManager.default.fileExists(atPath: "\(reports)/\(first).json"))
            #expect(FileManager.default.fileExists(atPath: "\(reports)/\(first).md"))
            #expect(FileManager.default.fileExists(atPath: "\(reports)/latest.md"))

            try repository.commit(["dsl/models/post.json": Self.post20], message: "narrow title")
            let blocked = try EngineSyncBinary.run([
                "sync", "--repo", repository.path, "--database", database.dsn,
                "--reports", reports, "--format", "json",
            ])
            #expect(blocked.status == 2)
            let report = try #require(
                try JSONSerialization.jsonObject(with: Data(blocked.stdout.utf8)) as? [String: Any])
            #expect(report["outcome"] as? String == "blocked")
            #expect(report["previous_commit"] as? String == first)
            let kinds = (report["blocked"] as? [[String: Any]])?.compactMap { $0["kind"] as? String }
            #expect(Set(kinds ?? []) == ["narrow_column", "drop_column"])
            let latest = try String(contentsOfFile: "\(reports)/latest.md", encoding: .utf8)
            #expect(latest.hasPrefix("# enginesync: BLOCKED"))
            #expect(latest.contains("ALTER TABLE \"public\".\"post\" DROP COLUMN \"body\";"))

            let status = try EngineSyncBinary.run(["status", "--database", database.dsn, "--repo", repository.path])
            #expect(status.status == 0)
            #expect(status.stdout.contains("last reconcile: blocked"))
            #expect(status.stdout.contains("pending migrations: none"))
        }
    }

    @Test func statusReadsTheDaemonConfiguration() throws {
        try ScratchDatabase.with { database, _ in
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/models/post.json": Self.post50,
                "migrations/0001_seed.sql": "SELECT 1;\n",
            ])
            #expect(
                try EngineSyncBinary.run(["sync", "--repo", repository.path, "--database", database.dsn]).status == 0)
            try repository.commit(["migrations/0002_more.sql": "SELECT 2;\n"])
            let directory = NSTemporaryDirectory() + "enginesync-config-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let config = directory + "/enginesync.yaml"
            try "repo: \(repository.path)\ndatabase: \"\(database.dsn)\"\n".write(
                toFile: config, atomically: true, encoding: .utf8)
            let status = try EngineSyncBinary.run(["status", "--config", config])
            #expect(status.status == 0, "\(status.stderr)")
            #expect(status.stdout.contains("last reconcile: synced"))
            #expect(status.stdout.contains("pending migrations: 0002_more"))
            try "repo: \(repository.path)\nbogus: 1\n".write(toFile: config, atomically: true, encoding: .utf8)
            let bad = try EngineSyncBinary.run(["status", "--config", config])
            #expect(bad.status == 64)
            #expect(bad.stderr.contains("bogus"))
        }
    }

    @Test func statusShowsAnInvalidCommitFromTheReportsDirectory() throws {
        try ScratchDatabase.with { database, _ in
            let repository = try ScratchRepository()
            try repository.commit(["dsl/models/post.json": Self.post50])
            let reports = NSTemporaryDirectory() + "enginesync-status-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: reports) }
            #expect(
                try EngineSyncBinary.run([
                    "sync", "--repo", repository.path, "--database", database.dsn, "--reports", reports,
                ]).status == 0)
            // A misspelt type is only a warning (EngineJS makes it a varchar); a length that is not a number is invalid.
            let bad = try repository.commit([
                "dsl/models/post.json": #"{"fields": {"title": {"type": "string", "length": "50"}}}"#
            ])
            #expect(
                try EngineSyncBinary.run([
                    "sync", "--repo", repository.path, "--database", database.dsn, "--reports", reports,
                ]).status == 3)
            let status = try EngineSyncBinary.run(["status", "--database", database.dsn, "--reports", reports])
            #expect(status.status == 0, "\(status.stderr)")
            #expect(status.stdout.contains("last reconcile: synced"))
            #expect(status.stdout.contains("latest report: invalid \(bad.prefix(12))"), "\(status.stdout)")
            #expect(
                status.stdout.contains("error: dsl/models/post.json: 'length' must be a number"), "\(status.stdout)")
            let json = try EngineSyncBinary.run([
                "status", "--database", database.dsn, "--reports", reports, "--format", "json",
            ])
            #expect(json.stdout.contains("\"latest_report\""))
            #expect(
                json.stdout.contains("\"outcome\" : \"invalid\"") || json.stdout.contains("\"outcome\":\"invalid\""))
        }
    }

    @Test func invalidDSLExitsThreeAndTouchesNothing() throws {
        try ScratchDatabase.with { database, connection in
            let directory = NSTemporaryDirectory() + "enginesync-dir-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: directory) }
            try FileManager.default.createDirectory(
                atPath: directory + "/dsl/models", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: directory + "/dsl/meta", withIntermediateDirectories: true)
            try ScratchRepository.standardSnapshotModel.write(
                toFile: directory + "/dsl/meta/dsl.json", atomically: true, encoding: .utf8)
            try #"{"fields": {"title": {"type": "string", "length": "50"}}}"#.write(
                toFile: directory + "/dsl/models/post.json", atomically: true, encoding: .utf8)
            let result = try EngineSyncBinary.run(["sync", "--dir", directory, "--database", database.dsn])
            #expect(result.status == 3)
            #expect(result.stdout.contains("dsl/models/post.json:1:"))
            #expect(result.stdout.contains("'length' must be a number"), "\(result.stdout)")
            #expect(
                try connection.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'").first?.int(
                    "n") == 0)
        }
    }

    @Test func unreachableDatabaseExitsOneWithoutLeakingThePassword() throws {
        let directory = NSTemporaryDirectory() + "enginesync-dir-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/dsl/models", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory + "/dsl/meta", withIntermediateDirectories: true)
        try ScratchRepository.standardSnapshotModel.write(
            toFile: directory + "/dsl/meta/dsl.json", atomically: true, encoding: .utf8)
        try #"{"fields": {"title": {"type": "string"}}}"#.write(
            toFile: directory + "/dsl/models/post.json", atomically: true, encoding: .utf8)
        let result = try EngineSyncBinary.run([
            "sync", "--dir", directory, "--database",
            "host=127.0.0.1 port=1 user=app password=hunter2 dbname=app connect_timeout=2",
        ])
        #expect(result.status == 1)
        #expect(result.stdout.contains("sync: failed"))
        #expect(result.stdout.contains("cannot connect"))
        #expect(!(result.stdout + result.stderr).contains("hunter2"))
    }

    @Test func usageErrorsExitSixtyFour() throws {
        let neither = try EngineSyncBinary.run(["sync", "--database", "dbname=x"])
        #expect(neither.status == 64)
        #expect(neither.stderr.contains("--repo"))
        let badDuration = try EngineSyncBinary.run(["plan", "--dir", ".", "--lock-timeout", "soon"])
        #expect(badDuration.status == 64)
        let help = try EngineSyncBinary.run(["sync", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("Examples:"))
    }
}
