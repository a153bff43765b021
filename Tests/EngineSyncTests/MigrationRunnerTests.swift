import EngineSync
import EngineSyncCore
import EngineSyncTestSupport
import Foundation
import GitClient
import Logging
import PostgresClient
import Synchronization
import Testing

@Suite("MigrationRunner against a real database")
struct MigrationRunnerTests {
    /// EngineJS's order (JavaScript localeCompare): case-insensitive first, so `a_lower` comes before `B_upper`.
    @Test func appliesPendingMigrationsInLocaleCompareOrder() throws {
        try ScratchDatabase.with { _, connection in
            let directory = try MigrationDirectory()
            try directory.write("0000_log", "CREATE TABLE log (seq serial, id text);")
            for id in ["0002_b", "0010_c", "0001_a", "B_upper", "a_lower", "0001_a_more"] {
                try directory.write(id, "INSERT INTO log (id) VALUES ('\(id)');")
            }
            let runner = try directory.runner(connection)
            let expected = ["0000_log", "0001_a", "0001_a_more", "0002_b", "0010_c", "a_lower", "B_upper"]
            #expect(try runner.status().pending == expected)
            #expect(try runner.status().executed == [])
            let applied = try runner.up()
            #expect(applied.map(\.id) == expected)
            #expect(applied.allSatisfy { $0.durationMs >= 0 })
            #expect(try connection.column("SELECT id FROM log ORDER BY seq") == expected.dropFirst().map { $0 })
            let status = try runner.status()
            #expect(status.executed == expected)
            #expect(status.pending.isEmpty)
            #expect(status.warnings.isEmpty)
            let rows = try connection.trackingRows()
            #expect(rows.count == 7)
            #expect(rows.allSatisfy { $0[1] == "applied" && $0[2]?.count == 64 && $0[4] != nil })
        }
    }

    @Test func runsEachMigrationOnceAcrossRunsAndCommits() throws {
        try ScratchDatabase.with { _, connection in
            let scratch = try ScratchRepository()
            let first = try scratch.commit([
                "migrations/0001_create.sql": "CREATE TABLE t (id int);\n",
                "dsl/models/post.json": "{}",
            ])
            let repository = try GitRepository.open(path: scratch.path)
            let firstID = try #require(ObjectID(hex: first))
            let options = MigrationRunnerOptions.quiet.with { $0.commit = first }
            let set = try MigrationLoader.load(repository: repository, commit: firstID)
            #expect(set.treeID != nil)
            #expect(
                try MigrationRunner(connection: connection, set: set, options: options).up().map(\.id) == [
                    "0001_create"
                ])
            #expect(try MigrationRunner(connection: connection, set: set, options: options).up().isEmpty)

            let second = try scratch.commit(["migrations/0002_insert.sql": "INSERT INTO t VALUES (1);\n"])
            let secondSet = try MigrationLoader.load(
                repository: repository, commit: try #require(ObjectID(hex: second)))
            let runner = try MigrationRunner(
                connection: connection, set: secondSet,
                options: .quiet.with { $0.commit = second })
            #expect(try runner.up().map(\.id) == ["0002_insert"])
            #expect(try runner.up().isEmpty)
            #expect(try connection.column("SELECT count(*) FROM t") == ["1"])
            let rows = try connection.trackingRows()
            #expect(rows.map { $0[0] } == ["0001_create", "0002_insert"])
            #expect(rows.map { $0[3] } == [first, second])
        }
    }

