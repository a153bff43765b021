import EngineSync
import EngineSyncCore
import EngineSyncDaemon
import Foundation
import Testing

@Suite struct MetricsTextFileTests {
    let snapshot = MetricsSnapshot(
        lastReconcileTimestamp: 1_764_106_091.5, outcome: .blocked, lastReconcileDuration: .milliseconds(1250),
        appliedChanges: 3, blockedChanges: 1, consecutiveFailures: 0,
        commit: "0123456789abcdef0123456789abcdef01234567")

    @Test func exactExposition() {
        let expected = """
            # HELP enginesync_last_reconcile_timestamp_seconds Unix time when the last reconcile attempt finished.
            # TYPE enginesync_last_reconcile_timestamp_seconds gauge
            enginesync_last_reconcile_timestamp_seconds 1764106091.5
            # HELP enginesync_last_reconcile_outcome 1 for the outcome of the last reconcile attempt, 0 for the others.
            # TYPE enginesync_last_reconcile_outcome gauge
            enginesync_last_reconcile_outcome{outcome="synced"} 0
            enginesync_last_reconcile_outcome{outcome="blocked"} 1
            enginesync_last_reconcile_outcome{outcome="invalid"} 0
            enginesync_last_reconcile_outcome{outcome="failed"} 0
            enginesync_last_reconcile_outcome{outcome="skipped"} 0
            enginesync_last_reconcile_outcome{outcome="standby"} 0
            enginesync_last_reconcile_outcome{outcome="untrusted"} 0
            # HELP enginesync_last_reconcile_duration_seconds Duration of the last reconcile attempt.
            # TYPE enginesync_last_reconcile_duration_seconds gauge
            enginesync_last_reconcile_duration_seconds 1.25
            # HELP enginesync_applied_changes Changes applied by the last reconcile.
            # TYPE enginesync_applied_changes gauge
            enginesync_applied_changes 3
            # HELP enginesync_blocked_changes Changes blocked (not applied) by the last reconcile.
            # TYPE enginesync_blocked_changes gauge
            enginesync_blocked_changes 1
            # HELP enginesync_consecutive_failures Reconcile attempts that failed in a row.
            # TYPE enginesync_consecutive_failures gauge
            enginesync_consecutive_failures 0
            # HELP enginesync_info The last reconciled commit.
            # TYPE enginesync_info gauge
            enginesync_info{commit="0123456789abcdef0123456789abcdef01234567"} 1

            """
        #expect(MetricsTextFile.render(snapshot) == expected)
    }

    @Test func noCommitNoInfoSeries() {
        var snapshot = snapshot
        snapshot.commit = nil
        #expect(!MetricsTextFile.render(snapshot).contains("enginesync_info"))
    }

    @Test func writesAtomicallyWithMode0644() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/enginesync.prom"
        try MetricsTextFile(path: path).write(snapshot)
        try MetricsTextFile(path: path).write(snapshot)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == MetricsTextFile.render(snapshot))
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o644)
        // No temporary files left behind (node_exporter reads every *.prom, and ignores dotfiles anyway).
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["enginesync.prom"])
    }

    @Test func unwritableDirectoryThrowsNamingThePath() throws {
        let directory = try TemporaryDirectory()
        let blocker = directory.path + "/not-a-directory"
        try "x".write(toFile: blocker, atomically: true, encoding: .utf8)
        do {
            try MetricsTextFile(path: blocker + "/enginesync.prom").write(snapshot)
            Issue.record("expected an error")
        } catch let error as FileWriteError {
            #expect(error.path == blocker + "/enginesync.prom")
            #expect(error.description.contains(blocker + "/enginesync.prom"))
        }
    }
}
