import EngineSyncTestSupport
import Foundation
import PostgresClient
import Testing

/// A second round of hostile and careless use (2026-12-04), each case against the real binary, PostgreSQL and
/// git: what `validate` accepted and `sync` could never apply, bookkeeping left incomplete, a migration's `SET
/// ROLE`, PostgreSQL's own schemas, command groups without a subcommand, escape sequences in `validate`'s output.
@Suite("Hostile input, second round: names, bookkeeping, roles, schemas, usage")
struct HostileInputCommandTests {
    static let snapshotModel =
        #"{"fields": {"id": {"type": "int", "primary": true, "autoIncrement": true}, "hash": {"type": "string", "length": 255}, "dsl": {"type": "jsonb"}}}"#

    static func directory(_ models: [String: String], migrations: [String: String] = [:]) throws -> String {
        let root = NSTemporaryDirectory() + "enginesync-hostile-" + UUID().uuidString
        let files = ["dsl/meta/dsl.json": snapshotModel].merging(
            models.map { ("dsl/models/\($0.key).json", $0.value) }, uniquingKeysWith: { $1 }
        ).merging(migrations.map { ("migrations/\($0.key)", $0.value) }, uniquingKeysWith: { $1 })
        for (path, text) in files {
            let url = URL(fileURLWithPath: root + "/" + path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return root
    }

    /// Names PostgreSQL shortens to 63 bytes by bytes, not characters: a non-ASCII table's visible index
    /// syncs twice without "already exists"; two generated index names equal once cut are one index.
    @Test func nonASCIINamesAreCutAsPostgreSQLCutsThem() throws {
        try ScratchDatabase.with { database, connection in
            let table = String(repeating: "é", count: 31) + "a"
            let root = try Self.directory(["m": #"{"table": "\#(table)", "fields": {"a": {"type": "int"}}}"#])
            defer { try? FileManager.default.removeItem(atPath: root) }
            for _ in 0..<2 {
                let sync = try EngineSyncBinary.run(["sync", "--dir", root, "--database", database.dsn])
                #expect(sync.status == 0, "\(sync.stdout)\(sync.stderr)")
                #expect(!sync.stdout.contains("recreated_index"), "\(sync.stdout)")
            }
            let indexes = try connection.query(
                "SELECT count(*)::int AS n FROM pg_indexes WHERE tablename = $1 AND indexname LIKE 'idx_%'", [table])
            #expect(try indexes.first?.int("n") == 1)

            // Two generated index names equal once cut: EngineJS's `CREATE INDEX IF NOT EXISTS` keeps the first, so
            // does enginesync, with a warning (an error under `strict`), and the sync converges.
        }
        try ScratchDatabase.with { database, _ in
            let colliding = try Self.directory([
                "n":
                    #"{"table": "\#(String(repeating: "é", count: 31))", "fields": {"a": {"type": "int"}}, "indexes": {"many": [["a"]]}}"#
            ])
            defer { try? FileManager.default.removeItem(atPath: colliding) }
            let validate = try EngineSyncBinary.run(["validate", "--dir", colliding])
            #expect(validate.status == 0, "\(validate.stdout)\(validate.stderr)")
            #expect(validate.stdout.contains("duplicate_index_name"), "\(validate.stdout)")
            #expect(try EngineSyncBinary.run(["validate", "--strict", "--dir", colliding]).status == 3)
            for _ in 0..<2 {
                let sync = try EngineSyncBinary.run(["sync", "--dir", colliding, "--database", database.dsn])
                #expect(sync.status == 0, "\(sync.stdout)\(sync.stderr)")
            }
        }
    }

    /// Relations PostgreSQL creates implicitly (a serial's sequence, enginesync's own primary keys) and an
    /// empty field key: each failed every sync with 42P07 / 42601; now `validate` refuses them.
    @Test func namesThatWouldCollideWithImplicitRelationsAreInvalid() throws {
        let cases: [([String: String], String)] = [
            (["thing": #"{"fields": {"a": {"type": "int"}}}"#, "thing_id_seq": #"{"fields": {}}"#], "name_collision"),
            (["m": #"{"table": "engine_migrations_pkey", "fields": {}}"#], "name_collision"),
            (["m": #"{"table": "engine_reconciles_id_seq", "fields": {}}"#], "name_collision"),
            (["m": #"{"fields": {"": {"type": "int"}}}"#], "invalid_identifier"),
        ]
        for (models, code) in cases {
            let root = try Self.directory(models)
            defer { try? FileManager.default.removeItem(atPath: root) }
            let validate = try EngineSyncBinary.run(["validate", "--dir", root])
            #expect(validate.status == 3, "\(models): \(validate.stdout)\(validate.stderr)")
            #expect(validate.stdout.contains(code), "\(models): \(validate.stdout)")
        }
    }

    /// An `engine_reconciles` left without the columns a newer enginesync reads (an interrupted first run, or
    /// made by hand): `sync` and `status` no longer fail on it for ever; the sync adds the columns.
    @Test func anIncompleteReconcileLogIsRepairedNotFatal() throws {
        try ScratchDatabase.with { database, connection in
            try connection.query(
                """
                CREATE TABLE engine_reconciles (id bigserial PRIMARY KEY, attempt_id text NOT NULL, \
                outcome varchar(16) NOT NULL, started_at timestamptz NOT NULL, report jsonb NOT NULL)
                """)
            let root = try Self.directory(["post": #"{"fields": {"title": {"type": "string"}}}"#])
            defer { try? FileManager.default.removeItem(atPath: root) }
            let status = try EngineSyncBinary.run(["status", "--database", database.dsn])
            #expect(status.status == 0, "\(status.stdout)\(status.stderr)")
            let sync = try EngineSyncBinary.run(["sync", "--dir", root, "--database", database.dsn])
            #expect(sync.status == 0, "\(sync.stdout)\(sync.stderr)")
            let columns = try connection.query(
                """
                SELECT count(*)::int AS n FROM information_schema.columns \
                WHERE table_name = 'engine_reconciles' AND column_name IN ('commit', 'finished_at', 'dsl_sha256')
                """)
            #expect(try columns.first?.int("n") == 3)
            let again = try EngineSyncBinary.run(["sync", "--dir", root, "--database", database.dsn])
            #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        }
    }

    /// A migration that switches role (`SET ROLE app_owner`, a common pattern) no longer makes its own
    /// `engine_migrations` row fail: the row is written as the role enginesync logged in as.
    @Test func aMigrationsSetRoleDoesNotDecideWhoRecordsIt() throws {
        try ScratchDatabase.with { database, connection in
            let role = "es_owner_" + UUID().uuidString.prefix(8).lowercased()
            try connection.query("CREATE ROLE \(role)")
            try connection.query("GRANT CREATE, USAGE ON SCHEMA public TO \(role)")
            defer {
                _ = try? connection.query("DROP OWNED BY \(role)")
                _ = try? connection.query("DROP ROLE \(role)")
            }
            let root = try Self.directory(
                ["post": #"{"fields": {"title": {"type": "string"}}}"#],
                migrations: [
                    "0001_owned.sql": "SET ROLE \(role);\nCREATE TABLE owned (id int);\n",
                    "0002_session.sql":
                        "-- enginesync: no-transaction\nSET ROLE \(role);\nCREATE TABLE owned2 (id int);\n",
                ])
            defer { try? FileManager.default.removeItem(atPath: root) }
            let sync = try EngineSyncBinary.run(["sync", "--dir", root, "--database", database.dsn])
            #expect(sync.status == 0, "\(sync.stdout)\(sync.stderr)")
            let recorded = try connection.query(
                "SELECT count(*)::int AS n FROM engine_migrations WHERE state = 'applied'")
            #expect(try recorded.first?.int("n") == 2)
            let owner = try connection.query(
                "SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE relname = 'owned'")
            #expect(try owner.first?.optionalString("owner") == role)
        }
    }

    /// PostgreSQL's own schemas cannot be the managed schema: `pg_temp`'s tables vanish with the session (the
    /// migrations would run again), `information_schema` and `pg_catalog` are the server's.
    @Test func postgresOwnSchemasAreRefused() throws {
        let root = try Self.directory(["post": #"{"fields": {}}"#])
        defer { try? FileManager.default.removeItem(atPath: root) }
        for schema in ["pg_temp", "PG_CATALOG", "information_schema", "", String(repeating: "s", count: 64)] {
            for command in [["sync"], ["plan"], ["validate"], ["migrate", "up"], ["status"]] {
                var arguments = command + ["--schema", schema, "--database", "dbname=unused"]
                if command != ["status"] { arguments += ["--dir", root] }
                let result = try EngineSyncBinary.run(arguments)
                #expect(result.status == 64, "\(arguments): \(result.stdout)\(result.stderr)")
                #expect(result.stderr.contains("--schema"), "\(arguments): \(result.stderr)")
            }
        }
    }

    /// The configured branch deleted (or the repository moved): `status` still shows what the database holds,
    /// with a warning, instead of failing on the repository alone.
    @Test func statusShowsTheDatabaseWhenTheConfiguredBranchIsGone() throws {
        try ScratchDatabase.with { database, _ in
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/meta/dsl.json": Self.snapshotModel, "dsl/models/post.json": #"{"fields": {}}"#,
            ])
            let sync = try EngineSyncBinary.run(["sync", "--repo", repository.path, "--database", database.dsn])
            #expect(sync.status == 0, "\(sync.stdout)\(sync.stderr)")
            let config = NSTemporaryDirectory() + "enginesync-status-\(UUID().uuidString).yaml"
            defer { try? FileManager.default.removeItem(atPath: config) }
            try "repo: \(repository.path)\nbranch: gone\ndatabase: \"\(database.dsn)\"\n".write(
                toFile: config, atomically: true, encoding: .utf8)
            let status = try EngineSyncBinary.run(["status", "--config", config])
            #expect(status.status == 0, "\(status.stdout)\(status.stderr)")
            #expect(status.stderr.contains("warning: cannot resolve revision 'gone'"), "\(status.stderr)")
            #expect(status.stdout.contains("last reconcile: synced"), "\(status.stdout)")
            // Named on the command line, the same revision is an error.
            let explicit = try EngineSyncBinary.run(["status", "--config", config, "--rev", "gone"])
            #expect(explicit.status == 1, "\(explicit.stdout)\(explicit.stderr)")
        }
    }

    @Test func commandGroupsWithoutASubcommandAreUsageErrors() throws {
        for group in ["migrate", "hooks"] {
            let result = try EngineSyncBinary.run([group])
            #expect(result.status == 64, "\(group): \(result.stdout)\(result.stderr)")
            #expect(result.stderr.contains("USAGE: enginesync \(group)"), "\(result.stderr)")
        }
    }

    /// File names, field keys and pointers in `validate`'s text output (which the pre-receive hook shows to the
    /// pusher) cannot drive the terminal.
    @Test func validateShowsControlCharactersEscaped() throws {
        let root = try Self.directory([
            "m": "{\"fields\": {\"x\\u001b[31mRED\\n# HACKED\": {\"type\": \"int\", \"length\": \"s\"}}}"
        ])
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "{".write(toFile: root + "/dsl/models/q\u{1B}[2J\n# H.json", atomically: true, encoding: .utf8)
        let result = try EngineSyncBinary.run(["validate", "--dir", root])
        #expect(result.status == 3)
        #expect(!result.stdout.contains("\u{1B}"), "\(result.stdout)")
        #expect(!result.stdout.contains("\n# H"), "\(result.stdout)")
        #expect(result.stdout.contains("\\u{1B}"), "\(result.stdout)")
    }

    /// A statement nested deeper than PostgreSQL's parser can print without overflowing the stack (a 160 KB
    /// `SELECT 1+1+…`) crashed `validate`, `plan` and the daemon on every restart; it is now left unlinted, with
    /// a warning, and the other statements are still linted.
    @Test func aDeeplyNestedMigrationIsNotLintedAndCrashesNothing() throws {
        try ScratchDatabase.with { database, _ in
            let root = try Self.directory(
                ["post": #"{"fields": {}}"#],
                migrations: [
                    "0001_deep.sql": "SELECT 1" + String(repeating: "+1", count: 80_000) + ";\n",
                    "0002_parens.sql": "SELECT " + String(repeating: "(", count: 5_000) + "1"
                        + String(repeating: ")", count: 5_000) + ";\n",
                    "0003_fine.sql": "SELECT 1" + String(repeating: "+1", count: 150)
                        + ";\nCREATE INDEX i ON post (id);\n",
                ])
            defer { try? FileManager.default.removeItem(atPath: root) }
            let validate = try EngineSyncBinary.run(["validate", "--dir", root])
            #expect(validate.status == 0, "\(validate.stdout)\(validate.stderr)")
            let lines = validate.stdout.split(separator: "\n")
            for file in ["0001_deep.sql", "0002_parens.sql"] {
                #expect(
                    lines.contains { $0.contains(file) && $0.contains("migration_not_linted") }, "\(validate.stdout)")
            }
            #expect(lines.contains { $0.contains("0003_fine.sql:2") && $0.contains("create_index_not_concurrently") })
            let plan = try EngineSyncBinary.run(["plan", "--dir", root, "--database", database.dsn])
            #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)")
            #expect(plan.stdout.contains("migration_not_linted"), "\(plan.stdout)")
        }
    }

    /// Statements PostgreSQL refuses inside a transaction block are found by `validate`, not by the sync.
    @Test func migrationsThatCannotRunInATransactionAreInvalid() throws {
        let root = try Self.directory(
            ["post": #"{"fields": {}}"#],
            migrations: [
                "0001_vacuum.sql": "VACUUM;\n", "0002_db.sql": "CREATE DATABASE x;\n",
                "0003_system.sql": "ALTER SYSTEM SET work_mem = '8MB';\n",
                "0004_fine.sql": "-- enginesync: no-transaction\nVACUUM;\n",
            ])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let result = try EngineSyncBinary.run(["validate", "--dir", root])
        #expect(result.status == 3, "\(result.stdout)")
        for file in ["0001_vacuum.sql", "0002_db.sql", "0003_system.sql"] {
            #expect(
                result.stdout.split(separator: "\n").contains { $0.contains(file) && $0.contains("transaction block") },
                "\(file): \(result.stdout)")
        }
        #expect(!result.stdout.contains("0004_fine.sql"), "\(result.stdout)")
    }
}
