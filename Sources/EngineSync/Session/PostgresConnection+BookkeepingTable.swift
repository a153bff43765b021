import EngineSyncCore
import PostgresClient

/// enginesync's bookkeeping tables (`engine_migrations`, `engine_reconciles`) are created once and extended
/// with the columns a newer enginesync needs, changing only what is missing.
///
/// `ALTER TABLE … ADD COLUMN IF NOT EXISTS` needs ownership of the table even when every column exists, so
/// running it on every reconcile would fail forever for a role that may write the rows but does not own the
/// table (EngineJS's role created `engine_migrations`, or another role ran enginesync first). The columns
/// present are read from the catalog first; only a missing one is added, and when the role may not add it
/// the error says what the owner should run.
extension PostgresConnection {
    struct BookkeepingColumn {
        var name: String
        /// Type and constraints, verbatim (written in this module, never user input).
        var definition: String
    }

    /// Creates table `name` of `schema` with `columns` (the column list of `CREATE TABLE`) when it does not
    /// exist, then adds the `added` columns it lacks. Call under the advisory lock.
    func ensureBookkeepingTable(_ name: String, schema: String, columns: String, added: [BookkeepingColumn]) throws {
        let ddl = DDL(schema: schema)
        let present = try bookkeepingColumns(name, schema: schema)
        if present.isEmpty {
            try run(ddl.createTableIfNotExists(name, columns: columns))
        }
        let missing = added.filter { !present.contains($0.name) }
        guard !missing.isEmpty else { return }
        let statement = ddl.addColumnsIfNotExist(missing.map { ($0.name, $0.definition) }, to: name)
        do {
            try run(statement)
        } catch let error as PostgresError where error.sqlState == .insufficientPrivilege {
            throw BookkeepingTableError(
                table: try ddl.table(name).render(with: self),
                statement: try statement.render(with: self), serverMessage: error.message)
        }
        _ = drainNotices()  // "column … already exists, skipping": a concurrent runner added it first
    }
}

extension PostgresConnection {
    /// The columns of bookkeeping table `name` of `schema`; none when it does not exist.
    func bookkeepingColumns(_ name: String, schema: String) throws -> [String] {
        try query(
            """
            SELECT a.attname::text AS name FROM pg_catalog.pg_attribute a
            WHERE a.attrelid = pg_catalog.to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
            """, [try DDL(schema: schema).table(name).render(with: self)]
        ).rows.map { try $0.string("name") }
    }

    /// Whether `ensureBookkeepingTable` would change nothing: the table exists with every `added` column. Read-only.
    func bookkeepingTableIsComplete(_ name: String, schema: String, added: [BookkeepingColumn]) throws -> Bool {
        let present = try bookkeepingColumns(name, schema: schema)
        return !present.isEmpty && added.allSatisfy { present.contains($0.name) }
    }
}

/// A bookkeeping table lacks columns this enginesync needs, and the role may not add them.
struct BookkeepingTableError: Error, CustomStringConvertible {
    let table: String
    let statement: String
    let serverMessage: String

    var description: String {
        "\(table) lacks columns this enginesync needs and this role may not add them (\(serverMessage), "
            + "SQLSTATE 42501): have the table's owner run `\(statement)` once, or make this role its owner"
    }
}
