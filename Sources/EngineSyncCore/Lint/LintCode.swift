/// The hazards migration lint finds (docs/MIGRATIONS.md, "Migration lint"). Raw values are the codes printed in
/// reports and by `validate`; they never change meaning.
public enum LintCode: String, CaseIterable, Codable, Hashable, Sendable {
    /// `ALTER COLUMN … TYPE` that PostgreSQL performs by rewriting the table and its indexes.
    case alterColumnType = "alter_column_type"
    /// `ALTER COLUMN … SET NOT NULL` without a validated `CHECK (col IS NOT NULL)`: a full scan.
    case setNotNull = "set_not_null"
    /// `ADD COLUMN` with a volatile default (`random()`, `gen_random_uuid()`, `clock_timestamp()`), a serial
    /// type, an identity or a stored generated column: every row is rewritten.
    case addColumnVolatileDefault = "add_column_volatile_default"
    /// `CREATE INDEX` without `CONCURRENTLY` on a table above `concurrent_index_rows`: writes wait for the build.
    case createIndexNotConcurrently = "create_index_not_concurrently"
    /// `ADD CONSTRAINT … FOREIGN KEY` without `NOT VALID`: both tables locked while every row is checked.
    case addForeignKeyValidating = "add_foreign_key_validating"
    /// `ADD CONSTRAINT … CHECK` without `NOT VALID`: a full scan under ACCESS EXCLUSIVE.
    case addCheckValidating = "add_check_validating"
    /// `ADD … UNIQUE`/`PRIMARY KEY` that builds its index under ACCESS EXCLUSIVE (no `USING INDEX`).
    case addUniqueConstraint = "add_unique_constraint"
    /// `VACUUM FULL` or `CLUSTER`: a rewrite under ACCESS EXCLUSIVE.
    case tableRewriteCommand = "table_rewrite_command"
    /// A strong lock taken after the migration turned `lock_timeout` off: it may queue every query behind it.
    case lockTimeoutDisabled = "lock_timeout_disabled"
    /// `DROP TABLE` of a table the DSL still declares: Safe Sync re-creates it, empty.
    case dropTableInDSL = "drop_table_in_dsl"
    /// `DROP COLUMN` of a column the DSL still declares: Safe Sync re-adds it, empty.
    case dropColumnInDSL = "drop_column_in_dsl"
    /// `CONCURRENTLY` in a migration that runs in a transaction: PostgreSQL refuses it (25001).
    case concurrentlyInTransaction = "concurrently_in_transaction"

    /// Which size limit decides whether the hazard blocks under `migration_lint: block`.
    public enum Limit: Hashable, Sendable {
        /// The table's estimated rows above `max_rewrite_rows` (rewrites and full scans).
        case rewriteRows
        /// The table's estimated rows above `concurrent_index_rows` (index builds).
        case indexRows
        /// Blocks whatever the size: the migration breaks the DSL or cannot run.
        case always
        /// Never blocks: a habit to fix, not a size that hurts.
        case never
    }

    public var limit: Limit {
        switch self {
        case .alterColumnType, .setNotNull, .addColumnVolatileDefault, .addForeignKeyValidating, .addCheckValidating,
            .tableRewriteCommand:
            .rewriteRows
        case .createIndexNotConcurrently, .addUniqueConstraint: .indexRows
        case .dropTableInDSL, .dropColumnInDSL, .concurrentlyInTransaction: .always
        case .lockTimeoutDisabled: .never
        }
    }

    /// The lock the statement takes on the table, as reports name locks.
    public var lock: String? {
        switch self {
        case .createIndexNotConcurrently: "SHARE"
        case .addForeignKeyValidating: "SHARE ROW EXCLUSIVE"
        case .dropTableInDSL, .dropColumnInDSL, .alterColumnType, .setNotNull, .addColumnVolatileDefault,
            .addCheckValidating, .addUniqueConstraint, .tableRewriteCommand:
            "ACCESS EXCLUSIVE"
        case .lockTimeoutDisabled, .concurrentlyInTransaction: nil
        }
    }

