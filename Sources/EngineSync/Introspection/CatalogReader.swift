import Dispatch
package import EngineSyncCore
import Foundation
package import PostgresClient
import TextAlgorithms

/// Reads the live schema of one PostgreSQL schema into the same model the DSL compiles to (SPEC 4.2).
///
/// A fixed number of catalog queries, whatever the table count (`queryCount`). The caller pins
/// `search_path` first so `format_type` and `pg_get_expr` print stable, unqualified names.
package struct CatalogReader {
    package let schema: String
    /// Queries issued by the last `read`: constant, proven by a test with few and many tables.
    package private(set) var queryCount = 0

    package init(schema: String) { self.schema = schema }

    /// `beforeEachQuery` runs once per catalog query: when they are sent, then after each result but the last (the
    /// daemon's watchdog progress: one slow catalog query may take up to `statement_timeout`, like any other).
    ///
    /// The queries go out in one round trip (`PostgresConnection.pipeline`) and each result is decoded while the
    /// server runs the next query; values are read by position (`Rows` of each query), not looked up by name.
    ///
    /// `columnsConnection`: a second session on the same database (`DatabaseSession.openCatalogConnection`) that
    /// reads and decodes the columns — the largest query, about half of the server's work — on a thread of its own
    /// while `connection` runs the other four: the server has more than one core. `nil` runs all five here.
    ///
    /// `onlyTables`: the restricted read of the daemon's incremental introspection (`LiveSchemaCache`): the same
    /// queries and decoding, limited to the tables whose `pg_class` oids are given (their columns, indexes, primary
    /// and foreign keys); the view dependencies are read for every table. `nil` reads everything.
    package mutating func read(
        _ connection: PostgresConnection, onlyTables oids: [Int64]? = nil,
        columnsConnection: PostgresConnection? = nil, beforeEachQuery: () -> Void = {}
    ) throws -> Schema {
        queryCount = 0
        var tables: [(name: String, estimatedRows: Int)] = []
        var columnsByTable: [String: [Column]] = [:]
        var indexes: [Index] = []
        var primaryKeys: [String: (name: String, columns: [String])] = [:]
        var foreignKeys: [ForeignKey] = []
        var views: [ViewDependency] = []
        let schema = self.schema
        func decode(_ index: Int, _ result: PostgresResult) throws {
            switch index {
            case 0: tables = try Self.tables(result)
            case 1: columnsByTable = try Self.columns(result)
            case 2: indexes = try Self.indexes(result)
            case 3: (primaryKeys, foreignKeys) = try Self.constraints(result, schema: schema)
            default: views = try Self.viewDependencies(result)
            }
        }
        let filter = oids.map { "{" + $0.map(String.init).joined(separator: ",") + "}" }
        // (query index, statement) of the queries this connection runs; restricted, the per-table ones (all but
        // the view dependencies) take the oids as `$2`.
        var statements = Self.queries.enumerated().map { index, query in
            guard let filter, index < 4 else { return (index, PostgresStatement(query.sql, [schema])) }
            let restricted = Self.restricted(query.sql, tableAlias: index < 2 ? "c" : "t")
            return (index, PostgresStatement(restricted, [schema, filter]))
        }
        queryCount = statements.count
        // The columns query on the second connection, read and decoded on a thread of its own; that connection is
        // used by that thread alone until the read is joined below (libpq: one thread at a time per `PGconn`).
        var columnsRead: BackgroundValue<Result<[String: [Column]], any Error>>?
        if let columnsConnection {
            beforeEachQuery()
            let statement = statements[1].1
            columnsRead = BackgroundValue {
                Result { try Self.columns(try columnsConnection.query(statement.sql, statement.parameters)) }
            }
            statements.removeAll { $0.0 == 1 }
        }
        beforeEachQuery()
        var failure: (any Error)?
        do {
            try connection.pipeline(statements.map(\.1)) { position, result in
                try decode(statements[position].0, result)
                // The next query's wait starts now.
                if position + 1 < statements.count { beforeEachQuery() }
            }
        } catch {
            failure = error
        }
        // Joined whatever happened here: the other connection is in use until its read returns.
        if let columnsRead {
            switch columnsRead.value {
            case .success(let columns): columnsByTable = columns
            case .failure(let error): failure = failure ?? error
            }
        }
        if let failure { throw failure }
        return Schema(
            tables: tables.map { table in
                Table(
                    name: table.name, columns: columnsByTable[table.name] ?? [],
                    primaryKey: primaryKeys[table.name]?.columns ?? [], estimatedRows: table.estimatedRows,
                    primaryKeyConstraint: primaryKeys[table.name]?.name)
            },
            indexes: indexes, foreignKeys: foreignKeys.sorted { ($0.table, $0.name) < ($1.table, $1.name) },
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

    // MARK: - Decoding each query's rows (column positions looked up once per result)

    static func tables(_ result: PostgresResult) throws -> [(name: String, estimatedRows: Int)] {
        let name = try result.position(of: "table_name")
        let estimatedRows = try result.position(of: "estimated_rows")
        return try result.rows.map { row in (try row.string(at: name), try row.int(at: estimatedRows)) }
    }

    static func columns(_ result: PostgresResult) throws -> [String: [Column]] {
        let table = try result.position(of: "table_name")
        let name = try result.position(of: "column_name")
        let dataType = try result.position(of: "data_type")
        let notNull = try result.position(of: "not_null")
        let defaultExpression = try result.position(of: "default_expr")
        let identity = try result.position(of: "attidentity")
        let sequenceName = try result.position(of: "sequence_name")
        var columnsByTable: [String: [Column]] = [:]
        // Rows come ordered by table: one table's columns are collected before they are stored.
        var currentTable: String?
        var current: [Column] = []
        for row in result.rows {
            let tableName = try row.string(at: table)
            if tableName != currentTable {
                if let currentTable { columnsByTable[currentTable, default: []] += current }
                currentTable = tableName
                current = []
            }
            let type = ColumnType(formatType: try row.string(at: dataType))
            let sequence = try row.optionalString(at: sequenceName)
            let identityKind = try row.optionalString(at: identity) ?? ""
            let isAutoIncrement = sequence != nil || !identityKind.isEmpty
            current.append(
                Column(
                    name: try row.string(at: name), type: type,
                    defaultValue: isAutoIncrement
                        ? nil : try row.optionalString(at: defaultExpression).map { LiveDefault.parse($0, type: type) },
                    isNotNull: try row.bool(at: notNull), isAutoIncrement: isAutoIncrement, sequence: sequence))
        }
        if let currentTable { columnsByTable[currentTable, default: []] += current }
        return columnsByTable
    }

    static func indexes(_ result: PostgresResult) throws -> [Index] {
        let table = try result.position(of: "table_name")
        let name = try result.position(of: "index_name")
        let method = try result.position(of: "method")
        let isUnique = try result.position(of: "indisunique")
        let isValid = try result.position(of: "indisvalid")
        let hasExpressions = try result.position(of: "has_expressions")
        let definition = try result.position(of: "index_def")
        let predicate = try result.position(of: "predicate")
        let columns = try result.position(of: "columns")
        let owningConstraint = try result.position(of: "owning_constraint")
        let isBuilding = try result.position(of: "is_building")
        return try result.rows.map { row in
            let needsDefinition = try row.bool(at: hasExpressions) || row.string(at: method) != "btree"
            return Index(
                name: try row.string(at: name), table: try row.string(at: table),
                columns: try row.stringArray(at: columns).compactMap { $0 }, isUnique: try row.bool(at: isUnique),
                predicate: try row.optionalString(at: predicate).map(IndexPredicate.init(expression:)),
                state: IndexState(isValid: try row.bool(at: isValid), isBuilding: try row.bool(at: isBuilding)),
                isConstraint: try row.optionalString(at: owningConstraint) != nil,
                definition: needsDefinition ? try row.string(at: definition) : nil)
        }
    }

    static func constraints(_ result: PostgresResult, schema: String) throws -> (
        primaryKeys: [String: (name: String, columns: [String])], foreignKeys: [ForeignKey]
    ) {
        let table = try result.position(of: "table_name")
        let name = try result.position(of: "conname")
        let type = try result.position(of: "contype")
        let columns = try result.position(of: "columns")
        let referencedSchema = try result.position(of: "ref_schema")
        let referencedTable = try result.position(of: "ref_table")
        let referencedColumns = try result.position(of: "ref_columns")
        let onUpdate = try result.position(of: "confupdtype")
        let onDelete = try result.position(of: "confdeltype")
        var primaryKeys: [String: (name: String, columns: [String])] = [:]
        var foreignKeys: [ForeignKey] = []
        for row in result.rows {
            switch try row.string(at: type) {
            case "p":
                primaryKeys[try row.string(at: table)] = (
                    try row.string(at: name), try row.stringArray(at: columns).compactMap { $0 }
                )
            case "f":
                guard try row.optionalString(at: referencedSchema) == schema,
                    let referenced = try row.optionalString(at: referencedTable)
                else {
                    continue
                }
                foreignKeys.append(
                    ForeignKey(
                        name: try row.string(at: name), table: try row.string(at: table),
                        columns: try row.stringArray(at: columns).compactMap { $0 }, referencedTable: referenced,
                        referencedColumns: try row.stringArray(at: referencedColumns).compactMap { $0 },
                        onDelete: Self.action(try row.string(at: onDelete)),
                        onUpdate: Self.action(try row.string(at: onUpdate))))
            default:
                continue
            }
        }
        return (primaryKeys, foreignKeys)
    }

    static func viewDependencies(_ result: PostgresResult) throws -> [ViewDependency] {
        let table = try result.position(of: "table_name")
        let column = try result.position(of: "column_name")
        let viewSchema = try result.position(of: "view_schema")
        let view = try result.position(of: "view_name")
        let definition = try result.position(of: "view_def")
        let kind = try result.position(of: "view_kind")
        return try result.rows.map { row in
            ViewDependency(
                table: try row.string(at: table), column: try row.string(at: column),
                viewSchema: try row.string(at: viewSchema), view: try row.string(at: view),
                definition: try row.optionalString(at: definition),
                isMaterialized: try row.optionalString(at: kind) == "m")
        }
    }

    /// `sql` limited to the tables in `$2` (an `oid[]`): every per-table catalog query filters on the managed
    /// schema with `WHERE n.nspname = $1`, and names the table's `pg_class` row `tableAlias`.
    package static func restricted(_ sql: String, tableAlias: String) -> String {
        sql.replacingText(
            "WHERE n.nspname = $1", with: "WHERE n.nspname = $1 AND \(tableAlias).oid = ANY($2::oid[])")
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
