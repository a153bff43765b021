import EngineSync
import EngineSyncCore
import EngineSyncTestSupport
import Foundation
import Logging
import PostgresClient
import Testing

/// The DSL compiles on its own thread while the reconcile reaches the database (`PendingCompilation`): whatever
/// the database says, an invalid DSL is reported as before, with nothing written and no wait for the lock.
@Suite("A reconcile compiles the DSL beside the database")
struct CompileBesideDatabaseTests {
    static let invalidModel = #"{"fields": {"name": {"type": "string", "length": 20}},"#

    @Test func anInvalidDSLIsInvalidEvenWhenTheDatabaseIsUnreachable() throws {
        let repository = try ScratchRepository()
        try repository.commit([
            "dsl/meta/dsl.json": ReconcileStory.snapshotModel, "dsl/models/item.json": Self.invalidModel,
        ])
        let unreachable = PostgresConfiguration(
            dsn: "host=/nonexistent-socket-dir port=1 user=nobody dbname=none", connectTimeoutSeconds: 1)
        let result = Reconciler(
            database: unreachable, options: ReconcilerOptions(lockWait: .zero), logger: Logger(label: "test")
        ).reconcile(.git(repository: repository.path, revision: "main"))
        #expect(result.report.outcome == .invalid)
        #expect(!result.report.errors.isEmpty)
        #expect(!result.report.errors.contains { $0.code == "database_unreachable" })
    }

    @Test func anInvalidDSLWritesNothingAndDoesNotWaitForTheLock() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/meta/dsl.json": ReconcileStory.snapshotModel, "dsl/models/item.json": Self.invalidModel,
            ])
            // Another reconciler holds the lock: a valid DSL would be `skipped` (lock_held), an invalid one is
            // `invalid`, as when the compile came first.
            #expect(try EngineSyncLock.tryLock(connection))
            let held = ReconcileStory.reconcile(database, repository)
            #expect(held.report.outcome == .invalid)
            #expect(!held.report.warnings.contains { $0.code == "lock_held" })
            #expect(try EngineSyncLock.unlock(connection))

            let free = ReconcileStory.reconcile(database, repository)
            #expect(free.report.outcome == .invalid)
            #expect(free.report.errors == held.report.errors)
            #expect(
                try ReconcileStory.count(
                    connection,
                    "SELECT count(*)::int AS n FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
                        + "ON n.oid = c.relnamespace WHERE n.nspname = 'public'") == 0)
        }
    }

    @Test func theLockGivesUpAtOnceWhenToldNotToWait() throws {
        try ScratchDatabase.with { database, connection in
            #expect(try EngineSyncLock.tryLock(connection))
            let other = try database.connect()
            var asked = 0
            // Were the answer ignored, this would wait ten minutes.
            let acquired = try EngineSyncLock.acquire(
                other, wait: .seconds(600),
                keepWaiting: {
                    asked += 1
                    return false
                })
            #expect(!acquired)
            #expect(asked == 1)
            #expect(try EngineSyncLock.unlock(connection))
            #expect(try EngineSyncLock.acquire(other, wait: .seconds(600), keepWaiting: { false }))
        }
    }

    @Test func aPlanReadsTheSameCatalogWhileTheDSLCompiles() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/meta/dsl.json": ReconcileStory.snapshotModel,
                "dsl/models/item.json": #"{"fields": {"name": {"type": "string", "length": 20}}}"#,
                "migrations/0001_seed.sql": "CREATE TABLE public.side (id int);",
            ])
            // First a plan with a pending migration (the catalog is read after the migration status), then the
            // sync, then a plan with none pending (the catalog is read while the DSL compiles): both plans see
            // what is there.
            let pending = ReconcileStory.reconcile(database, repository) { $0.safeSync.dryRun = true }
            #expect(pending.report.outcome == .synced)
            #expect(pending.report.migrations.pending == ["0001_seed"])
            #expect(ReconcileStory.reconcile(database, repository).report.outcome == .synced)
            try connection.query("ALTER TABLE public.item ALTER COLUMN name TYPE varchar(10)")
            let plan = ReconcileStory.reconcile(database, repository) { $0.safeSync.dryRun = true }
            #expect(plan.report.outcome == .synced)
            #expect(plan.report.migrations.pending.isEmpty)
            // The column narrowed by hand is seen.
            #expect(!plan.report.applied.isEmpty || !plan.report.drift.isEmpty || !plan.report.blocked.isEmpty)
        }
    }

    @Test func theColumnsReadOnASecondConnectionGiveTheSameSchema() throws {
        try ScratchDatabase.with { database, connection in
            var script = "CREATE TABLE t0 (id serial PRIMARY KEY, v int);"
            for number in 1...20 {
                script +=
                    "CREATE TABLE t\(number) (id serial PRIMARY KEY, v varchar(10) DEFAULT 'x', "
                    + "w int REFERENCES t0(id), n numeric(8,2) NOT NULL DEFAULT 0);"
                script += "CREATE INDEX i\(number) ON t\(number) (v);"
            }
            try connection.execute(script: script)
            let session = try DatabaseSession.connect(
                database.configuration, settings: SessionSettings(schema: "public"), searchPath: .catalogOnly)
            var reader = CatalogReader(schema: "public")
            let alone = try reader.read(session.connection)
            var announced = 0
            let side = try session.openCatalogConnection()
            let paired = try reader.read(session.connection, columnsConnection: side) { announced += 1 }
            #expect(paired == alone)
            #expect(paired.tables.count == 21)
            #expect(paired.tables.allSatisfy { !$0.columns.isEmpty })
            #expect(announced == reader.queryCount)
            #expect(reader.queryCount == 5)
            // The second connection is left as it was, ready for another read.
            #expect(try reader.read(session.connection, columnsConnection: side) == alone)
        }
    }
}
