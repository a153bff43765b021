import EngineSync
import EngineSyncCore
import EngineSyncTestSupport
import Foundation
import Logging
import PostgresClient
import Synchronization
import Testing

/// Every migration runs in enginesync's own session (docs/MIGRATIONS.md, "Session settings"): `search_path` is
/// the managed schema then `pg_catalog` (issue 12 item 1), and nothing a migration SETs reaches the migrations
/// after it or Safe Sync (item 7).
@Suite("Migration session: search_path and settings")
struct MigrationSessionTests {
    /// `--schema x`: an unqualified `ALTER TABLE "user" DROP COLUMN nickname` drops `x.user.nickname`, never
    /// `public.user.nickname` (the role's default search_path, `"$user", public`, is not used).
    @Test func unqualifiedNamesInAMigrationMeanTheManagedSchema() throws {
        try ScratchDatabase.with { _, connection in
            try connection.execute(
                script: """
                    CREATE SCHEMA x;
                    CREATE TABLE public."user" (id int, nickname text);
                    CREATE TABLE x."user" (id int, nickname text);
                    INSERT INTO public."user" VALUES (1, 'kept');
                    """)
            let directory = try MigrationDirectory()
            try directory.write("0001_drop_nickname", #"ALTER TABLE "user" DROP COLUMN nickname;"#)
            try directory.write(
                "0002_create", "CREATE TABLE created_by_migration (id int);\nINSERT INTO \"user\" VALUES (2);")
            let runner = try directory.runner(connection, settings: SessionSettings(schema: "x"))
            #expect(try runner.up().map(\.id) == ["0001_drop_nickname", "0002_create"])

            func columns(_ schema: String) throws -> [String?] {
                try connection.column(
                    """
                    SELECT column_name::text FROM information_schema.columns
                    WHERE table_schema = $1 AND table_name = 'user' ORDER BY ordinal_position
                    """, [schema])
            }
            #expect(try columns("public") == ["id", "nickname"])
            #expect(try columns("x") == ["id"])
            #expect(try connection.column("SELECT nickname FROM public.\"user\"") == ["kept"])
            #expect(try connection.column("SELECT id::text FROM x.\"user\"") == ["2"])
            #expect(try connection.tableExists("x.created_by_migration"))
            #expect(try !connection.tableExists("public.created_by_migration"))
            #expect(try connection.trackingRows(schema: "x").map { $0[0] } == ["0001_drop_nickname", "0002_create"])
            #expect(try !connection.tableExists("public.engine_migrations"))
        }
    }

    /// A pg_dump header (`SET lock_timeout = 0`, `SET statement_timeout = 0`, `search_path = ''`, …) in one
    /// migration: the next migration (a Swift one, reading its session) sees enginesync's settings again, and
    /// so does the connection once `up` returns.
    @Test func aMigrationsSetDoesNotReachTheNextMigration() throws {
        try ScratchDatabase.with { _, connection in
            let directory = try MigrationDirectory()
            try directory.write("0001_dump", Self.pgDumpHeader + "CREATE TABLE public.dumped (id int);\n")
            let seen = Mutex<[String: String]>([:])
            let reader = Migration(id: "0002_reads_its_session") { context in
                for name in [
                    "lock_timeout", "statement_timeout", "search_path", "client_min_messages", "row_security",
                    "idle_in_transaction_session_timeout",
                ] {
                    let value =
                        try context.connection.query("SELECT pg_catalog.current_setting($1) AS v", [name])
                        .first?.string("v") ?? ""
                    seen.withLock { $0[name] = value }
                }
                // Unqualified: lands in the managed schema, not nowhere (search_path '' would say 3F000).
                try context.connection.query("CREATE TABLE after_dump (id int)")
            }
            let session = SessionSettings(
                timeouts: SessionTimeouts(
                    lock: .milliseconds(1_500), statement: .seconds(250),
                    idleInTransaction: nil))
            let runner = try MigrationRunner(
                connection: connection, settings: session,
                migrations: try directory.load().migrations + [reader], options: .quiet)
            #expect(try runner.up().map(\.id) == ["0001_dump", "0002_reads_its_session"])
            let expectedPath = #""public", "pg_catalog""#
            let settings = seen.withLock { $0 }
            #expect(settings["lock_timeout"] == "1500ms")
            #expect(settings["statement_timeout"] == "250s")
            #expect(settings["search_path"] == expectedPath)
            #expect(settings["client_min_messages"] == "notice")
            #expect(settings["row_security"] == "on")
            #expect(settings["idle_in_transaction_session_timeout"] == "0")
            #expect(try connection.tableExists("public.after_dump"))
            // After the last migration too (Safe Sync runs next on this connection).
            #expect(try connection.column("SHOW lock_timeout") == ["1500ms"])
            #expect(try connection.column("SHOW search_path") == [expectedPath])
            #expect(try connection.column("SHOW default_transaction_read_only") == ["off"])
        }
    }

    /// In a reconcile: a pg_dump header, then `SET default_transaction_read_only = on`, then an unqualified
    /// `CREATE TABLE`; the later migration and Safe Sync still apply (before, they failed with 3F000 / 25006).
    @Test func aMigrationsSetDoesNotReachLaterMigrationsOrSafeSync() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/meta/dsl.json": ReconcileStory.snapshotModel,
                "dsl/models/post.json": #"{"fields": {"title": {"type": "string"}}}"#,
                "migrations/0001_dump.sql": Self.pgDumpHeader + "CREATE TABLE public.dumped (id int);\n",
                "migrations/0002_read_only.sql": "SET default_transaction_read_only = on;\n"
                    + "SET TimeZone = 'America/New_York';\n",
                "migrations/0003_unqualified.sql": "CREATE TABLE later (id int);\n",
            ])
            let result = ReconcileStory.reconcile(database, repository)
            #expect(result.report.outcome == .synced, "\(result.report.errors)")
            #expect(result.report.migrations.applied.map(\.id) == ["0001_dump", "0002_read_only", "0003_unqualified"])
            #expect(try connection.tableExists("public.later"))
            #expect(try connection.tableExists("public.post"))
        }
    }

    /// The head of a `pg_dump` file (PostgreSQL 15).
    static let pgDumpHeader = """
        SET statement_timeout = 0;
        SET lock_timeout = 0;
        SET idle_in_transaction_session_timeout = 0;
        SET client_encoding = 'UTF8';
        SET standard_conforming_strings = on;
        SELECT pg_catalog.set_config('search_path', '', false);
        SET check_function_bodies = false;
        SET xmloption = content;
        SET client_min_messages = warning;
        SET row_security = off;

        """
}
