package import EngineSyncCore

/// The values the metrics text file exposes after a reconcile attempt (SPEC 8 "Metrics").
package struct MetricsSnapshot: Sendable, Equatable {
    /// When the last reconcile finished, seconds since the Unix epoch.
    package var lastReconcileTimestamp: Double
    /// The last attempt's outcome.
    package var outcome: ReconcileOutcome
    package var lastReconcileDuration: Duration
    package var appliedChanges: Int
    package var blockedChanges: Int
    package var consecutiveFailures: Int
    /// The last reconciled commit; `nil` before any commit was seen.
    package var commit: String?

    package init(
        lastReconcileTimestamp: Double, outcome: ReconcileOutcome, lastReconcileDuration: Duration, appliedChanges: Int,
        blockedChanges: Int, consecutiveFailures: Int, commit: String?
    ) {
        self.lastReconcileTimestamp = lastReconcileTimestamp
        self.outcome = outcome
        self.lastReconcileDuration = lastReconcileDuration
        self.appliedChanges = appliedChanges
        self.blockedChanges = blockedChanges
        self.consecutiveFailures = consecutiveFailures
        self.commit = commit
    }
}
