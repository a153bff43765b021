import EngineSync
import EngineSyncCore
import EngineSyncDaemon
import EngineSyncTestSupport
import Foundation
import Logging
import PostgresClient
import Testing

/// Issue 12 item 12: a change blocked by the data (`unique_conflict`) is retried once the data is fixed — on the
/// next commit even if it changes nothing in `dsl/`, at a restart, and by the drift check — not only by a
/// manual `sync`.
@Suite struct DataBlockedRetryTests {
    static let user = #"{"fields": {"email": {"type": "string"}}, "indexes": {"unique": [["email"]]}}"#
    static let indexCount = "SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = 'uidx_user_email'"

    /// A database where `uidx_user_email` met duplicates.
    static func conflicted(
        _ database: ScratchDatabase, _ connection: PostgresConnection,
        _ repository: ScratchRepository
    ) throws {
        try repository.commit(["dsl/models/user.json": #"{"fields": {"email": {"type": "string"}}}"#])
        #expect(ReconcileStory.reconcile(database, repository).report.outcome == .synced)
        try connection.execute(script: #"INSERT INTO "user" (email) VALUES ('a@x'), ('a@x')"#)
        try repository.commit(["dsl/models/user.json": Self.user])
    }

    @Test func aReadmeOnlyCommitRetriesItOnceTheDataIsFixed() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            try Self.conflicted(database, connection, repository)
            let daemonLike: (inout ReconcilerOptions) -> Void = { $0.skipUnchangedTrees = true }
            #expect(
                ReconcileStory.reconcile(database, repository, configure: daemonLike).report.blocked.map(\.kind) == [
                    "unique_conflict"
                ])
            try connection.execute(script: #"DELETE FROM "user" WHERE id = (SELECT max(id) FROM "user")"#)
            try repository.commit(["README.md": "docs only"])
            let retried = ReconcileStory.reconcile(database, repository, configure: daemonLike)
            #expect(retried.report.outcome == .synced, "\(retried.report.blocked)")
            #expect(retried.report.applied.map(\.index) == ["uidx_user_email"])
            #expect(try ReconcileStory.count(connection, Self.indexCount) == 1)
        }
    }

    @Test func theDaemonRetriesItAtStartUpAndOnTheDriftCheck() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            let state = NSTemporaryDirectory() + "enginesync-state-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: state) }
            try Self.conflicted(database, connection, repository)
            let configuration = DaemonReconcilerTests.configuration(repository, database, state: state)
            let first = DaemonReconciler(configuration: configuration, logger: Logger(label: "test"))
            #expect(first.step().outcome == .blocked)
            #expect(first.step().idle)

            // Fixed while the daemon runs: the drift check reconciles the settled commit again.
            try connection.execute(script: #"DELETE FROM "user" WHERE id = (SELECT max(id) FROM "user")"#)
            let healed = first.driftCheck(selfHeal: false)
            #expect(healed?.outcome == .synced, "\(healed?.blocked ?? [])")
            #expect(try ReconcileStory.count(connection, Self.indexCount) == 1)

            // Broken again, blocked again; fixed while the daemon is down: a restarted daemon retries at once.
            try connection.execute(
                script: """
                    DROP INDEX uidx_user_email; INSERT INTO "user" (email) VALUES ('a@x');
                    """)
            try repository.commit([
                "dsl/models/user.json": Self.user.replacingOccurrences(
                    of: "\"string\"", with: "\"string\", \"label\": \"E-mail\"")
            ])
            let blockedAgain = first.step()
            #expect(blockedAgain.outcome == .blocked && blockedAgain.blockedCount == 1)
            try connection.execute(script: #"DELETE FROM "user" WHERE id = (SELECT max(id) FROM "user")"#)
            let restarted = DaemonReconciler(configuration: configuration, logger: Logger(label: "test"))
            let step = restarted.step()
            #expect(!step.idle)
            #expect(step.outcome == .synced, "\(step.errorDescription ?? "")")
            #expect(try ReconcileStory.count(connection, Self.indexCount) == 1)
            #expect(restarted.step().idle)
        }
    }
}

/// Issue 12 item 13: while the branch tip is invalid the drift check keeps checking the database against the last
/// applied commit, and says so.
@Suite struct DriftWhileTheTipIsInvalidTests {
    @Test func theDriftCheckUsesTheLastAppliedCommit() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            let state = NSTemporaryDirectory() + "enginesync-state-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: state) }
            let applied = try repository.commit([
                "dsl/models/post.json": #"{"fields": {"title": {"type": "string"}}, "indexes": {"many": [["title"]]}}"#
            ])
            let reconciler = DaemonReconciler(
                configuration: DaemonReconcilerTests.configuration(repository, database, state: state),
                logger: Logger(label: "test"))
            #expect(reconciler.step().outcome == .synced)
            let invalid = try repository.commit([
                "dsl/models/post.json": #"{"fields": {"title": {"type": "string", "length": "50"}}}"#
            ])
            #expect(reconciler.step().outcome == .invalid)
            try connection.execute(script: "DROP INDEX idx_post_title")

            let report = try #require(reconciler.driftCheck(selfHeal: false))
            #expect(report.commit?.sha == applied)
            #expect(
                report.drift.contains { $0.kind == "recreated_index" && $0.index == "idx_post_title" },
                "\(report.drift)")
            let warning = try #require(report.warnings.first { $0.code == "drift_against_last_applied" })
            #expect(
                warning.message.contains(String(invalid.prefix(12)))
                    && warning.message.contains(String(applied.prefix(12))))
        }
    }
}
