import EngineSync
import EngineSyncCore
import Foundation
package import Logging

/// When one target (the single database, or one of a fleet's) reconciles next, and what its turn logs: its own
/// back-off, error de-duplication and failure count, so a target that is down never delays another (issue 17).
///
/// A value owned by the target's loop in `DaemonService`; `settle` is called once per turn with the step's
/// summary and returns the wait before the next turn (a push or a reload ends the wait early).
package struct TargetSchedule {
    package private(set) var backoff: Backoff
    private var deduplicator = ErrorDeduplicator()
    private var random = SystemRandomNumberGenerator()
    package private(set) var consecutiveFailures = 0
    /// The figures of the last real attempt; idle turns keep them (only the failure count can change).
    package private(set) var lastAttempt: MetricsSnapshot?
    private let logger: Logger

    /// `logger` carries the target's name (`target` metadata) in a fleet.
    package init(initialBackoff: Duration, maximum: Duration, logger: Logger) {
        backoff = Backoff(initial: initialBackoff, maximum: maximum)
        self.logger = logger
    }

    /// Logs the turn (once per distinct error), updates the metrics figures and returns how long to wait.
    package mutating func settle(_ summary: ReconcileSummary, configuration: DaemonConfiguration) -> Duration {
        var metadata: Logger.Metadata = [
            "reconcile.outcome": "\(summary.outcome.rawValue)",
            "reconcile.blocked": "\(summary.blockedCount)",
            "reconcile.applied": "\(summary.appliedCount)",
        ]
        if let commit = summary.commit { metadata["git.commit"] = "\(commit)" }
        let wasFailing = consecutiveFailures > 0

        let delay: Duration
        if summary.hold != nil {
            // Waiting for the canary is not a failure: the canary's sync wakes this target, the poll is a fallback.
            delay = configuration.pollInterval
        } else if summary.needsRetry {
            consecutiveFailures += 1
            backoff.maximum = max(backoff.initial, configuration.maxBackoff)
            delay = max(
                backoff.nextDelay(using: &random), summary.repeatsIdentically ? backoff.maximum : .zero)
            metadata["retry.delay"] = "\(DurationText.format(delay))"
            metadata["retry.failures"] = "\(consecutiveFailures)"
            switch deduplicator.failed(summary.failureDescription) {
            case .report(let error):
                metadata["error"] = "\(error)"
                if summary.repeatsIdentically {
                    // Retrying sooner would repeat the same work and the same error (issue 12 item 11).
                    logger.error(
                        """
                        reconcile failed the same way it will fail again until the commit or the database \
                        changes; retrying at max_backoff or on the next push
                        """, metadata: metadata)
                } else {
                    logger.error("reconcile failed, retrying with back-off", metadata: metadata)
                }
            case .suppress:
                logger.debug("reconcile still failing", metadata: metadata)
            case .recovered, .none:
                break
            }
        } else {
            if case .recovered(let lastError, let failures) = deduplicator.succeeded() {
                metadata["error"] = "\(lastError)"
                metadata["retry.failures"] = "\(failures)"
                logger.notice("recovered", metadata: metadata)
            } else {
                logger.debug("reconcile finished", metadata: metadata)
            }
            consecutiveFailures = 0
            backoff.reset()
            // A hot standby is a state, not a failure: asked again on a short fixed interval, so a promoted
            // server (Patroni switchover or failover) is reconciled within seconds.
            delay = summary.outcome == .standby ? configuration.standbyPollInterval : configuration.pollInterval
        }

        // An idle turn leaves the figures of the last real attempt — unless it ends a run of failures (the reports
        // of a committed reconcile written at last, the tip back on the settled commit): then the outcome, the
        // blocked count and the commit say what the database holds again, so an alert on `failed` clears.
        if summary.idle, wasFailing, consecutiveFailures == 0, summary.hold == nil, var recovered = lastAttempt {
            recovered.lastReconcileTimestamp = Date().timeIntervalSince1970
            recovered.outcome = summary.outcome
            recovered.blockedChanges = summary.blockedCount
            recovered.commit = summary.commit
            lastAttempt = recovered
        }
        if !summary.idle {
            lastAttempt = MetricsSnapshot(
                lastReconcileTimestamp: Date().timeIntervalSince1970, outcome: summary.outcome,
                lastReconcileDuration: summary.duration, appliedChanges: summary.appliedCount,
                blockedChanges: summary.blockedCount, consecutiveFailures: consecutiveFailures,
                commit: summary.commit)
        }
        lastAttempt?.consecutiveFailures = consecutiveFailures
        return delay
    }
}
