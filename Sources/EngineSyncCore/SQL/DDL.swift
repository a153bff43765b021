/// Builders for the DDL enginesync runs or suggests. Every name is a tagged identifier and every
/// value a tagged literal; only keywords, type names from `ColumnType.sql` and validated numbers are raw.
public struct DDL: Sendable {
    /// The schema every name is qualified with (`search_path` is pinned to `pg_catalog` while applying).
    public let schema: String

    public init(schema: String) { self.schema = schema }

    public func table(_ name: String) -> SQL { "\(ident: schema).\(ident: name)" }

    public func createTable(_ table: Table) -> SQL {
        var items = table.columns.map(columnDefinition)
        if !table.primaryKey.isEmpty {
            items.append(
                "CONSTRAINT \(ident: EngineJSNaming.primaryKeyName(table: table.name)) PRIMARY KEY (\(idents: table.primaryKey))"
            )
        }
        return "CREATE TABLE \(self.table(table.name)) (" + SQL.joined(items, separator: ", ") + ")"
    }

    /// enginesync's bookkeeping tables (`engine_migrations`, `engine_reconciles`): created once, with a column
    /// list written in enginesync's code (never user input).
    public func createTableIfNotExists(_ name: String, columns: String) -> SQL {
        "CREATE TABLE IF NOT EXISTS \(table(name)) (\(unsafeRaw: columns))"
    }

    /// Adds bookkeeping columns (name, type and constraints written in enginesync's code) in one statement.
    public func addColumnsIfNotExist(_ columns: [(name: String, definition: String)], to name: String) -> SQL {
        let additions = columns.map { column -> SQL in
            "ADD COLUMN IF NOT EXISTS \(ident: column.name) \(unsafeRaw: column.definition)"
        }
        return "ALTER TABLE \(table(name)) " + SQL.joined(additions, separator: ", ")
    }

    public func addColumn(_ column: Column, to table: String) -> SQL {
        "ALTER TABLE \(self.table(table)) ADD COLUMN " + columnDefinition(column)
    }

    public func columnDefinition(_ column: Column) -> SQL {
        var sql: SQL = "\(ident: column.name) \(unsafeRaw: typeName(column))"
        if !column.isAutoIncrement, let value = column.defaultValue {
            sql = sql + " DEFAULT " + defaultExpression(value)
        }
        if column.isNotNull { sql = sql + " NOT NULL" }
        return sql
    }

    /// `serial`/`bigserial` for auto-increment integer columns, as EngineJS creates them.
    func typeName(_ column: Column) -> String {
        guard column.isAutoIncrement else { return column.type.sql }
        switch column.type {
        case .integer: return "serial"
        case .bigint: return "bigserial"
        case .smallint: return "smallserial"
        default: return column.type.sql
        }
    }

    public func defaultExpression(_ value: ColumnDefault) -> SQL {
        switch value {
        case .currentTimestamp: return "CURRENT_TIMESTAMP"
        case .boolean(let flag): return flag ? "true" : "false"
        case .number(let lexeme):
            // A JSON number lexeme is safe as raw text; anything else is passed as a literal.
            return NumberLiteral.isNumber(lexeme) ? "\(unsafeRaw: lexeme)" : "\(literal: lexeme)"
        case .string(let text): return "\(literal: text)"
        case .json(let text): return "\(literal: text)::jsonb"
        case .expression(let text): return "\(unsafeRaw: text)"
        }
    }

    public func alterColumnType(table: String, column: String, to type: ColumnType, using: Bool = false) -> SQL {
        var sql: SQL = "ALTER TABLE \(self.table(table)) ALTER COLUMN \(ident: column) TYPE \(unsafeRaw: type.sql)"
        if using { sql = sql + " USING \(ident: column)::\(unsafeRaw: type.sql)" }
        return sql
    }

    public func alterSequenceAsBigint(_ sequence: String) -> SQL {
        "ALTER SEQUENCE \(self.table(sequence)) AS bigint"
    }

    public func createIndex(_ index: Index, concurrently: Bool = false) -> SQL {
        var sql: SQL =
            "CREATE \(unsafeRaw: index.isUnique ? "UNIQUE " : "")INDEX \(unsafeRaw: concurrently ? "CONCURRENTLY " : "")"
        sql = sql + "\(ident: index.name) ON \(table(index.table)) (\(idents: index.columns))"
        if let predicate = index.predicate {
            switch predicate {
            case .visibleRows: sql = sql + " WHERE deleted = false AND archived = false"
            case .expression(let text): sql = sql + " WHERE \(unsafeRaw: text)"
            }
        }
        return sql
    }

    public func dropIndex(_ name: String, concurrently: Bool = false) -> SQL {
        "DROP INDEX \(unsafeRaw: concurrently ? "CONCURRENTLY " : "")IF EXISTS \(table(name))"
    }

    public func addForeignKey(_ key: ForeignKey, notValid: Bool = false) -> SQL {
        var sql: SQL =
            "ALTER TABLE \(table(key.table)) ADD CONSTRAINT \(ident: key.name) FOREIGN KEY (\(idents: key.columns)) "
        sql = sql + "REFERENCES \(table(key.referencedTable)) (\(idents: key.referencedColumns)) "
        sql = sql + "ON DELETE \(unsafeRaw: key.onDelete.rawValue) ON UPDATE \(unsafeRaw: key.onUpdate.rawValue)"
        if notValid { sql = sql + " NOT VALID" }
        return sql
    }

    public func renameColumn(table: String, from old: String, to new: String) -> SQL {
        "ALTER TABLE \(self.table(table)) RENAME COLUMN \(ident: old) TO \(ident: new)"
    }

    public func dropConstraint(table: String, name: String) -> SQL {
        "ALTER TABLE \(self.table(table)) DROP CONSTRAINT \(ident: name)"
    }

    public func validateConstraint(table: String, name: String) -> SQL {
        "ALTER TABLE \(self.table(table)) VALIDATE CONSTRAINT \(ident: name)"
    }

    /// The set-based `auto_name` recomputation of SPEC 2.7: trimmed, non-empty values joined by `_`, else NULL.
    /// `auto_name` of the visible rows (SPEC 2.7). `onlyChanged` leaves rows already up to date alone, so the
    /// statement can be split by id range and re-run (a gated backfill's suggested migration).
    public func backfillAutoName(table: String, columns: [String], onlyChanged: Bool = false) -> SQL {
        let value = Self.autoNameValue(columns)
        var sql: SQL = "UPDATE \(self.table(table)) SET \(ident: "auto_name") = " + value + " WHERE " + Self.visibleRows
        if onlyChanged { sql = sql + " AND \(ident: "auto_name") IS DISTINCT FROM " + value }
        return sql
    }

    /// Whether a visible row's `auto_name` differs from SPEC 2.7's value (a read-only check).
    public func autoNameIsStale(table: String, columns: [String]) -> SQL {
        "SELECT EXISTS (SELECT 1 FROM \(self.table(table)) WHERE " + Self.visibleRows + " AND \(ident: "auto_name") "
            + "IS DISTINCT FROM " + Self.autoNameValue(columns) + ") AS stale"
    }

    /// SPEC 2.7's value: the trimmed, non-empty values of the columns joined by `_`, else NULL.
    static func autoNameValue(_ columns: [String]) -> SQL {
        let parts = columns.map { column -> SQL in "NULLIF(btrim(\(ident: column)::text), '')" }
        return "NULLIF(concat_ws('_', " + SQL.joined(parts, separator: ", ") + "), '')"
    }

    static let visibleRows: SQL = "deleted = false AND archived = false"
}
