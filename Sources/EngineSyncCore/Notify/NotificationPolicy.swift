/// Which notification event, if any, a reconcile produces (issue 16): a pure decision over the last recorded
/// state and the new outcome, so it can run inside the reconcile's transaction and again after it without
/// inventing a second event.
///
/// - an outcome that differs from the previous one is an event (`synced`, `blocked`, …);
/// - every `blocked`, `invalid`, `failed` and `untrusted` commit is an event, once per commit (retries of the same
///   failing commit are not);
/// - `synced` after one of those is `recovered`;
/// - `skipped` and `standby` say nothing about the commit (another reconciler, a read-only server): no event,
///   and the state is left as it was.
public enum NotificationPolicy {
    /// The last recorded reconcile: the commit and its outcome.
    public struct State: Sendable, Equatable {
        public var commit: String?
        public var outcome: ReconcileOutcome
        public init(commit: String?, outcome: ReconcileOutcome) {
            self.commit = commit
            self.outcome = outcome
        }
    }

    /// The outbox's tables (created by `NotificationOutbox` in the managed schema): enginesync's own, so the
    /// planner never reports them as drift and a model may not claim their names.
    public static let eventsTable = "engine_notifications"
    public static let stateTable = "engine_notification_state"
    public static let deliveriesTable = "engine_notification_deliveries"
    public static let tables: Set<String> = [eventsTable, stateTable, deliveriesTable]

    /// The event name `recovered`.
    public static let recovered = "recovered"
    /// `untrusted` (issue 15: a tip not signed by an allowed key) is told like `invalid`: once per commit.
    static let problems: Set<ReconcileOutcome> = [.blocked, .invalid, .failed, .untrusted]

    /// Whether a reconcile with this outcome is recorded at all (updates the state).
    public static func records(_ outcome: ReconcileOutcome) -> Bool {
        outcome == .synced || problems.contains(outcome)
    }

    /// The event for `current` after `previous`; `nil`: none. Idempotent: `event(previous: s, current: s)` is `nil`.
    public static func event(previous: State?, current: State) -> String? {
        guard records(current.outcome), previous != current else { return nil }
        if problems.contains(current.outcome) { return current.outcome.rawValue }
        if let previous, problems.contains(previous.outcome) { return recovered }
        return previous?.outcome == current.outcome ? nil : current.outcome.rawValue
    }
}
