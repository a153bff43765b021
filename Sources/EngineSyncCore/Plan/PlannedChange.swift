/// What a change does (SPEC 4.1). The raw values are the report's `kind` strings.
public enum ChangeKind: String, Hashable, Sendable, Codable, CaseIterable {
    // Safe
    case createTable = "create_table"
    case addColumn = "add_column"
    case widenColumn = "widen_column"
    case createIndex = "create_index"
    case addForeignKey = "add_foreign_key"
    case backfillAutoName = "backfill_auto_name"
    // Blocked only
    case dropTable = "drop_table"
    case dropColumn = "drop_column"
    case narrowColumn = "narrow_column"
    case changeColumnType = "change_column_type"
    case dropIndex = "drop_index"
    case changeIndex = "change_index"
    case renameTable = "rename_table"
    case renameColumn = "rename_column"
    case dropForeignKey = "drop_foreign_key"
    case changeForeignKey = "change_foreign_key"
    case changePrimaryKey = "change_primary_key"
    case uniqueConflict = "unique_conflict"
    case rewriteTooLarge = "rewrite_too_large"
    case dependentView = "dependent_view"
    case invalidUniqueIndex = "invalid_unique_index"
}

/// A PostgreSQL table lock mode (postgres-facts.md): what a change holds, and so what application queries wait
/// behind while it runs. The raw value is PostgreSQL's spelling, as reports show it.
public enum LockMode: String, Codable, Hashable, Sendable, CaseIterable {
    /// `ALTER TABLE` in general, `DROP`, `CREATE TABLE … ` on an existing name: blocks reads and writes.
    case accessExclusive = "ACCESS EXCLUSIVE"
    /// `ADD FOREIGN KEY`, on both tables: blocks writes, allows reads.
    case shareRowExclusive = "SHARE ROW EXCLUSIVE"
    /// `CREATE INDEX` (not concurrently): blocks writes, allows reads.
    case share = "SHARE"
    /// `CREATE INDEX CONCURRENTLY`, `VALIDATE CONSTRAINT`: allows reads and writes.
    case shareUpdateExclusive = "SHARE UPDATE EXCLUSIVE"
    /// `UPDATE`/`INSERT`/`DELETE`: row locks only, conflicts with the share modes.
    case rowExclusive = "ROW EXCLUSIVE"
}

/// Where in the DSL a change comes from, so a blocked change can keep its old definition in the
/// effective snapshot (SPEC 4.5).
public struct ChangeOrigin: Hashable, Sendable {
    public var modelKey: String
    /// `nil` when the whole model is concerned.
    public var fieldKey: String?
    public init(modelKey: String, fieldKey: String? = nil) {
        self.modelKey = modelKey
        self.fieldKey = fieldKey
    }
}

/// One change of a plan: applied (`statements` run) or blocked (`statements` are the suggested migration).
public struct PlannedChange: Hashable, Sendable {
    public var kind: ChangeKind
    public var table: String
    public var column: String?
    public var index: String?
    public var from: String?
    public var to: String?
    /// Applied: the statements run. Blocked: the migration that would perform the change.
    public var statements: [SQL]
    /// Why a blocked change was refused.
    public var reason: String?
    /// Whether PostgreSQL rewrites the table (and every index on it).
    public var rewrite: Bool?
    /// The strongest table lock taken.
    public var lock: LockMode?
    /// An index built after COMMIT with `CREATE INDEX CONCURRENTLY`.
    public var concurrently: Bool
    /// A unique index on an existing table: built under a savepoint so duplicates become `unique_conflict`, not a
    /// failure (a table the same plan creates is empty and needs none).
    public var isUniqueIndexBuild: Bool
    /// A foreign key dropped by hand, re-created under a savepoint: violating rows block it, not the reconcile.
    public var isForeignKeyRestore: Bool
    /// The DSL definition concerned in the snapshot, for blocked changes.
    public var origin: ChangeOrigin?
    /// A suggested migration file name without timestamp, e.g. `drop_column_users_nickname`.
    public var migrationName: String?

    public init(
        kind: ChangeKind, table: String, column: String? = nil, index: String? = nil, from: String? = nil,
        to: String? = nil, statements: [SQL] = [], reason: String? = nil, rewrite: Bool? = nil,
        lock: LockMode? = nil, concurrently: Bool = false, isUniqueIndexBuild: Bool = false,
        isForeignKeyRestore: Bool = false, origin: ChangeOrigin? = nil, migrationName: String? = nil
    ) {
        self.kind = kind
        self.table = table
        self.column = column
        self.index = index
        self.from = from
        self.to = to
        self.statements = statements
        self.reason = reason
        self.rewrite = rewrite
        self.lock = lock
        self.concurrently = concurrently
        self.isUniqueIndexBuild = isUniqueIndexBuild
        self.isForeignKeyRestore = isForeignKeyRestore
        self.origin = origin
        self.migrationName = migrationName
    }
}

/// Something that differs from the DSL but is not a change to apply (SPEC 4.1 "other cases").
public struct DriftItem: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable, Codable {
        case unmanagedTable = "unmanaged_table"
        case unmanagedColumn = "unmanaged_column"
        case unmanagedIndex = "unmanaged_index"
        case unmanagedForeignKey = "unmanaged_foreign_key"
        case recreatedTable = "recreated_table"
        case recreatedColumn = "recreated_column"
        case recreatedIndex = "recreated_index"
        case widenedByHand = "widened_by_hand"
        case invalidIndex = "invalid_index"
        case missingForeignKey = "missing_foreign_key"
    }
    public var kind: Kind
    public var table: String
    public var column: String?
    public var index: String?
    public var message: String
    public init(kind: Kind, table: String, column: String? = nil, index: String? = nil, message: String) {
        self.kind = kind
        self.table = table
        self.column = column
        self.index = index
        self.message = message
    }
}

/// Something the DSL asks for that enginesync leaves to a person (changed defaults, `indexes.lower`).
public struct ManualItem: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable, Codable {
        case changeDefault = "change_default"
        case lowerIndex = "lower_index"
        case indexBuildInProgress = "index_build_in_progress"
        case dropIndex = "drop_index"
        case changeIndex = "change_index"
        case addForeignKey = "add_foreign_key"
        case dropForeignKey = "drop_foreign_key"
        case changeForeignKey = "change_foreign_key"
        /// A field now maps (`columnName`) to a column that held another field (a swap): nothing is renamed.
        case remapColumn = "remap_column"
    }
    public var kind: Kind
    public var table: String
    public var column: String?
    public var index: String?
    public var message: String
    public var sql: [SQL]
    public init(kind: Kind, table: String, column: String? = nil, index: String? = nil, message: String, sql: [SQL]) {
        self.kind = kind
        self.table = table
        self.column = column
        self.index = index
        self.message = message
        self.sql = sql
    }
}

/// The planner's output: deterministic for the same inputs.
public struct Plan: Hashable, Sendable {
    /// In apply order: tables, columns, widenings, foreign keys, indexes, auto_name backfills.
    public var safe: [PlannedChange]
    public var blocked: [PlannedChange]
    public var drift: [DriftItem]
    public var manual: [ManualItem]
    /// D plus, for every blocked change, the old definition from S (SPEC 4.5).
    public var effectiveDocument: JSONObject

    public var isEmpty: Bool { safe.isEmpty && blocked.isEmpty }
}
