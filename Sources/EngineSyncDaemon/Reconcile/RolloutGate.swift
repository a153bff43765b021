package import EngineSyncCore

/// A staged rollout's rule for one target (`after: canary`, issue 17): the target reconciles the branch tip only
/// once the canary's last reconcile is that very commit with the outcome `synced`. A canary that is blocked,
/// failed, invalid, untrusted, waiting itself, or still on an older commit holds the rollout.
///
/// The canary's state is what its own reconciler last reported in this daemon (`CanaryState`); after a restart
/// that is its first step, which reads its database's `engine_reconciles` (`DaemonReconciler` settles the tip
/// from there), so the database of the canary is the source of truth and nothing extra is stored. Pure.
package struct RolloutGate: Sendable, Equatable {
    /// What the canary's last step said.
    package struct CanaryState: Sendable, Equatable {
        package var commit: String?
        package var outcome: ReconcileOutcome
        /// The error, or why the canary itself waits; one line.
        package var reason: String?

        package init(commit: String?, outcome: ReconcileOutcome, reason: String? = nil) {
            self.commit = commit
            self.outcome = outcome
            self.reason = reason
        }

        package init(_ summary: ReconcileSummary) {
            self.init(
                commit: summary.commit, outcome: summary.outcome,
                reason: summary.hold ?? summary.errorDescription ?? summary.detail)
        }
    }

    package var canary: String
    /// `nil`: the canary has not finished a step since the daemon started.
    package var state: CanaryState?

    package init(canary: String, state: CanaryState?) {
        self.canary = canary
        self.state = state
    }

    /// Why `tip` must wait, or `nil` when the canary has synced it.
    package func hold(tip: String) -> String? {
        let short = String(tip.prefix(12))
        guard let state else {
            return "waiting for target \(canary) to sync \(short) (it has not reconciled since the daemon started)"
        }
        let reason = state.reason.map { ": \(Self.shortened($0))" } ?? ""
        guard state.commit == tip else {
            let last = state.commit.map { "\($0.prefix(12)) \(state.outcome.rawValue)" } ?? state.outcome.rawValue
            return "waiting for target \(canary) to sync \(short); its last reconcile: \(last)\(reason)"
        }
        guard state.outcome == .synced else {
            return "target \(canary) did not sync \(short): its outcome is \(state.outcome.rawValue)\(reason)"
        }
        return nil
    }

    static func shortened(_ text: String) -> String {
        text.count > 200 ? String(text.prefix(197)) + "..." : text
    }
}
