public import EngineSyncCore

/// What a reconcile is about, for the report and the log (filled by the caller).
public struct ReconcileContext: Sendable {
    public var commit: ReconcileReport.CommitInfo?
    public var previousCommit: String?
    public var commits: [String]?
    public var branch: String?
    public var source: String?
    public var trees: ReconcileLog.Trees
    public var migrations: ReconcileReport.Migrations

    public init(commit: ReconcileReport.CommitInfo? = nil, previousCommit: String? = nil, commits: [String]? = nil,
                branch: String? = nil, source: String? = nil, trees: ReconcileLog.Trees = .init(),
                migrations: ReconcileReport.Migrations = .init()) {
        self.commit = commit
        self.previousCommit = previousCommit
        self.commits = commits
        self.branch = branch
        self.source = source
        self.trees = trees
        self.migrations = migrations
    }
}
