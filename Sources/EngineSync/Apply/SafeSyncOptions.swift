public import EngineSyncCore

/// Settings of one Safe Sync run (SPEC 4.3); defaults follow the SPEC.
public struct SafeSyncOptions: Sendable {
    public var planner: PlannerOptions
    public var lockTimeoutMilliseconds: Int
    public var statementTimeoutMilliseconds: Int
    public var idleInTransactionTimeoutMilliseconds: Int
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

    public init(planner: PlannerOptions = PlannerOptions(), lockTimeoutMilliseconds: Int = 3_000,
                statementTimeoutMilliseconds: Int = 600_000, idleInTransactionTimeoutMilliseconds: Int = 600_000,
                requireSnapshot: Bool = false, dryRun: Bool = false) {
        self.planner = planner
        self.lockTimeoutMilliseconds = lockTimeoutMilliseconds
        self.statementTimeoutMilliseconds = statementTimeoutMilliseconds
        self.idleInTransactionTimeoutMilliseconds = idleInTransactionTimeoutMilliseconds
        self.requireSnapshot = requireSnapshot
        self.dryRun = dryRun
    }
}

/// What a reconcile is about, for the report and the log (filled by the caller).
public struct ReconcileContext: Sendable {
    public var commit: ReconcileReport.CommitInfo?
    public var previousCommit: String?
    public var commits: [String]?
    public var branch: String?
    public var source: String?
    public var trees: ReconcileLog.Trees
    public var migrations: ReconcileReport.Migrations
    public var warnings: [ReconcileReport.Message]
    /// Blocked before Safe Sync ran (an unapproved migration, issue 15): kept in the report, and the outcome is
    /// `blocked` however the plan turns out.
    public var blocked: [ReconcileReport.Change] = []
    /// The signature and approvals (issue 15), copied into the report.
    public var trust: ReconcileReport.Trust?

    public init(commit: ReconcileReport.CommitInfo? = nil, previousCommit: String? = nil, commits: [String]? = nil,
                branch: String? = nil, source: String? = nil, trees: ReconcileLog.Trees = .init(),
                migrations: ReconcileReport.Migrations = .init(), warnings: [ReconcileReport.Message] = []) {
        self.commit = commit
        self.previousCommit = previousCommit
        self.commits = commits
        self.branch = branch
        self.source = source
        self.trees = trees
        self.migrations = migrations
        self.warnings = warnings
    }
}
