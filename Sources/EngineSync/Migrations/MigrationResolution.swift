/// How `resolve` settles a failed non-transactional migration.
public enum MigrationResolution: String, Sendable, Hashable, CaseIterable {
    /// The operator finished it by hand: mark it applied (with the current file's checksum).
    case applied
    /// The operator undid it: delete the row so the next `up` runs it again.
    case rolledBack = "rolled-back"
}
