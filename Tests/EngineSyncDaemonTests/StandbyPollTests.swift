import EngineSync
import EngineSyncCore
import EngineSyncDaemon
import EngineSyncTestSupport
import Foundation
import Logging
import PostgresClient
import ServiceLifecycle
import Testing

/// Issue 17 item 4: a hot standby is a state, not a failure. The daemon of a replica asks again every
/// `standby_poll_interval`, without back-off, and the pending commit is reconciled once the server is promoted.
///
/// Timing-sensitive like DaemonServiceTests (scripts/test.sh runs it in the one-at-a-time pass): the service loop is
/// async and would be starved by the blocking tests of the parallel pass.
@Suite struct StandbyPollTests {
    @Test func aPromotedStandbyIsReconciledWithoutWaitingForTheBackoff() async throws {
        let primary = try PrivatePostgresCluster()
        let standby = try PrivatePostgresCluster(standbyOf: primary)
        let repository = try ScratchRepository()
        let tip = try repository.commit(["dsl/models/post.json": #"{"fields": {"title": {"type": "string"}}}"#])
        let state = try TemporaryDirectory()
        let metricsFile = state.path + "/enginesync.prom"

        var configuration = DaemonConfiguration(source: .repository(path: repository.path))
        configuration.database = standby.dsn()
        configuration.stateDirectory = state.path
        configuration.metricsFile = metricsFile
        // Nothing but the standby poll may bring the next attempt: no push comes, the poll interval and every
        // back-off delay are an hour. Before the fix a standby was retried with back-off, i.e. after an hour.
        configuration.pollIntervalOverride = .seconds(3600)
        configuration.maxBackoff = .seconds(3600)
        configuration.standbyPollInterval = .milliseconds(200)
        let capture = LogCapture()
        let logger = Logger(label: "test") { _ in StreamCaptureHandler(capture: capture) }
        let worker = ReconcileWorker(configuration: configuration, logger: logger)
        let service = DaemonService(
            configuration: configuration, notifier: SystemdNotifier(environment: [:], logger: logger), logger: logger,
            initialBackoff: .seconds(3600), trapsHangup: false
        ) { [configuration] in await worker.reconcileOnce(configuration: configuration) }
        let group = ServiceGroup(configuration: .init(services: [service], logger: .quiet))
        let task = Task { try await group.run() }

        @Sendable func metrics() -> String { (try? String(contentsOfFile: metricsFile, encoding: .utf8)) ?? "" }
        #expect(
            await eventually(timeout: .seconds(60)) {
                metrics().contains("enginesync_last_reconcile_outcome{outcome=\"standby\"} 1")
            }, "the daemon did not report standby: \(capture.all)")
        // Waiting is not failing: no failure counted, no retry logged.
        #expect(metrics().contains("enginesync_consecutive_failures 0\n"))
        #expect(!capture.all.contains { $0.contains("retry.") }, "\(capture.all)")

        try standby.promote()
        #expect(
            await eventually(timeout: .seconds(60)) {
                metrics().contains("enginesync_last_reconcile_outcome{outcome=\"synced\"} 1")
            }, "the promoted server was not reconciled: \(capture.all)")
        await group.triggerGracefulShutdown()
        try await task.value

        let connection = try PostgresConnection.connect(PostgresConfiguration(dsn: standby.dsn()))
        #expect(
            try connection.query("SELECT to_regclass('public.post') IS NOT NULL AS made").first?.bool("made") == true)
        #expect(
            try connection.query("SELECT count(*)::int AS n FROM engine_reconciles WHERE commit = $1", [tip])
                .first?.int("n") == 1)
        // While the server stayed a standby the commit was compiled, reported and logged once; the polls in between
        // only asked pg_is_in_recovery().
        let reconciled = capture.all.filter { $0.hasPrefix("warning reconciled") || $0.hasPrefix("notice reconciled") }
        #expect(reconciled.count == 2, "\(reconciled)")
        #expect(reconciled.first?.contains("reconcile.outcome=standby") == true)
        #expect(reconciled.last?.contains("reconcile.outcome=synced") == true)
        #expect(metrics().contains("enginesync_consecutive_failures 0\n"))
    }
}
