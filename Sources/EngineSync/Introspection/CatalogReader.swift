package import EngineSyncCore
import Foundation
package import PostgresClient

/// Reads the live schema of one PostgreSQL schema into the same model the DSL compiles to (SPEC 4.2).
///
/// A fixed number of catalog queries, whatever the table count (`queryCount`). The caller pins
/// `search_path` first so `format_type` and `pg_get_expr` print stable, unqualified names.
package struct CatalogReader {
    package let schema: String
    /// Queries issued by the last `read`: constant, proven by a test with few and many tables.
    package private(set) var queryCount = 0

    package init(schema: String) { self.schema = schema }

    /// `beforeEachQuery` runs before each catalog query (the daemon's watchdog progress: one slow catalog
    /// query may take up to `statement_timeout`, like any other statement).
    package mutating func read(_ connection: PostgresConnection, beforeEachQuery: () -> Void = {}) throws -> Schema {
        try read(connection, onlyTables: nil, beforeEachQuery: beforeEachQuery)
    }

    /// The restricted read of the daemon's incremental introspection (`LiveSchemaCache`): the same queries and
    /// decoding as `read`, limited to the tables whose `pg_class` oids are given (their columns, indexes, primary
    /// and foreign keys); the view dependencies are read for every table. `nil` reads everything.
    package mutating func read(
        _ connection: PostgresConnection, onlyTables oids: [Int64]?, beforeEachQuery: () -> Void = {}
    ) throws -> Schema {
        queryCount = 0
        let filter = oids.map { "{" + $0.map(String.init).joined(separator: ",") + "}" }
        let tableRows = try run(connection, Self.tablesQuery, beforeEachQuery, filter, tableAlias: "c")
        let columnRows = try run(connection, Self.columnsQuery, beforeEachQuery, filter, tableAlias: "c")
        let indexRows = try run(connection, Self.indexesQuery, beforeEachQuery, filter, tableAlias: "t")
        let constraintRows = try run(connection, Self.constraintsQuery, beforeEachQuery, filter, tableAlias: "t")
        let viewRows = try run(connection, Self.viewDependenciesQuery, beforeEachQuery)

        var columnsByTable: [String: [Column]] = [:]
        for row in columnRows {
            let type = ColumnType(formatType: try row.string("data_type"))
            let defaultText = try row.optionalString("default_expr")
            let sequence = try row.optionalString("sequence_name")
            let identity = try row.optionalString("attidentity") ?? ""
            let isAutoIncrement = sequence != nil || !identity.isEmpty
            columnsByTable[try row.string("table_name"), default: []].append(
                Column(
                    name: try row.string("column_name"), type: type,
                    defaultValue: isAutoIncrement ? nil : defaultText.map { LiveDefault.parse($0, type: type) },
                    isNotNull: try row.bool("not_null"), isAutoIncrement: isAutoIncrement, sequence: sequence))
        }

        var primaryKeys: [String: (name: String, columns: [String])] = [:]
        var foreignKeys: [ForeignKey] = []
        for row in constraintRows {
            let table = try row.string("table_name")
            let columns = try row.stringArray("columns").compactMap { $0 }
            switch try row.string("contype") {
            case "p":
                primaryKeys[table] = (try row.string("conname"), columns)
            case "f":
                guard try row.optionalString("ref_schema") == schema,
                    let referenced = try row.optionalString("ref_table")
                else {
                    continue
                }
                foreignKeys.append(
                    ForeignKey(
                        name: try row.string("conname"), table: table, columns: columns, referencedTable: referenced,
                        referencedColumns: try row.stringArray("ref_columns").compactMap { $0 },
                        onDelete: Self.action(try row.string("confdeltype")),
                        onUpdate: Self.action(try row.string("confupdtype"))))
            default:
                continue
            }
        }

        let tables = try tableRows.map { row -> Table in
            let name = try row.string("table_name")
            return Table(
                name: name, columns: columnsByTable[name] ?? [], primaryKey: primaryKeys[name]?.columns ?? [],
                estimatedRows: try row.int("estimated_rows"), primaryKeyConstraint: primaryKeys[name]?.name)
        }

        let indexes = try indexRows.map { row -> Index in
            let hasExpressions = try row.bool("has_expressions")
            let method = try row.string("method")
            let predicate = try row.optionalString("predicate").map(IndexPredicate.init(expression:))
            return Index(
                name: try row.string("index_name"), table: try row.string("table_name"),
                columns: try row.stringArray("columns").compactMap { $0 }, isUnique: try row.bool("indisunique"),
                predicate: predicate,
                state: IndexState(isValid: try row.bool("indisvalid"), isBuilding: try row.bool("is_building")),
                isConstraint: try row.optionalString("owning_constraint") != nil,
                definition: hasExpressions || method != "btree" ? try row.string("index_def") : nil)
        }

        let views = try viewRows.map { row in
            ViewDependency(
                table: try row.string("table_name"), column: try row.string("column_name"),
                viewSchema: try row.string("view_schema"), view: try row.string("view_name"),
                definition: try row.optionalString("view_def"),
                isMaterialized: try row.optionalString("view_kind") == "m")
        }
        return Schema(
            tables: tables, indexes: indexes,
            foreignKeys: foreignKeys.sorted { ($0.table, $0.name) < ($1.table, $1.name) },
            viewDependencies: views)
    }

    /// The catalog queries `read` runs, in order, each taking the schema name as `$1`: for the benchmark that
    /// times them with psql, and for operators who want to see exactly what enginesync reads.
    package static var queries: [(name: String, sql: String)] {
        [
            ("tables", tablesQuery), ("columns", columnsQuery), ("indexes", indexesQuery),
            ("constraints", constraintsQuery), ("view_dependencies", viewDependenciesQuery),
        ]
    }

    private mutating func run(
        _ connection: PostgresConnection, _ sql: String, _ beforeEachQuery: () -> Void, _ oidFilter: String? = nil,
        tableAlias: String = ""
    ) throws -> [PostgresRow] {
        beforeEachQuery()
        queryCount += 1
        guard let oidFilter else { return try connection.query(sql, [schema]).rows }
        return try connection.query(Self.restricted(sql, tableAlias: tableAlias), [schema, oidFilter]).rows
    }

    /// `sql` limited to the tables in `$2` (an `oid[]`): every per-table catalog query filters on the managed
    /// schema with `WHERE n.nspname = $1`, and names the table's `pg_class` row `tableAlias`.
    package static func restricted(_ sql: String, tableAlias: String) -> String {
        sql.replacingOccurrences(
            of: "WHERE n.nspname = $1", with: "WHERE n.nspname = $1 AND \(tableAlias).oid = ANY($2::oid[])")
    }

    static func action(_ code: String) -> ReferentialAction {
        switch code {
        case "c": .cascade
        case "n": .setNull
        case "d": .setDefault
        case "a": .noAction
        default: .restrict
        }
    }

    // Sorting happens in SQL by name only where it is cheap; rows are small (postgres-facts.md 7.4).
    static let tablesQuery = """
        SELECT c.relname AS table_name,
               CASE WHEN c.reltuples >= 0 THEN c.reltuples::int8
                    ELSE (pg_catalog.pg_relation_size(c.oid) / pg_catalog.current_setting('block_size')::int8) * 100
               END AS estimated_rows
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        ORDER BY c.relname
        """

    // The owned sequence is a correlated lookup on pg_depend_reference_index, not a join: right after a sync
    // creates many tables the catalog statistics are stale (one sequence estimated), and PostgreSQL then
    // nested-loops every column against every sequence (1,000 tables: 2.2 s instead of ~0.1 s). Only columns
    // with a default (serial's nextval) or an identity can use a sequence, so only they look one up.
    static let columnsQuery = """
        SELECT c.relname AS table_name, a.attnum, a.attname AS column_name,
               pg_catalog.format_type(a.atttypid, a.atttypmod) AS data_type,
               a.attnotnull AS not_null,
               pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS default_expr,
               a.attidentity::text AS attidentity,
               CASE WHEN d.adbin IS NOT NULL OR a.attidentity <> '' THEN
               (SELECT s.relname
                FROM pg_catalog.pg_depend dep
                JOIN pg_catalog.pg_class s ON s.oid = dep.objid AND s.relkind = 'S'
                WHERE dep.refclassid = 'pg_catalog.pg_class'::regclass AND dep.refobjid = c.oid
                  AND dep.refobjsubid = a.attnum AND dep.classid = 'pg_catalog.pg_class'::regclass
                  AND dep.deptype = 'a'
                LIMIT 1) END AS sequence_name
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        ORDER BY c.relname, a.attnum
        """

    // pg_get_indexdef is the costly part of this query (postgres-facts 7.4); only indexes whose columns do not
    // describe them (expressions, non-btree) need it. Only an invalid index can be a build in progress, so only
    // those look at pg_stat_progress_create_index (a scan of every backend's progress slot).
    static let indexesQuery = """
        SELECT t.relname AS table_name, i.relname AS index_name, am.amname AS method,
               x.indisunique, x.indisvalid,
               (x.indexprs IS NOT NULL) AS has_expressions,
               CASE WHEN x.indexprs IS NOT NULL OR am.amname <> 'btree'
                    THEN pg_catalog.pg_get_indexdef(x.indexrelid) END AS index_def,
               pg_catalog.pg_get_expr(x.indpred, x.indrelid) AS predicate,
               ARRAY(SELECT a.attname FROM unnest(x.indkey[0:x.indnkeyatts - 1]) WITH ORDINALITY k(attnum, ord)
                     JOIN pg_catalog.pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
                     ORDER BY k.ord) AS columns,
               con.conname AS owning_constraint,
               (NOT x.indisvalid AND EXISTS (SELECT 1 FROM pg_catalog.pg_stat_progress_create_index p
                                             WHERE p.index_relid = x.indexrelid)) AS is_building
        FROM pg_catalog.pg_index x
        JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
        JOIN pg_catalog.pg_class t ON t.oid = x.indrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
        JOIN pg_catalog.pg_am am ON am.oid = i.relam
        LEFT JOIN pg_catalog.pg_constraint con
               ON con.conindid = x.indexrelid AND con.conrelid = x.indrelid AND con.contype IN ('p', 'u', 'x')
        WHERE n.nspname = $1 AND t.relkind IN ('r', 'p') AND NOT t.relispartition
        ORDER BY t.relname, i.relname
        """

    static let constraintsQuery = """
        SELECT t.relname AS table_name, con.conname, con.contype::text AS contype,
               ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
                     JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
                     ORDER BY k.ord) AS columns,
               fn.nspname AS ref_schema, ft.relname AS ref_table,
               ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
                     JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
                     ORDER BY k.ord) AS ref_columns,
               con.confupdtype::text AS confupdtype, con.confdeltype::text AS confdeltype
        FROM pg_catalog.pg_constraint con
        JOIN pg_catalog.pg_class t ON t.oid = con.conrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
        LEFT JOIN pg_catalog.pg_class ft ON ft.oid = con.confrelid
        LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = ft.relnamespace
        WHERE n.nspname = $1 AND con.contype IN ('f', 'p')
        ORDER BY t.relname, con.conname
        """

    static let viewDependenciesQuery = """
        SELECT DISTINCT t.relname AS table_name, a.attname AS column_name,
               vn.nspname AS view_schema, v.relname AS view_name,
               pg_catalog.pg_get_viewdef(v.oid) AS view_def, v.relkind::text AS view_kind
        FROM pg_catalog.pg_depend d
        JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid
        JOIN pg_catalog.pg_class v ON v.oid = r.ev_class
        JOIN pg_catalog.pg_namespace vn ON vn.oid = v.relnamespace
        JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
        JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
        JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
        WHERE d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.refclassid = 'pg_catalog.pg_class'::regclass
          AND d.refobjsubid > 0 AND n.nspname = $1 AND v.oid <> t.oid
        ORDER BY 1, 2, 3, 4
        """
}
