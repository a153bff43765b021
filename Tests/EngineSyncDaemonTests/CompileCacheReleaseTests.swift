import EngineSync
import EngineSyncCore
import EngineSyncDaemon
import EngineSyncTestSupport
import Foundation
import Logging
import PostgresClient
import Testing

/// Issue 14 goal 3: the daemon keeps its DSL compile cache while pushes keep coming and lets go of it at its first idle
/// turn, so an idle daemon does not hold it (~24 MiB at 1,000 models); the next push compiles from scratch and
/// reconciles exactly as with the cache.
@Suite struct CompileCacheReleaseTests {
    static let post = #"{"fields": {"title": {"type": "string"}}}"#

    @Test func theFirstIdleTurnReleasesTheCompileCacheAndTheNextPushIsStillExact() async throws {
        let database = try ScratchDatabase()
        defer { withExtendedLifetime(database) {} }
        let repository = try ScratchRepository()
        let state = try TemporaryDirectory()
        try repository.commit([
            "dsl/models/post.json": Self.post,
            "dsl/models/tag.json": #"{"fields": {"label": {"type": "string", "length": 40}}}"#,
        ])
        var configuration = DaemonConfiguration(source: .repository(path: repository.path))
        configuration.database = database.dsn
        configuration.stateDirectory = state.path
        let worker = ReconcileWorker(configuration: configuration, logger: Logger(label: "test"))

        #expect(await worker.reconcileOnce(configuration: configuration).outcome == .synced)
        #expect(worker.compileCacheFileCount >= 2)
        // Nothing new: an idle turn, which lets go of the cache.
        let idle = await worker.reconcileOnce(configuration: configuration)
        #expect(idle.idle)
        #expect(worker.compileCacheFileCount == 0)

        try repository.commit([
            "dsl/models/post.json": #"{"fields": {"title": {"type": "string"}, "body": {"type": "text"}}}"#
        ])
        #expect(await worker.reconcileOnce(configuration: configuration).outcome == .synced)
        #expect(worker.compileCacheFileCount >= 2)
        let connection = try database.connect()
        let columns = try connection.query(
            """
            SELECT column_name FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name = 'post' AND column_name IN ('title', 'body')
            ORDER BY column_name
            """
        ).rows.map { try $0.string("column_name") }
        #expect(columns == ["body", "title"])
        await worker.closeSession()
    }
}
