import EngineSync
import EngineSyncCore
import EngineSyncTestSupport
import Foundation
import Logging
import PostgresClient
import Testing

/// SPEC 4.3: the connection drops during COMMIT but the transaction committed. A proxy in front of the real
/// server forwards the COMMIT and swallows the reply, so the outcome is known only by asking the database.
@Suite("Safe Sync when the reply to COMMIT is lost")
struct CommitLossTests {
    @Test func aCommitWhoseReplyIsLostIsFoundCommittedAndTheWorkAfterItContinues() throws {
        try ScratchDatabase.with { database, connection in
            let proxy = try CommitDroppingProxy(forwardingTo: database)
            defer { proxy.stop() }
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/meta/dsl.json": ReconcileStory.snapshotModel,
                "dsl/models/item.json": #"{"fields": {"name": {"type": "string"}}}"#,
            ])
            #expect(ReconcileStory.reconcile(database, repository).report.outcome == .synced)
            try connection.execute(
                script: """
                    INSERT INTO public.item (name) SELECT 'item ' || n FROM generate_series(1, 50) n;
                    ANALYZE public.item;
                    """)
            let snapshots = try ReconcileStory.count(connection, "SELECT count(*)::int AS n FROM public.dsl")
            let logRows = try ReconcileStory.count(
                connection, "SELECT count(*)::int AS n FROM public.engine_reconciles")

            // A new column and an index on it; 50 rows > concurrent_index_rows, so the index is built after COMMIT.
            let sha = try repository.commit([
                "dsl/models/item.json":
                    #"{"fields": {"name": {"type": "string"}, "code": {"type": "string"}}, "indexes": {"many": [["code"]]}}"#
            ])
            var options = ReconcilerOptions(lockWait: .zero, branch: "main")
            options.safeSync.planner.concurrentIndexRows = 10
            let throughProxy = Reconciler(
                database: proxy.configuration(for: database), options: options,
                logger: Logger(label: "test"))
            proxy.arm()
            let result = throughProxy.reconcile(.git(repository: repository.path, revision: "main"))

            // The proxy really did forward a COMMIT, see the server answer it, and drop the answer.
            #expect(proxy.droppedCommits == 1)
            #expect(proxy.answeredDroppedCommits == 1)
            #expect(result.report.outcome == .synced, "\(result.report.errors)")
            #expect(result.report.warnings.map(\.code).contains("commit_connection_lost"), "\(result.report.warnings)")
            #expect(try ReconcileStory.value(connection, ReconcileStory.columnType("item", "code")) != "absent")
            let concurrent = try #require(
                result.report.applied.first { $0.concurrently == true }, "\(result.report.applied)")
            let index = try #require(concurrent.index)
            #expect(try ReconcileStory.value(connection, ReconcileStory.indexColumns(index)) == "code")
            #expect(
                try ReconcileStory.value(
                    connection,
                    """
                    SELECT indisvalid FROM pg_catalog.pg_index WHERE indexrelid = pg_catalog.to_regclass('public.\(index)')
                    """) == "true")

            // One log row for the attempt (the committed one, not re-inserted), updated on the new session after
            // the concurrent build: its report lists the index and the warning.
            #expect(
                try ReconcileStory.count(connection, "SELECT count(*)::int AS n FROM public.engine_reconciles")
                    == logRows + 1)
            #expect(
                try ReconcileStory.count(
                    connection,
                    """
                    SELECT count(*)::int AS n FROM public.engine_reconciles WHERE commit = '\(sha)'
                    """) == 1)
            let logged = try #require(
                try connection.query(
                    """
                    SELECT outcome, report::text AS report FROM public.engine_reconciles WHERE commit = $1
                    """, [sha]
                ).first)
            #expect(try logged.string("outcome") == "synced")
            let report = try ReconcileReport.decode(Data(try logged.string("report").utf8))
            #expect(report.applied.contains { $0.index == index && $0.concurrently == true }, "\(report.applied)")
            #expect(report.warnings.map(\.code).contains("commit_connection_lost"))
            #expect(try ReconcileStory.count(connection, "SELECT count(*)::int AS n FROM public.dsl") == snapshots + 1)

            // The proxy relays normally from now on, and the stored snapshot leaves nothing to do.
            let again = throughProxy.reconcile(.git(repository: repository.path, revision: "main"))
            #expect(again.report.outcome == .synced, "\(again.report.errors)")
            #expect(again.report.applied.isEmpty)
            #expect(proxy.droppedCommits == 1)
        }
    }
}
