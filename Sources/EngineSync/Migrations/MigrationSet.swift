public import GitClient

/// The migrations of one commit (or directory), sorted by id, with what loading noticed.
public struct MigrationSet: Sendable {
    public var migrations: [Migration]
    public var warnings: [MigrationWarning]
    /// The git tree id of the migrations directory (`nil` when it is absent or read from disk): equal ids
    /// mean equal migrations, which lets a reconcile skip work (SPEC 6.3).
    public var treeID: ObjectID?

    public init(migrations: [Migration], warnings: [MigrationWarning] = [], treeID: ObjectID? = nil) {
        self.migrations = migrations
        self.warnings = warnings
        self.treeID = treeID
    }

    public var ids: [String] { migrations.map(\.id) }
}
