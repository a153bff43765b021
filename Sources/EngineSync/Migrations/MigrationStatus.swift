/// Where the database stands against a set of migrations.
public struct MigrationStatus: Hashable, Sendable, Codable {
    /// Ids recorded as applied, byte order.
    public var executed: [String]
    /// Ids not recorded, byte order: what `up()` would run.
    public var pending: [String]
    /// Non-transactional migrations left `failed` (or `running` after a crash): `up()` refuses until resolved.
    public var failed: [FailedMigration]
    /// Applied migrations whose file changed since: the set is invalid and nothing runs.
    public var checksumMismatches: [ChecksumMismatch]
    public var warnings: [MigrationWarning]

    public init(executed: [String], pending: [String], failed: [FailedMigration],
                checksumMismatches: [ChecksumMismatch], warnings: [MigrationWarning]) {
        self.executed = executed
        self.pending = pending
        self.failed = failed
        self.checksumMismatches = checksumMismatches
        self.warnings = warnings
    }

    /// `false` when a checksum mismatch makes the run invalid.
    public var isValid: Bool { checksumMismatches.isEmpty }

    enum CodingKeys: String, CodingKey {
        case executed, pending, failed, warnings
        case checksumMismatches = "checksum_mismatches"
    }
}

/// A tracking row in state `failed` or `running`.
public struct FailedMigration: Hashable, Sendable, Codable {
    public var id: String
    /// `failed`, or `running` when the process died mid-way.
    public var state: String
    public var file: String?

    public init(id: String, state: String, file: String?) {
        self.id = id
        self.state = state
        self.file = file
    }
}

/// An applied migration whose file no longer hashes to the recorded checksum.
public struct ChecksumMismatch: Hashable, Sendable, Codable {
    public var id: String
    public var file: String?
    public var recorded: String
    public var actual: String

    public init(id: String, file: String?, recorded: String, actual: String) {
        self.id = id
        self.file = file
        self.recorded = recorded
        self.actual = actual
    }
}

/// One migration `up()` applied.
public struct AppliedMigration: Hashable, Sendable, Codable {
    public var id: String
    public var durationMs: Int

    public init(id: String, durationMs: Int) {
        self.id = id
        self.durationMs = durationMs
    }

    enum CodingKeys: String, CodingKey {
        case id
        case durationMs = "duration_ms"
    }
}

/// What `upWithReport()` returns: the applied migrations and the warnings of the run.
public struct MigrationRunReport: Hashable, Sendable, Codable {
    public var applied: [AppliedMigration]
    public var warnings: [MigrationWarning]

    public init(applied: [AppliedMigration], warnings: [MigrationWarning]) {
        self.applied = applied
        self.warnings = warnings
    }
}

/// How `resolve` settles a failed non-transactional migration.
public enum MigrationResolution: String, Sendable, Hashable, CaseIterable {
    /// The operator finished it by hand: mark it applied (with the current file's checksum).
    case applied
    /// The operator undid it: delete the row so the next `up` runs it again.
    case rolledBack = "rolled-back"
}

/// Byte-order comparison of ids (SPEC 5): Swift's `String <` compares Unicode canonically, not by bytes.
func idPrecedes(_ lhs: String, _ rhs: String) -> Bool {
    lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
}