    @Test func failingStatementRollsBackTheMigrationAndItsRecord() throws {
        try ScratchDatabase.with { _, connection in
            let directory = try MigrationDirectory()
            try directory.write("0001_ok", "CREATE TABLE ok (id int);")
            try directory.write(
                "0002_broken",
                """
                -- creates a table, then fails
                CREATE TABLE half (id int);
                INSERT INTO half VALUES (1);
                INSERT INTO
                  no_such_table VALUES (1);
                """)
            try directory.write("0003_later", "CREATE TABLE later (id int);")
            let runner = try directory.runner(connection)
            let error = try #require(throws: MigrationError.self) { try runner.up() }
            #expect(error.kind == .failed)
            #expect(error.id == "0002_broken")
            #expect(error.file == "migrations/0002_broken.sql")
            #expect(error.line == 5)
            #expect(error.sqlState == SQLState("42P01"))
            #expect(error.message.contains("no_such_table"))
            #expect(error.applied.map(\.id) == ["0001_ok"])
            #expect(error.description.hasPrefix("migrations/0002_broken.sql:5: "))
            #expect(error.description.hasSuffix("(SQLSTATE 42P01)"))
            #expect(try connection.tableExists("ok"))
            #expect(try !connection.tableExists("half"))
            #expect(try !connection.tableExists("later"))
            #expect(try connection.trackingRows().map { $0[0] } == ["0001_ok"])
            let status = try runner.status()
            #expect(status.pending == ["0002_broken", "0003_later"])
            #expect(status.failed.isEmpty)
        }
    }

