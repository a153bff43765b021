package import EngineSyncCore

/// What a reconcile is about, for the report and the log (filled by the caller).
package struct ReconcileContext: Sendable {
    package var commit: ReconcileReport.CommitInfo?
    package var previousCommit: String?
    package var commits: [String]?
    package var branch: String?
    package var source: String?
    package var trees: ReconcileLog.Trees
    package var migrations: ReconcileReport.Migrations

    package init(
        commit: ReconcileReport.CommitInfo? = nil, previousCommit: String? = nil, commits: [String]? = nil,
        branch: String? = nil, source: String? = nil, trees: ReconcileLog.Trees = .init(),
        migrations: ReconcileReport.Migrations = .init()
    ) {
        self.commit = commit
        self.previousCommit = previousCommit
        self.commits = commits
        self.branch = branch
        self.source = source
        self.trees = trees
        self.migrations = migrations
    }
}