    /// Whether PostgreSQL rewrites the table.
    public var rewrites: Bool {
        self == .alterColumnType || self == .addColumnVolatileDefault || self == .tableRewriteCommand
    }

    /// Why the statement is a hazard (one sentence, no names: the hazard's message adds them).
    public var why: String {
        switch self {
        case .alterColumnType:
            "changing the type rewrites the table and all its indexes under an ACCESS EXCLUSIVE lock (no reads or writes)"
        case .setNotNull:
            "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock to prove no row is NULL"
        case .addColumnVolatileDefault:
            "a volatile default (or serial, identity, stored generated column) is computed for every row: the table is "
                + "rewritten under an ACCESS EXCLUSIVE lock"
        case .createIndexNotConcurrently:
            "CREATE INDEX without CONCURRENTLY blocks every write to the table (SHARE lock) until the build ends"
        case .addForeignKeyValidating:
            "adding a validated foreign key checks every row while writes to both tables wait (SHARE ROW EXCLUSIVE)"
        case .addCheckValidating:
            "adding a validated CHECK constraint scans the whole table under an ACCESS EXCLUSIVE lock"
        case .addUniqueConstraint:
            "ADD UNIQUE / PRIMARY KEY builds its index under an ACCESS EXCLUSIVE lock (no reads or writes)"
        case .tableRewriteCommand:
            "VACUUM FULL and CLUSTER rewrite the table under an ACCESS EXCLUSIVE lock"
        case .lockTimeoutDisabled:
            "with lock_timeout off, a statement waiting for its lock makes every later query on the table wait behind it"
        case .dropTableInDSL:
            "the DSL still declares this table: after the migration Safe Sync creates it again, empty"
        case .dropColumnInDSL:
            "the DSL still declares this column: after the migration Safe Sync adds it again, empty"
        case .concurrentlyInTransaction:
            "PostgreSQL refuses CONCURRENTLY inside a transaction block (SQLSTATE 25001): the migration fails"
        }
    }

    /// The safer way to reach the same schema.
    public var saferForm: String {
        switch self {
        case .alterColumnType:
            "widen without a rewrite (varchar(n) → varchar(m > n) or text), or add a column of the new type, backfill "
                + "it in batches and switch over"
        case .setNotNull:
            "ADD CONSTRAINT … CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT … (in a later migration); then "
                + "SET NOT NULL uses the constraint and skips the scan"
        case .addColumnVolatileDefault:
            "ADD COLUMN without a default (or with a constant one), then SET DEFAULT and backfill existing rows in batches"
        case .createIndexNotConcurrently:
            "CREATE INDEX CONCURRENTLY in a migration whose first line is '-- enginesync: no-transaction'"
        case .addForeignKeyValidating:
            "ADD CONSTRAINT … FOREIGN KEY … NOT VALID, then VALIDATE CONSTRAINT … in a later migration"
        case .addCheckValidating:
            "ADD CONSTRAINT … CHECK (…) NOT VALID, then VALIDATE CONSTRAINT … in a later migration"
        case .addUniqueConstraint:
            "CREATE UNIQUE INDEX CONCURRENTLY (no-transaction migration), then ADD CONSTRAINT … UNIQUE USING INDEX …"
        case .tableRewriteCommand:
            "leave space reclaiming to autovacuum, or use pg_repack outside migrations"
        case .lockTimeoutDisabled:
            "keep enginesync's lock_timeout, or set a longer bounded one: SET LOCAL lock_timeout = '10s'"
        case .dropTableInDSL:
            "remove the model from the DSL in the same commit as the migration that drops its table"
        case .dropColumnInDSL:
            "remove the field from the DSL in the same commit as the migration that drops its column"
        case .concurrentlyInTransaction:
            "put '-- enginesync: no-transaction' on the migration's first line (one statement per migration is best)"
        }
    }
}
