/// Where the database stands against a set of migrations.
public struct MigrationStatus: Hashable, Sendable, Codable {
    /// Ids recorded as applied, in run order (`idPrecedes`) (including those of `recordedByOtherRunner`).
    public var executed: [String]
    /// Ids not recorded, in run order (`idPrecedes`): what `up()` would run.
    public var pending: [String]
    /// Non-transactional migrations left `failed` (or `running` after a crash): `up()` refuses until resolved.
    public var failed: [FailedMigration]
    /// Applied migrations whose file changed since: the set is invalid and nothing runs.
    public var checksumMismatches: [ChecksumMismatch]
    public var warnings: [MigrationWarning]
    /// Executed ids recorded by another runner (such as EngineJS's JavaScript `MigrationRunner`) that have no
    /// migration here, sorted: treated as applied. Listed every time, but only the `up` that first sees one
    /// warns (`recorded_by_other_runner`); `status` never does.
    public var recordedByOtherRunner: [String]

    public init(
        executed: [String], pending: [String], failed: [FailedMigration],
        checksumMismatches: [ChecksumMismatch], warnings: [MigrationWarning],
        recordedByOtherRunner: [String] = []
    ) {
        self.executed = executed
        self.pending = pending
        self.failed = failed
        self.checksumMismatches = checksumMismatches
        self.warnings = warnings
        self.recordedByOtherRunner = recordedByOtherRunner
    }

    /// `false` when a checksum mismatch makes the run invalid.
    public var isValid: Bool { checksumMismatches.isEmpty }

    enum CodingKeys: String, CodingKey {
        case executed, pending, failed, warnings
        case checksumMismatches = "checksum_mismatches"
        case recordedByOtherRunner = "recorded_by_other_runner"
    }
}
