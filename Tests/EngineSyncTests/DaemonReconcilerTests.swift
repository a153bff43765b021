import EngineSync
import EngineSyncCore
import EngineSyncTestSupport
import Foundation
import Logging
import PostgresClient
import Testing

@Suite("DaemonReconciler: the tip only, settled commits, drift")
struct DaemonReconcilerTests {
    static func configuration(_ repository: ScratchRepository, _ database: ScratchDatabase, state: String) -> DaemonConfiguration {
        var configuration = DaemonConfiguration(source: .repository(path: repository.path))
        configuration.database = database.dsn
        configuration.stateDirectory = state
        return configuration
    }

    @Test func reconcilesEachNewTipOnceAndChecksDrift() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            let state = NSTemporaryDirectory() + "enginesync-state-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: state) }
            try repository.commit(["dsl/models/post.json": #"{"fields": {"title": {"type": "string"}, "body": {"type": "text"}}}"#])
            try repository.commit(["dsl/models/post.json": #"{"fields": {"title": {"type": "string"}, "body": {"type": "text"}, "slug": {"type": "string"}}}"#])
            let tip = try repository.output(["rev-parse", "HEAD"])
            let reconciler = DaemonReconciler(configuration: Self.configuration(repository, database, state: state),
                                              logger: Logger(label: "test"))
            let first = reconciler.step()
            #expect(!first.idle)
            #expect(first.commit == tip)
            #expect(first.outcome == .synced)
            #expect(first.error == nil)
            #expect(reconciler.lastSettled == tip)
            // Two pushed commits were reconciled once, at the tip.
            #expect(try connection.query("SELECT count(*)::int AS n FROM engine_reconciles").first?.int("n") == 1)
            #expect(FileManager.default.fileExists(atPath: "\(state)/reports/\(tip).md"))

            let again = reconciler.step()
            #expect(again.idle)
            #expect(again.outcome == .synced)
            #expect(try connection.query("SELECT count(*)::int AS n FROM engine_reconciles").first?.int("n") == 1)

            // Drift: a column dropped by hand is reported, then re-created by self-heal.
            try connection.query("ALTER TABLE post DROP COLUMN slug")
            let drift = try #require(reconciler.driftCheck(selfHeal: false))
            #expect(drift.applied.map(\.kind) == ["add_column"])
            #expect(drift.drift.map(\.kind) == ["recreated_column"])
            let driftFiles = try FileManager.default.contentsOfDirectory(atPath: "\(state)/reports").filter { $0.hasPrefix("drift-") }
            #expect(driftFiles.count == 2)
            // A drift report never replaces `latest`.
            #expect(try !String(contentsOfFile: "\(state)/reports/latest.json", encoding: .utf8).contains("recreated_column"))
            let healed = try #require(reconciler.driftCheck(selfHeal: true))
            #expect(healed.outcome == .synced)
            #expect(try connection.query("SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'post' AND column_name = 'slug'").first?.int("n") == 1)
            #expect(reconciler.driftCheck(selfHeal: false) == nil)
        }
    }

    @Test func aFailingTipIsRetriedAndANewerTipReplacesIt() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            let state = NSTemporaryDirectory() + "enginesync-state-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: state) }
            try repository.commit(["dsl/models/post.json": #"{"fields": {"title": {"type": "string"}}}"#])
            let reconciler = DaemonReconciler(configuration: Self.configuration(repository, database, state: state),
                                              logger: Logger(label: "test"))
            #expect(try EngineSyncLock.tryLock(connection))
            let skipped = reconciler.step()
            #expect(skipped.outcome == .skipped)
            #expect(skipped.error != nil)
            #expect(reconciler.lastSettled == nil)
            try EngineSyncLock.unlock(connection)
            let newer = try repository.commit(["dsl/models/post.json": #"{"fields": {"title": {"type": "string"}, "n": {"type": "int"}}}"#])
            let step = reconciler.step()
            #expect(step.commit == newer)
            #expect(step.outcome == .synced)
            #expect(step.error == nil)
        }
    }

    @Test func missingBranchIsAnErrorNotACrash() throws {
        try ScratchDatabase.with { database, _ in
            let repository = try ScratchRepository()
            try repository.commit(["README.md": "x"])
            var configuration = Self.configuration(repository, database, state: NSTemporaryDirectory() + UUID().uuidString)
            configuration.branch = "production"
            let step = DaemonReconciler(configuration: configuration, logger: Logger(label: "test")).step()
            #expect(step.error?.contains("branch 'production' does not exist") == true)
        }
    }
}
