import EngineSyncTestSupport
import Foundation
import PostgresClient
import Testing

/// `export-catalog` and `plan --catalog` as a CI job runs them (issue 18): the built binary, a real database and
/// a real repository; bad catalog files are one clear error and change nothing.
@Suite("enginesync export-catalog and plan --catalog")
struct CatalogCommandTests {
    static let snapshotModel =
        #"{"fields": {"id": {"type": "int", "primary": true, "autoIncrement": true}, "hash": {"type": "string", "length": 255}, "dsl": {"type": "jsonb"}}}"#
    static let post50 = #"{"fields": {"title": {"type": "string", "length": 50}, "body": {"type": "text"}}}"#
    static let post20 = #"{"fields": {"title": {"type": "string", "length": 20}, "body": {"type": "text"}}}"#

    static func temporaryFile(_ name: String) -> String {
        NSTemporaryDirectory() + "enginesync-catalog-\(UUID().uuidString)-\(name)"
    }

    @Test func exportThenPlanWithoutADatabase() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit(
                ["dsl/meta/dsl.json": Self.snapshotModel, "dsl/models/post.json": Self.post50], message: "start")
            let sync = try EngineSyncBinary.run(["sync", "--repo", repository.path, "--database", database.dsn])
            #expect(sync.status == 0, "\(sync.stdout)\(sync.stderr)")
            try connection.execute(
                script: "INSERT INTO public.post (title) SELECT 't' FROM generate_series(1, 250); ANALYZE public.post;")
            let file = Self.temporaryFile("catalog.json")
            defer { try? FileManager.default.removeItem(atPath: file) }
            let export = try EngineSyncBinary.run(["export-catalog", "--database", database.dsn, "--output", file])
            #expect(export.status == 0, "\(export.stderr)")

            try repository.commit(
                [
                    "dsl/models/post.json": Self.post20,
                    "migrations/0001_idx.sql": "CREATE INDEX post_title ON post (title);\n",
                ], message: "narrow")
            let online = try EngineSyncBinary.run([
                "plan", "--repo", repository.path, "--database", database.dsn, "--format", "json",
            ])
            // No database at all: an unreachable PGHOST proves the offline plan never connects.
            let offline = try EngineSyncBinary.run(
                ["plan", "--repo", repository.path, "--catalog", file, "--format", "json"],
                environment: ["PGHOST": "/nonexistent", "PGPORT": "1"])
            #expect(offline.status == 2, "\(offline.stderr)")
            #expect(online.status == offline.status)
            /// The report without times and the suggested migrations' timestamp prefixes, as sorted-key JSON.
            func comparable(_ json: String) throws -> String {
                var object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
                for key in ["started_at", "finished_at", "duration_ms"] { object[key] = nil }
                object["blocked"] = (object["blocked"] as? [[String: Any]])?.map { change in
                    var change = change
                    change["suggested_migration"] = (change["suggested_migration"] as? String).map {
                        String($0.drop { $0 != "_" })
                    }
                    return change
                }
                return String(
                    decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
            }
            #expect(
                try comparable(offline.stdout) == comparable(online.stdout), "\(offline.stdout)\n---\n\(online.stdout)")

            let markdown = try EngineSyncBinary.run(
                ["plan", "--repo", repository.path, "--catalog", file, "--format", "markdown"],
                environment: ["PGHOST": "/nonexistent"])
            #expect(markdown.status == 2)
            #expect(markdown.stdout.hasPrefix("### enginesync plan for `"))
            #expect(markdown.stdout.contains("#### Blocked"))
            #expect(markdown.stdout.contains("narrow_column"))
            #expect(markdown.stdout.contains("~250 rows"))
            #expect(markdown.stdout.contains("#### Migrations that would run"))
            #expect(markdown.stdout.contains("`create_index_not_concurrently` `migrations/0001_idx.sql:1`"))
            // Online, the same comment (the suggested migration's timestamp aside).
            let onlineMarkdown = try EngineSyncBinary.run([
                "plan", "--repo", repository.path, "--database", database.dsn,
                "--format", "markdown",
            ])
            #expect(onlineMarkdown.status == 2)
            func withoutTimestamps(_ text: String) -> String {
                text.replacingOccurrences(of: #"migrations/\d{14}_"#, with: "migrations/", options: .regularExpression)
            }
            #expect(withoutTimestamps(onlineMarkdown.stdout) == withoutTimestamps(markdown.stdout))
        }
    }

    @Test(arguments: [
        ("{not json", "not valid JSON"),
        (#"{"format": "something-else", "version": 1}"#, "not an enginesync catalog"),
        (#"{"format": "enginesync-catalog", "version": 99}"#, "format version 99 was written by a newer enginesync"),
        (#"{"format": "enginesync-catalog", "version": 1, "schema": "public"}"#, "malformed version 1 catalog"),
        (#"{"format": "enginesync-catalog"}"#, "\"version\" is missing"),
    ])
    func badCatalogFileIsOneClearError(content: String, expected: String) throws {
        let repository = try ScratchRepository()
        try repository.commit(["dsl/meta/dsl.json": Self.snapshotModel, "dsl/models/post.json": Self.post50])
        let file = Self.temporaryFile("bad.json")
        defer { try? FileManager.default.removeItem(atPath: file) }
        try content.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try EngineSyncBinary.run(["plan", "--repo", repository.path, "--catalog", file])
        #expect(result.status == 3)
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("catalog file '\(file)'"))
        #expect(result.stderr.contains(expected), "\(result.stderr)")
    }

    /// A mistyped `--schema` exported an empty catalog, and a plan against it would create every table.
    @Test func exportingASchemaThatDoesNotExistIsAnError() throws {
        try ScratchDatabase.with { database, _ in
            let output = NSTemporaryDirectory() + "enginesync-catalog-\(UUID().uuidString).json"
            defer { try? FileManager.default.removeItem(atPath: output) }
            let result = try EngineSyncBinary.run([
                "export-catalog", "--database", database.dsn, "--schema", "nosuch", "--output", output,
            ])
            #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
            #expect(result.stderr.contains("schema 'nosuch' does not exist"), "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: output))
        }
    }

    @Test func missingCatalogFileAndCatalogWithDatabaseAreRefused() throws {
        let missing = try EngineSyncBinary.run(["plan", "--dir", ".", "--catalog", "/nonexistent/catalog.json"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("cannot read catalog file '/nonexistent/catalog.json'"))
        let both = try EngineSyncBinary.run(["plan", "--dir", ".", "--catalog", "x.json", "--database", "dbname=x"])
        #expect(both.status == 64)
        #expect(both.stderr.contains("not both"))
    }
}
