public import PostgresClient

/// Everything a reconcile could change in one schema, read straight from the catalogs: relations
/// (with their storage, so a rewrite shows), columns, defaults, indexes, constraints, plus the row counts
/// of enginesync's own tables. Two fingerprints are equal when nothing in the schema changed.
///
/// Deliberately independent of `CatalogReader`: a test that compares fingerprints does not trust the
/// code it checks.
public struct CatalogFingerprint: Equatable, Sendable, CustomStringConvertible {
    /// One line per catalog row, sorted: `relation …`, `column …`, `default …`, `index …`, `constraint …`.
    public var catalog: [String]
    /// Row counts of the tables enginesync writes (`nil` when the table does not exist).
    public var rowCounts: [String: Int?]

    /// The snapshot table (`dsl` by default), `engine_reconciles` and `engine_migrations`.
    public static let engineTables = ["dsl", "engine_reconciles", "engine_migrations"]

    public static func capture(
        _ connection: PostgresConnection, schema: String = "public",
        countRowsOf tables: [String] = engineTables
    ) throws -> CatalogFingerprint {
        var lines: [String] = []
        for row in try connection.query(relationsQuery, [schema]).rows {
            lines.append("relation \(try row.string("line"))")
        }
        for row in try connection.query(columnsQuery, [schema]).rows {
            lines.append("column \(try row.string("line"))")
        }
        for row in try connection.query(defaultsQuery, [schema]).rows {
            lines.append("default \(try row.string("line"))")
        }
        for row in try connection.query(indexesQuery, [schema]).rows {
            lines.append("index \(try row.string("line"))")
        }
        for row in try connection.query(constraintsQuery, [schema]).rows {
            lines.append("constraint \(try row.string("line"))")
        }
        var counts: [String: Int?] = [:]
        for table in tables {
            let qualified = try connection.escapeIdentifier(schema) + "." + connection.escapeIdentifier(table)
            let exists =
                try connection.query("SELECT pg_catalog.to_regclass($1) IS NOT NULL AS present", [qualified])
                .first?.bool("present") ?? false
            counts[table] =
                exists ? try connection.query("SELECT count(*)::int AS n FROM \(qualified)").first?.int("n") : nil
        }
        return CatalogFingerprint(catalog: lines.sorted(), rowCounts: counts)
    }

    /// The lines of `other` that differ from this one, for readable test failures.
    public func difference(from other: CatalogFingerprint) -> String {
        let mine = Set(catalog)
        let theirs = Set(other.catalog)
        var text =
            mine.subtracting(theirs).sorted().map { "- \($0)" } + theirs.subtracting(mine).sorted().map { "+ \($0)" }
        for table in Set(rowCounts.keys).union(other.rowCounts.keys).sorted()
        where rowCounts[table] ?? nil != other.rowCounts[table] ?? nil {
            text.append(
                "rows \(table): \(String(describing: rowCounts[table] ?? nil)) → \(String(describing: other.rowCounts[table] ?? nil))"
            )
        }
        return text.isEmpty ? "(identical)" : text.joined(separator: "\n")
    }

    public var description: String {
        (catalog + rowCounts.sorted { $0.key < $1.key }.map { "rows \($0.key) \(String(describing: $0.value))" })
            .joined(separator: "\n")
    }

    // Relations of every kind (tables, indexes, sequences, views) with their oid and relfilenode: a drop and
    // re-create changes the oid, a rewrite the relfilenode.
    static let relationsQuery = """
        SELECT concat_ws(' ', c.relname, c.relkind, c.oid, c.relfilenode, c.relnatts, c.relhasindex) AS line
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1
        """

    static let columnsQuery = """
        SELECT concat_ws(' ', c.relname, a.attnum, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
                         a.attnotnull, a.atthasdef, a.attidentity, a.attisdropped) AS line
        FROM pg_catalog.pg_attribute a
        JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND a.attnum > 0
        """

    static let defaultsQuery = """
        SELECT concat_ws(' ', c.relname, a.attname, pg_catalog.pg_get_expr(d.adbin, d.adrelid)) AS line
        FROM pg_catalog.pg_attrdef d
        JOIN pg_catalog.pg_class c ON c.oid = d.adrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_catalog.pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
        WHERE n.nspname = $1
        """

    static let indexesQuery = """
        SELECT concat_ws(' ', i.relname, x.indisunique, x.indisprimary, x.indisvalid, x.indisready,
                         pg_catalog.pg_get_indexdef(x.indexrelid)) AS line
        FROM pg_catalog.pg_index x
        JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = i.relnamespace
        WHERE n.nspname = $1
        """

    static let constraintsQuery = """
        SELECT concat_ws(' ', c.relname, con.conname, con.contype, con.convalidated,
                         pg_catalog.pg_get_constraintdef(con.oid)) AS line
        FROM pg_catalog.pg_constraint con
        JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1
        """
}
