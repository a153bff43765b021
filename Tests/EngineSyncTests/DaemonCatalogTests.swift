import EngineSync
import EngineSyncCore
import EngineSyncDaemon
import EngineSyncTestSupport
import Foundation
import Logging
import PostgresClient
import Testing

/// The daemon's side of issue 18: `catalog.json` next to the reports after each reconcile, and
/// `migration_lint: block` stopping a big-table hazard like any blocked change.
@Suite("The daemon writes catalog.json and blocks lint hazards under migration_lint: block")
struct DaemonCatalogTests {
    static let post = #"{"fields": {"title": {"type": "string"}, "body": {"type": "text"}}}"#

    @Test func catalogFileFollowsEachReconcile() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            let state = NSTemporaryDirectory() + "enginesync-state-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: state) }
            let tip = try repository.commit([
                "dsl/meta/dsl.json": ReconcileStory.snapshotModel, "dsl/models/post.json": Self.post,
            ])
            var configuration = DaemonReconcilerTests.configuration(repository, database, state: state)
            configuration.maxRewriteRows = 100
            let reconciler = DaemonReconciler(configuration: configuration, logger: Logger(label: "test"))
            #expect(reconciler.step().outcome == .synced)
            // catalog.json is written on the export's own thread, after the report.
            reconciler.waitForCatalogExport()
            let path = "\(state)/reports/\(CatalogFile.fileName)"
            let catalog = try CatalogFile.decode(try #require(FileManager.default.contents(atPath: path)))
            #expect(catalog.lastReconciledCommit == tip)
            #expect(catalog.tables.contains { $0.name == "post" })
            #expect(catalog.snapshot != nil)
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o640)

            // A big table, then a migration that rewrites it: blocked under `block`, nothing runs.
            try connection.execute(
                script: "INSERT INTO public.post (title) SELECT 't' FROM generate_series(1, 500); ANALYZE public.post;")
            configuration.migrationLint = .block
            let blocking = DaemonReconciler(configuration: configuration, logger: Logger(label: "test"))
            blocking.adoptLastSettled(tip)
            let next = try repository.commit([
                "migrations/0001_retype.sql": "ALTER TABLE post ALTER COLUMN body TYPE varchar(10);\n"
            ])
            let step = blocking.step()
            #expect(step.commit == next)
            #expect(step.outcome == .blocked)
            let report = try ReconcileReport.decode(
                try #require(FileManager.default.contents(atPath: "\(state)/reports/\(next).json")))
            let change = try #require(report.blocked.first)
            #expect(change.kind == "migration_lint")
            #expect(change.reason?.contains("alter_column_type") == true)
            #expect(change.reason?.contains("~500 rows") == true)
            #expect(change.rewrite == true)
            #expect(try ReconcileStory.value(connection, ReconcileStory.columnType("post", "body")) == "text")
            #expect(
                try ReconcileStory.count(connection, "SELECT count(*)::int AS n FROM public.engine_migrations") == 0)
        }
    }
}
