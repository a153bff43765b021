package import EngineSyncCore

/// What one daemon step did: enough for the systemd status line, the metrics file, back-off and error
/// de-duplication. The report itself is written by the reconciler.
package struct ReconcileSummary: Sendable, Equatable {
    /// The commit reconciled (or attempted); `nil` when the source could not even be read.
    package var commit: String?
    /// The outcome (SPEC 4.4). A step that failed before reaching a reconcile (fetch, unreadable repository,
    /// report write) is `failed`; an idle step repeats the settled commit's outcome.
    package var outcome: ReconcileOutcome
    package var blockedCount: Int
    package var appliedCount: Int
    package var duration: Duration
    /// One line for an operator when the attempt failed (database down, fetch error, …); the key of
    /// error de-duplication, so it must not contain timestamps or counters.
    package var errorDescription: String?
    /// Nothing was attempted (the tip is the settled commit): `outcome` and `blockedCount` repeat the last
    /// attempt's, and the metrics keep describing that attempt.
    package var idle: Bool
    /// The failure comes back identically until the commit or the database changes (a SQLSTATE of
    /// `FailureRepetition.repeatingClasses`): retried at `max_backoff`, not from 1 s up.
    package var repeatsIdentically: Bool
    /// Why a commit was not applied (an `untrusted` tip's commit, signer and reason; the `standby` warning), for
    /// `STATUS=`; not an error, so it is not retried.
    package var detail: String?
    /// Why the tip waits for another target (`after:`, issue 17): the outcome is `skipped`, but it is neither a
    /// failure nor retried with back-off; the target reconciles once the other one has synced the tip.
    package var hold: String?

    package init(
        commit: String?, outcome: ReconcileOutcome, blockedCount: Int = 0, appliedCount: Int = 0,
        duration: Duration = .zero, errorDescription: String? = nil, idle: Bool = false,
        repeatsIdentically: Bool = false, detail: String? = nil, hold: String? = nil
    ) {
        self.detail = detail
        self.hold = hold
        self.commit = commit
        self.outcome = outcome
        self.blockedCount = blockedCount
        self.appliedCount = appliedCount
        self.duration = duration
        self.errorDescription = errorDescription
        self.idle = idle
        self.repeatsIdentically = repeatsIdentically
    }

    /// A failed attempt, for a reconcile closure that caught an error.
    package static func failed(_ error: any Error, commit: String? = nil, duration: Duration = .zero) -> Self {
        ReconcileSummary(commit: commit, outcome: .failed, duration: duration, errorDescription: "\(error)")
    }

    /// A step that failed before any reconcile ran (fetch, repository, report files).
    static func failure(_ message: String, commit: String?) -> Self {
        ReconcileSummary(commit: commit, outcome: .failed, errorDescription: message)
    }

    /// `failed` and `skipped` (and any attempt with an error) are retried with back-off; `synced`,
    /// `blocked`, `invalid` and `untrusted` wait for the next push or poll: retrying cannot change them.
    /// `standby` is no failure either: the server is asked again every `standby_poll_interval`, without back-off.
    package var needsRetry: Bool {
        hold == nil && (errorDescription != nil || outcome == .failed || outcome == .skipped)
    }

    /// The de-duplication key of a retried attempt.
    package var failureDescription: String {
        errorDescription ?? "outcome \(outcome.rawValue)"
    }

    /// The systemd `STATUS=` line: "commit abc1234 synced, 0 blocked".
    package var statusLine: String {
        if let hold { return "commit \(commit.map { String($0.prefix(12)) } ?? "-") held: \(hold)" }
        let head = commit.map { "commit \($0.prefix(12)) \(outcome.rawValue)" } ?? "no commit \(outcome.rawValue)"
        if let errorDescription = errorDescription ?? detail {
            let short =
                errorDescription.count > 160 ? errorDescription.prefix(157) + "..." : Substring(errorDescription)
            return "\(head)\(repeatsIdentically ? " (repeats until the commit or database changes)" : ""): \(short)"
        }
        return "\(head), \(blockedCount) blocked"
    }
}
