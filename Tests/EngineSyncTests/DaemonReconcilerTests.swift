import EngineSync
import EngineSyncCore
import EngineSyncDaemon
import EngineSyncTestSupport
import Foundation
import Logging
import PostgresClient
import Testing

@Suite("DaemonReconciler: the tip only, settled commits, drift")
struct DaemonReconcilerTests {
    static func configuration(_ repository: ScratchRepository, _ database: ScratchDatabase, state: String)
        -> DaemonConfiguration
    {
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
            try repository.commit([
                "dsl/models/post.json": #"{"fields": {"title": {"type": "string"}, "body": {"type": "text"}}}"#
            ])
            try repository.commit([
                "dsl/models/post.json":
                    #"{"fields": {"title": {"type": "string"}, "body": {"type": "text"}, "slug": {"type": "string"}}}"#
            ])
            let tip = try repository.output(["rev-parse", "HEAD"])
            let reconciler = DaemonReconciler(
                configuration: Self.configuration(repository, database, state: state),
                logger: Logger(label: "test"))
            let first = reconciler.step()
            #expect(!first.idle)
            #expect(first.commit == tip)
            #expect(first.outcome == .synced)
            #expect(first.errorDescription == nil)
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
            let driftFiles = try FileManager.default.contentsOfDirectory(atPath: "\(state)/reports").filter {
                $0.hasPrefix("drift-")
            }
            #expect(driftFiles.count == 2)
            // A drift report never replaces `latest`.
            #expect(
                try !String(contentsOfFile: "\(state)/reports/latest.json", encoding: .utf8).contains(
                    "recreated_column"))
            let healed = try #require(reconciler.driftCheck(selfHeal: true))
            #expect(healed.outcome == .synced)
            #expect(
                try connection.query(
                    "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'post' AND column_name = 'slug'"
                ).first?.int("n") == 1)
            #expect(reconciler.driftCheck(selfHeal: false) == nil)
        }
    }

    /// The daemon compiles each commit against the previous commit's compile cache: what it stores is exactly what a
    /// full compile of the commit gives (EngineJS's hash in the snapshot row, the content hash in the log), through
    /// a commit whose DSL is invalid and back.
    @Test func incrementalCompilesStoreWhatAFullCompileGives() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            let state = NSTemporaryDirectory() + "enginesync-state-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: state) }
            let reconciler = DaemonReconciler(
                configuration: Self.configuration(repository, database, state: state),
                logger: Logger(label: "test"))
            let post = #""title": {"type": "string"}, "body": {"type": "text"}"#
            let commits: [([String: String?], ReconcileOutcome)] = [
                (
                    [
                        "dsl/models/post.json": "{\"fields\": {\(post)}}",
                        "dsl/models/tag.json": #"{"fields": {"label": {"type": "string", "length": 40}}}"#,
                    ], .synced
                ),
                (["dsl/models/post.json": "{\"fields\": {\(post), \"slug\": {\"type\": \"string\"}}}"], .synced),
                (["dsl/models/tag.json": #"{"fields": {"label": "#], .invalid),
                (
                    [
                        "dsl/models/tag.json":
                            #"{"fields": {"label": {"type": "string"}, "post_id": {"type": "int", "source": "post", "sourceid": "id"}}}"#
                    ], .synced
                ),
            ]
            for (number, (files, outcome)) in commits.enumerated() {
                let sha = try repository.commit(files)
                let step = reconciler.step()
                #expect(step.commit == sha, "commit \(number)")
                #expect(step.outcome == outcome, "commit \(number): \(step.errorDescription ?? "")")
                let full = try DSLCompiler().compile(source: DirectoryDSLSource(root: repository.path))
                #expect(full.isValid == (outcome == .synced), "commit \(number)")
                guard let compiled = full.compiled else { continue }
                let stored = try connection.query("SELECT hash FROM dsl ORDER BY id DESC LIMIT 1").first?.string("hash")
                #expect(stored == compiled.hash, "commit \(number)")
                let logged = try connection.query(
                    "SELECT dsl_sha256 FROM engine_reconciles ORDER BY id DESC LIMIT 1"
                ).first?.string("dsl_sha256")
                #expect(logged == compiled.contentHash, "commit \(number)")
            }
        }
    }

    /// Issue 12 item 11: a failure PostgreSQL raises from the statement (here a migration's division by zero)
    /// repeats identically and says so; the advisory lock held elsewhere does not.
    @Test func aFailureThatRepeatsIdenticallyIsMarkedSo() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            let state = NSTemporaryDirectory() + "enginesync-state-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: state) }
            try repository.commit([
                "dsl/models/post.json": #"{"fields": {"title": {"type": "string"}}}"#,
                "migrations/0001_bad.sql": "SELECT 1 / 0;\n",
            ])
            let reconciler = DaemonReconciler(
                configuration: Self.configuration(repository, database, state: state),
                logger: Logger(label: "test"))
            #expect(try EngineSyncLock.tryLock(connection))
            let skipped = reconciler.step()
            #expect(skipped.outcome == .skipped)
            #expect(!skipped.repeatsIdentically)
            try EngineSyncLock.unlock(connection)
            let failed = reconciler.step()
            #expect(failed.outcome == .failed)
            #expect(failed.errorDescription?.contains("division by zero") == true, "\(failed.errorDescription ?? "")")
            #expect(failed.repeatsIdentically)
        }
    }

    @Test func aFailingTipIsRetriedAndANewerTipReplacesIt() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            let state = NSTemporaryDirectory() + "enginesync-state-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: state) }
            try repository.commit(["dsl/models/post.json": #"{"fields": {"title": {"type": "string"}}}"#])
            let reconciler = DaemonReconciler(
                configuration: Self.configuration(repository, database, state: state),
                logger: Logger(label: "test"))
            #expect(try EngineSyncLock.tryLock(connection))
            let skipped = reconciler.step()
            #expect(skipped.outcome == .skipped)
            #expect(
                skipped.errorDescription?.hasPrefix("skipped: another reconciler holds the enginesync advisory lock")
                    == true)
            #expect(reconciler.lastSettled == nil)
            try EngineSyncLock.unlock(connection)
            let newer = try repository.commit([
                "dsl/models/post.json": #"{"fields": {"title": {"type": "string"}, "n": {"type": "int"}}}"#
            ])
            let step = reconciler.step()
            #expect(step.commit == newer)
            #expect(step.outcome == .synced)
            #expect(step.errorDescription == nil)
        }
    }

    @Test func missingBranchIsAnErrorNotACrash() throws {
        try ScratchDatabase.with { database, _ in
            let repository = try ScratchRepository()
            try repository.commit(["README.md": "x"])
            var configuration = Self.configuration(
                repository, database, state: NSTemporaryDirectory() + UUID().uuidString)
            configuration.branch = "production"
            let step = DaemonReconciler(configuration: configuration, logger: Logger(label: "test")).step()
            #expect(step.errorDescription?.contains("branch 'production' does not exist") == true)
        }
    }
}

