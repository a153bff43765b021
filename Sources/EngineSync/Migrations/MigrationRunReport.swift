/// What `upWithReport()` returns: the applied migrations and the warnings of the run.
public struct MigrationRunReport: Hashable, Sendable, Codable {
    public var applied: [AppliedMigration]
    public var warnings: [MigrationWarning]

    public init(applied: [AppliedMigration], warnings: [MigrationWarning]) {
        self.applied = applied
        self.warnings = warnings
    }
}