    @Test func noTransactionMigrationRunsStatementsOneByOne() throws {
        try ScratchDatabase.with { _, connection in
            let directory = try MigrationDirectory()
            try directory.write("0001_table", "CREATE TABLE t (a int, b int); INSERT INTO t VALUES (1, 1), (2, 2);")
            try directory.write(
                "0002_indexes",
                """
                -- enginesync: no-transaction
                CREATE INDEX CONCURRENTLY t_a ON t (a);
                CREATE UNIQUE INDEX CONCURRENTLY t_b ON t (b);
                """)
            let applied = try directory.runner(connection).up()
            #expect(applied.map(\.id) == ["0001_table", "0002_indexes"])
            #expect(
                try connection.column(
                    "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = 't'::regclass AND indisvalid ORDER BY 1"
                )
                    == ["t_a", "t_b"])
            #expect(try connection.trackingRows().map { $0[1] } == ["applied", "applied"])
        }
    }

    /// A failing no-transaction migration: `failed`, later migrations blocked, then settled both ways.
    @Test(arguments: [MigrationResolution.rolledBack, .applied])
    func failedNoTransactionMigrationBlocksUntilResolved(_ resolution: MigrationResolution) throws {
        try ScratchDatabase.with { _, connection in
            let directory = try MigrationDirectory()
            try directory.write("0001_table", "CREATE TABLE t (a int, b int); INSERT INTO t VALUES (1, 7), (2, 7);")
            try directory.write(
                "0002_indexes",
                """
                -- enginesync: no-transaction
                CREATE INDEX CONCURRENTLY IF NOT EXISTS t_a ON t (a);
                CREATE UNIQUE INDEX CONCURRENTLY t_b ON t (b);
                """)
            try directory.write("0003_later", "CREATE TABLE later (id int);")
            let error = try #require(throws: MigrationError.self) { try directory.runner(connection).up() }
            #expect(error.kind == .failed)
            #expect(error.sqlState == SQLState.uniqueViolation)
            #expect(error.line == 3)
            #expect(error.file == "migrations/0002_indexes.sql")
            // Statements before the failure stay (no transaction), the failure is recorded, nothing later ran.
            #expect(try connection.tableExists("t_a"))
            #expect(try !connection.tableExists("later"))
            #expect(
                try connection.trackingRows().map { [$0[0], $0[1]] } == [
                    ["0001_table", "applied"], ["0002_indexes", "failed"],
                ])
            let status = try directory.runner(connection).status()
            #expect(
                status.failed == [
                    FailedMigration(id: "0002_indexes", state: .failed, file: "migrations/0002_indexes.sql")
                ])
            #expect(status.pending == ["0003_later"])

            let refused = try #require(throws: MigrationError.self) { try directory.runner(connection).up() }
            #expect(refused.kind == .unresolved)
            #expect(refused.description.contains("enginesync migrate resolve 0002_indexes"))
            #expect(try !connection.tableExists("later"))

            // Settle it: either the operator finished by hand, or undid it so it runs again after a fix.
            try connection.query("DROP INDEX t_b")  // the invalid leftover of the failed build
            switch resolution {
            case .applied:
                try connection.query("CREATE UNIQUE INDEX t_b ON t (b, a)")
            case .rolledBack:
                try connection.query("UPDATE t SET b = a")
            }
            try directory.runner(connection).resolve(id: "0002_indexes", as: resolution)
            let rows = try connection.trackingRows()
            switch resolution {
            case .applied: #expect(rows.map { $0[1] } == ["applied", "applied"])
            case .rolledBack: #expect(rows.map { $0[0] } == ["0001_table"])
            }
            let applied = try directory.runner(connection).up()
            #expect(applied.map(\.id) == (resolution == .applied ? ["0003_later"] : ["0002_indexes", "0003_later"]))
            #expect(try connection.tableExists("later"))
            #expect(try connection.tableExists("t_b"))
            #expect(try connection.trackingRows().allSatisfy { $0[1] == "applied" })
            // Resolving a migration that is not failed is refused.
            let again = try #require(throws: MigrationError.self) {
                try directory.runner(connection).resolve(id: "0002_indexes", as: .applied)
            }
            #expect(again.kind == .notResolvable)
        }
    }

    @Test func runningRowFromACrashIsTreatedAsFailed() throws {
        try ScratchDatabase.with { _, connection in
            let directory = try MigrationDirectory()
            try directory.write("0001_a", "-- enginesync: no-transaction\nCREATE TABLE a (id int);")
            try directory.write("0002_b", "CREATE TABLE b (id int);")
            try directory.runner(connection).up()
            try connection.query("UPDATE engine_migrations SET state = 'running' WHERE id = '0001_a'")
            try connection.execute(script: "DELETE FROM engine_migrations WHERE id = '0002_b'; DROP TABLE b;")
            let status = try directory.runner(connection).status()
            #expect(status.failed == [FailedMigration(id: "0001_a", state: .running, file: "migrations/0001_a.sql")])
            #expect(status.executed == [])
            let error = try #require(throws: MigrationError.self) { try directory.runner(connection).up() }
            #expect(error.kind == .unresolved)
            #expect(error.file == "migrations/0001_a.sql")
            try directory.runner(connection).resolve(id: "0001_a", as: .applied)
            #expect(try directory.runner(connection).up().map(\.id) == ["0002_b"])
        }
    }

    @Test func failedNoTransactionScriptInsideItsOwnBlockIsStillMarkedFailed() throws {
        try ScratchDatabase.with { _, connection in
            let directory = try MigrationDirectory()
            try directory.write(
                "0001_block",
                """
                -- enginesync: no-transaction
                BEGIN;
                CREATE TABLE inside (id int);
                SELECT 1 / 0;
                COMMIT;
                """)
            let error = try #require(throws: MigrationError.self) { try directory.runner(connection).up() }
            #expect(error.sqlState == SQLState("22012"))
            #expect(error.line == 4)
            #expect(try !connection.tableExists("inside"))
            #expect(try connection.trackingRows().map { $0[1] } == ["failed"])
        }
    }

    @Test func changedChecksumMakesTheRunInvalid() throws {
        try ScratchDatabase.with { _, connection in
            let directory = try MigrationDirectory()
            try directory.write("0001_a", "CREATE TABLE a (id int);\n")
            try directory.runner(connection).up()
            // Line endings alone are not an edit.
            try directory.write("0001_a", "CREATE TABLE a (id int);\r\n")
            #expect(try directory.runner(connection).status().isValid)
            try directory.write("0001_a", "CREATE TABLE a (id bigint);\n")
            try directory.write("0002_b", "CREATE TABLE b (id int);\n")
            let status = try directory.runner(connection).status()
            #expect(status.checksumMismatches.map(\.id) == ["0001_a"])
            #expect(status.checksumMismatches.first?.file == "migrations/0001_a.sql")
            #expect(!status.isValid)
            let error = try #require(throws: MigrationError.self) { try directory.runner(connection).up() }
            #expect(error.kind == .invalid)
            #expect(error.file == "migrations/0001_a.sql")
            #expect(error.description.contains("migrations/0001_a.sql"))
            #expect(try !connection.tableExists("b"))
            #expect(try connection.trackingRows().map { $0[0] } == ["0001_a"])
        }
    }

    @Test func outOfOrderAndMissingFileWarnings() throws {
        try ScratchDatabase.with { _, connection in
            let directory = try MigrationDirectory()
            try directory.write("0001_a", "CREATE TABLE a (id int);")
            try directory.write("0003_c", "CREATE TABLE c (id int);")
            try directory.runner(connection).up()
            try directory.write("0002_b", "CREATE TABLE b (id int);")
            try directory.remove("0001_a")
            let status = try directory.runner(connection).status()
            #expect(status.pending == ["0002_b"])
            #expect(status.warnings.map(\.code).sorted() == ["missing_file", "out_of_order"])
            #expect(status.warnings.first { $0.code == "out_of_order" }?.id == "0002_b")
            #expect(status.warnings.first { $0.code == "missing_file" }?.id == "0001_a")
            let report = try directory.runner(connection).upWithReport()
            #expect(report.applied.map(\.id) == ["0002_b"])
            #expect(report.warnings.contains { $0.code == "out_of_order" && $0.file == "migrations/0002_b.sql" })
            #expect(try connection.tableExists("b"))
        }
    }

    @Test func adoptsATrackingTableCreatedByEngineJS() throws {
        try ScratchDatabase.with { _, connection in
            try connection.execute(
                script: """
                    CREATE TABLE engine_migrations (id varchar(255) PRIMARY KEY, executed_at timestamptz DEFAULT now());
                    INSERT INTO engine_migrations (id) VALUES ('0001_engine_js');
                    """)
            let oid = try connection.column("SELECT 'engine_migrations'::regclass::oid::text")
            let directory = try MigrationDirectory()
            // Would fail if it ran again: it is recorded by EngineJS.
            try directory.write("0001_engine_js", "SELECT no_such_column FROM no_such_table;")
            try directory.write("0002_new", "CREATE TABLE fresh (id int);")
            let before = try directory.runner(connection).status()
            #expect(before.executed == ["0001_engine_js"])
            #expect(before.pending == ["0002_new"])
            #expect(try directory.runner(connection).up().map(\.id) == ["0002_new"])
            #expect(try connection.column("SELECT 'engine_migrations'::regclass::oid::text") == oid)
            let columns = try connection.column(
                """
                SELECT attname FROM pg_attribute WHERE attrelid = 'engine_migrations'::regclass AND attnum > 0
                AND NOT attisdropped ORDER BY attnum
                """)
            #expect(columns == ["id", "executed_at", "checksum", "commit", "duration_ms", "state", "origin"])
            let rows = try connection.trackingRows()
            #expect(rows.map { $0[0] } == ["0001_engine_js", "0002_new"])
            #expect(rows.allSatisfy { $0[1] == "applied" })
            // The EngineJS row got the file's checksum, so a later edit is caught.
            #expect(try rows[0][2] == directory.load().migrations[0].checksum)
        }
    }

    /// EngineJS's own DDL (sequelize `queryInterface.createTable` of its MigrationRunner), verbatim.
    static let engineJSTable = """
        CREATE TABLE IF NOT EXISTS "engine_migrations" ("id" VARCHAR(255) NOT NULL , "executed_at" TIMESTAMP WITH TIME ZONE NOT NULL, PRIMARY KEY ("id"));
        """

    /// An id EngineJS's JavaScript runner recorded, with no SQL file: listed as executed, reported once by the
    /// first `up` (which marks the row `origin = 'external'`), then never again; `status` never warns about it.
    /// An id enginesync recorded whose file is gone keeps warning `missing_file`.
    @Test func idRecordedByEngineJSWithoutAFileIsReportedOnce() throws {
        try ScratchDatabase.with { _, connection in
            try connection.execute(script: Self.engineJSTable)
            try connection.query(
                #"INSERT INTO "engine_migrations" ("id","executed_at") VALUES ('20240101_js_only', now())"#)
            let directory = try MigrationDirectory()
            try directory.write("0001_a", "CREATE TABLE a (id int);")
            try directory.write("0002_b", "CREATE TABLE b (id int);")
            func otherRunnerWarnings(_ warnings: [MigrationWarning]) -> [MigrationWarning] {
                warnings.filter { $0.id == "20240101_js_only" || $0.code == "recorded_by_other_runner" }
            }
            func origin(_ id: String) throws -> String? {
                try connection.column("SELECT origin FROM engine_migrations WHERE id = $1", [id]).first ?? nil
            }

            // Read-only status lists it but never warns, however often it runs (and writes nothing).
            for _ in 0..<2 {
                let status = try directory.runner(connection).status()
                #expect(status.executed == ["20240101_js_only"])
                #expect(status.recordedByOtherRunner == ["20240101_js_only"])
                #expect(status.pending == ["0001_a", "0002_b"])
                #expect(status.warnings == [], "\(status.warnings)")  // nor out_of_order against the EngineJS id
            }

            // The first up reports it once, with its own code, and marks the row.
            let first = try directory.runner(connection).upWithReport()
            #expect(first.applied.map(\.id) == ["0001_a", "0002_b"])
            #expect(
                otherRunnerWarnings(first.warnings) == [
                    MigrationWarning(
                        code: "recorded_by_other_runner",
                        message:
                            "'20240101_js_only' was recorded by another runner (such as EngineJS's MigrationRunner) and "
                            + "has no migration here; it is treated as applied and not reported again",
                        id: "20240101_js_only")
                ])
            #expect(first.warnings.count == 1, "\(first.warnings)")
            #expect(try origin("20240101_js_only") == "external")
            #expect(try origin("0001_a") == "enginesync")

            // Later runs say nothing about it; status still lists it.
            let second = try directory.runner(connection).upWithReport()
            #expect(second.applied.isEmpty)
            #expect(second.warnings == [], "\(second.warnings)")
            let status = try directory.runner(connection).status()
            #expect(status.executed == ["0001_a", "0002_b", "20240101_js_only"])
            #expect(status.recordedByOtherRunner == ["20240101_js_only"])
            #expect(status.warnings == [])

            // A migration enginesync recorded whose file was deleted still warns, every run.
            try directory.remove("0001_a")
            for _ in 0..<2 {
                let report = try directory.runner(connection).upWithReport()
                #expect(report.warnings.map(\.code) == ["missing_file"])
                #expect(report.warnings.first?.id == "0001_a")
                #expect(try directory.runner(connection).status().warnings.map(\.code) == ["missing_file"])
            }
            // So does one recorded by an enginesync from before the origin column (NULL origin, but a duration).
            try connection.query("UPDATE engine_migrations SET origin = NULL WHERE id = '0001_a'")
            #expect(try directory.runner(connection).upWithReport().warnings.map(\.code) == ["missing_file"])
            #expect(try origin("0001_a") == nil)

            // EngineJS's runner still works on the extended table: its columns are unchanged, it reads the ids and
            // inserts (id, executed_at) only, exactly the statements sequelize sends for it.
            let engineJSColumns = try connection.query(
                """
                SELECT attname, pg_catalog.format_type(atttypid, atttypmod) AS type, attnotnull::text AS notnull
                FROM pg_attribute WHERE attrelid = 'engine_migrations'::regclass AND attname IN ('id', 'executed_at')
                ORDER BY attnum
                """
            ).rows.map(\.values)
            #expect(
                engineJSColumns == [
                    ["id", "character varying(255)", "true"],
                    ["executed_at", "timestamp with time zone", "true"],
                ])
            #expect(
                try connection.column(
                    """
                    SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                    WHERE i.indrelid = 'engine_migrations'::regclass AND i.indisprimary
                    """) == ["id"])
            #expect(
                try connection.column(#"SELECT "id" FROM "engine_migrations" ORDER BY "id" ASC;"#)
                    == ["0001_a", "0002_b", "20240101_js_only"])
            try connection.query(
                #"INSERT INTO "engine_migrations" ("id","executed_at") VALUES ($1,$2);"#,
                ["20240102_js_later", "2024-01-02 00:00:00+00"])
            // A row EngineJS adds later is reported once too.
            let third = try directory.runner(connection).upWithReport()
            #expect(third.warnings.map(\.code).sorted() == ["missing_file", "recorded_by_other_runner"])
            #expect(third.warnings.first { $0.code == "recorded_by_other_runner" }?.id == "20240102_js_later")
            #expect(try directory.runner(connection).upWithReport().warnings.map(\.code) == ["missing_file"])
            #expect(try connection.trackingRows().first { $0[0] == "20240102_js_later" }?[1] == "applied")
        }
    }

    /// A run that fails reports only its error: the EngineJS id is left for the next run that succeeds.
    @Test func failedRunLeavesTheOtherRunnersIdToTheNextRun() throws {
        try ScratchDatabase.with { _, connection in
            try connection.execute(script: Self.engineJSTable)
            try connection.query(
                #"INSERT INTO "engine_migrations" ("id","executed_at") VALUES ('20240101_js_only', now())"#)
            let directory = try MigrationDirectory()
            try directory.write("0001_broken", "SELECT * FROM no_such_table;")
            let error = try #require(throws: MigrationError.self) { try directory.runner(connection).up() }
            #expect(error.id == "0001_broken")
            #expect(
                try connection.column("SELECT origin FROM engine_migrations WHERE id = '20240101_js_only'") == [nil])
            try directory.write("0001_broken", "SELECT 1;")
            let report = try directory.runner(connection).upWithReport()
            #expect(report.applied.map(\.id) == ["0001_broken"])
            #expect(report.warnings.map(\.code) == ["recorded_by_other_runner"])
            #expect(try directory.runner(connection).upWithReport().warnings == [])
        }
    }

    /// An EngineJS id that does have a file here is an ordinary applied migration: no warning at all.
    @Test func engineJSIdWithAFileIsNotReported() throws {
        try ScratchDatabase.with { _, connection in
            try connection.execute(script: Self.engineJSTable)
            try connection.query(#"INSERT INTO "engine_migrations" ("id","executed_at") VALUES ('0001_shared', now())"#)
            let directory = try MigrationDirectory()
            try directory.write("0001_shared", "SELECT no_such_column FROM no_such_table;")
            let report = try directory.runner(connection).upWithReport()
            #expect(report.applied.isEmpty)
            #expect(report.warnings == [])
            #expect(try directory.runner(connection).status().recordedByOtherRunner == [])
            #expect(try connection.column("SELECT origin FROM engine_migrations") == [nil])
        }
    }

    @Test func twoConcurrentRunnersApplyEachMigrationExactlyOnce() throws {
        let database = try ScratchDatabase()
        try withExtendedLifetime(database) {
            let directory = try MigrationDirectory()
            try directory.write("0001_log", "CREATE TABLE log (id text PRIMARY KEY);")
            for number in 2...6 {
                try directory.write(
                    String(format: "%04d_step", number),
                    "SELECT pg_sleep(0.1); INSERT INTO log VALUES ('\(number)');")
            }
            let set = try directory.load()
            let results = Mutex<[[String]]>([])
            let failures = Mutex<[String]>([])
            let configuration = database.configuration
            DispatchQueue.concurrentPerform(iterations: 2) { _ in
                do {
                    let connection = try PostgresConnection.connect(configuration)
                    let runner = try MigrationRunner(
                        connection: connection, set: set,
                        options: .quiet.with { $0.lockWait = .seconds(30) })
                    let applied = try runner.up().map(\.id)
                    results.withLock { $0.append(applied) }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
            #expect(failures.withLock { $0 } == [])
            let applied = results.withLock { $0 }
            #expect(applied.count == 2)
            #expect(applied.flatMap { $0 }.sorted() == set.ids)
            let connection = try database.connect()
            #expect(try connection.column("SELECT count(*) FROM log") == ["5"])
            #expect(try connection.trackingRows().count == 6)
        }
    }

    @Test func lockHeldElsewhereIsSkipped() throws {
        try ScratchDatabase.with { database, connection in
            let other = try database.connect()
            #expect(try EngineSyncLock.tryLock(other))
            let directory = try MigrationDirectory()
            try directory.write("0001_a", "CREATE TABLE a (id int);")
            let runner = try directory.runner(connection, options: .quiet.with { $0.lockWait = .milliseconds(300) })
            let error = try #require(throws: MigrationError.self) { try runner.up() }
            #expect(error.kind == .lockHeld)
            #expect(try !connection.tableExists("a"))
            let outcome = try EngineSyncLock.withAdvisoryLock(connection) { 1 }
            guard case .heldElsewhere = outcome else {
                Issue.record("expected heldElsewhere, got \(outcome)")
                return
            }
            #expect(try EngineSyncLock.unlock(other))
            #expect(try runner.up().map(\.id) == ["0001_a"])
            // The runner unlocked: another session can take the lock at once.
            #expect(try EngineSyncLock.tryLock(other))
            #expect(try EngineSyncLock.unlock(other))
            let held = try connection.column(
                """
                SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1701734249 AND objid = 1852142457
                  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                """)
            #expect(held == ["0"])
        }
    }

    @Test func lockIsReleasedWhenTheBodyThrows() throws {
        try ScratchDatabase.with { database, connection in
            struct Boom: Error {}
            #expect(throws: Boom.self) {
                _ = try EngineSyncLock.withAdvisoryLock(connection) { throw Boom() }
            }
            let other = try database.connect()
            #expect(try EngineSyncLock.tryLock(other))
        }
    }

    @Test func swiftMigrationsRunInTheirTransaction() throws {
        try ScratchDatabase.with { _, connection in
            let migrations = [
                Migration(id: "0001_swift") { context in
                    try context.connection.query("CREATE TABLE from_swift (id int)")
                    context.logger.info("created")
                },
                Migration(id: "0002_swift_fails") { context in
                    try context.connection.query("CREATE TABLE doomed (id int)")
                    try context.connection.query("SELECT * FROM no_such_table")
                },
            ]
            let runner = try MigrationRunner(connection: connection, migrations: migrations, options: .quiet)
            let error = try #require(throws: MigrationError.self) { try runner.up() }
            #expect(error.id == "0002_swift_fails")
            #expect(error.file == nil)
            #expect(error.sqlState == SQLState("42P01"))
            #expect(try connection.tableExists("from_swift"))
            #expect(try !connection.tableExists("doomed"))
            let rows = try connection.trackingRows()
            #expect(rows.map { $0[0] } == ["0001_swift"])
            #expect(rows[0][2] == nil)  // no checksum for Swift migrations
            let duplicate = try MigrationRunner(
                connection: connection, migrations: [migrations[0], migrations[0]], options: .quiet)
            #expect(throws: MigrationError.self) { try duplicate.status() }
        }
    }

    @Test func trackingTableInAConfiguredSchema() throws {
        try ScratchDatabase.with { _, connection in
            try connection.query("CREATE SCHEMA ops")
            let directory = try MigrationDirectory()
            try directory.write("0001_a", "CREATE TABLE a (id int);")
            #expect(
                try directory.runner(connection, settings: SessionSettings(schema: "ops")).up().map(\.id) == ["0001_a"])
            #expect(try connection.tableExists("ops.engine_migrations"))
            #expect(try !connection.tableExists("public.engine_migrations"))
            #expect(try connection.trackingRows(schema: "ops").count == 1)
            #expect(
                try directory.runner(connection, settings: SessionSettings(schema: "ops")).status().executed == [
                    "0001_a"
                ])
        }
    }
}
