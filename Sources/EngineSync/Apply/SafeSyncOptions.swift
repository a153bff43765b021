public import EngineSyncCore

/// Settings of one Safe Sync run (SPEC 4.3); defaults follow the SPEC.
public struct SafeSyncOptions: Sendable {
    /// The planner's settings; `planner.schema` is the managed schema of the whole reconcile.
    public var planner: PlannerOptions
    /// Refuse (`invalid`) a database without a snapshot: a guard against the wrong database.
    public var requireSnapshot: Bool
    /// Plan only: nothing is written.
    public var dryRun: Bool
    /// The estimated number of relation locks one transaction may take for new tables (issue 12 item 17):
    /// a plan whose new tables need more is created in several transactions (docs/SAFE-SYNC.md). PostgreSQL's
    /// shared lock table holds `max_locks_per_transaction` × (`max_connections` + background processes)
    /// locks, about 7,800 with the defaults (64 × 122), for every session together.
    public var locksPerTransaction: Int = SafeSyncOptions.defaultLocksPerTransaction
    public static let defaultLocksPerTransaction = 1_000

    public init(planner: PlannerOptions = PlannerOptions(), requireSnapshot: Bool = false, dryRun: Bool = false) {
        self.planner = planner
        self.requireSnapshot = requireSnapshot
        self.dryRun = dryRun
    }
}
