public import EngineSyncCore

/// The values the metrics text file exposes after a reconcile attempt (SPEC 8 "Metrics").
public struct MetricsSnapshot: Sendable, Equatable {
    /// When the last reconcile finished, seconds since the Unix epoch.
    public var lastReconcileTimestamp: Double
    /// The last attempt's outcome.
    public var outcome: ReconcileOutcome
    public var lastReconcileDuration: Duration
    public var appliedChanges: Int
    public var blockedChanges: Int
    public var consecutiveFailures: Int
    /// The last reconciled commit; `nil` before any commit was seen.
    public var commit: String?

    public init(lastReconcileTimestamp: Double, outcome: ReconcileOutcome, lastReconcileDuration: Duration, appliedChanges: Int,
                blockedChanges: Int, consecutiveFailures: Int, commit: String?) {
        self.lastReconcileTimestamp = lastReconcileTimestamp
        self.outcome = outcome
        self.lastReconcileDuration = lastReconcileDuration
        self.appliedChanges = appliedChanges
        self.blockedChanges = blockedChanges
        self.consecutiveFailures = consecutiveFailures
        self.commit = commit
    }
}