@Suite("DaemonReconciler: report files that cannot be written")
struct DaemonReportFailureTests {
    @Test func anUnwritableReportsDirectoryIsRetriedNotFatal() throws {
        try ScratchDatabase.with { database, _ in
            let repository = try ScratchRepository()
            let state = NSTemporaryDirectory() + "enginesync-state-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: state) }
            // A regular file where the reports directory should be: every write fails (even as root).
            let reportsPath = state + "/reports"
            #expect(FileManager.default.createFile(atPath: reportsPath, contents: Data("not a directory".utf8)))
            let sha = try repository.commit(["dsl/models/post.json": #"{"fields": {"title": {"type": "string"}}}"#])
            var configuration = DaemonReconcilerTests.configuration(repository, database, state: state)
            configuration.reportsDirectoryOverride = reportsPath
            let reconciler = DaemonReconciler(configuration: configuration, logger: Logger(label: "test"))
            let failed = reconciler.step()
            #expect(failed.outcome == .synced)
            #expect(failed.errorDescription?.contains(reportsPath) == true)
            #expect(reconciler.lastSettled == sha)
            // The cause goes away: the next step writes the pending report without reconciling again.
            try FileManager.default.removeItem(atPath: reportsPath)
            let recovered = reconciler.step()
            #expect(recovered.errorDescription == nil)
            #expect(recovered.idle)
            #expect(FileManager.default.fileExists(atPath: "\(reportsPath)/\(sha).md"))
        }
    }
}
