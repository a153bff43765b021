package import EngineSyncCore
package import PostgresClient

/// The latest snapshot row of the `dsl` model's table (SPEC 4.5).
package struct SnapshotRow: Sendable, Equatable {
    package var id: Int
    package var hash: String
    /// The stored DSL as JSON text; `nil` when read without it (`latest(_:live:document: false)`).
    package var json: String?
    /// `nil` for rows written by EngineJS, which are a valid baseline.
    package var commit: String?
}

/// Reads and writes snapshot rows; the table itself is managed by Safe Sync as an ordinary DSL model.
package struct SnapshotStore: Sendable {
    package let ddl: DDL
    package let table: String

    package init(schema: String, table: String) {
        ddl = DDL(schema: schema)
        self.table = table
    }

    /// The newest row, or `nil` when the table or its `dsl` column does not exist yet or it is empty.
    /// `document: false` leaves the (large) DSL out; `document(_:id:)` fetches it when it is needed.
    ///
    /// Like EngineJS (`getLatestSnapshotRow`), a `dsl` model without a `dsl` field has no snapshot to read; one
    /// without `hash` has rows without it (`hash` is then empty: the document is compiled, never matched by hash).
    package func latest(_ connection: PostgresConnection, live: Schema, document: Bool = true) throws -> SnapshotRow? {
        guard let liveTable = live.table(named: table), liveTable.column(named: "dsl") != nil,
            liveTable.column(named: "id") != nil
        else { return nil }
        let hasCommit = liveTable.column(named: "commit") != nil
        let commitColumn: SQL = hasCommit ? "\(ident: "commit")::text" : "NULL::text"
        let hashColumn: SQL = liveTable.column(named: "hash") != nil ? "hash::text" : "NULL::text"
        let documentColumn: SQL = document ? "dsl::text" : "NULL::text"
        let sql: SQL =
            "SELECT id::int8 AS id, " + hashColumn + " AS hash, " + documentColumn + " AS dsl, " + commitColumn
            + " AS commit FROM \(ddl.table(table)) ORDER BY id DESC LIMIT 1"
        guard let row = try connection.run(sql).first else { return nil }
        return SnapshotRow(
            id: try row.int("id"), hash: try row.optionalString("hash") ?? "",
            json: document ? try row.optionalString("dsl") ?? "{}" : nil,
            commit: try row.optionalString("commit"))
    }

    /// The DSL document of row `id` as JSON text.
    package func document(_ connection: PostgresConnection, id: Int) throws -> String {
        let sql: SQL = "SELECT dsl::text AS dsl FROM \(ddl.table(table)) WHERE id = $1"
        return try connection.run(sql, [id]).first?.optionalString("dsl") ?? "{}"
    }

    /// A row as inserted: its id and `xmin` (the inserting transaction), which together name that very row
    /// version — an UPDATE by hand gives the row another `xmin`.
    package struct InsertedRow: Sendable, Equatable {
        package var id: Int
        package var xmin: String
    }

    /// Inserts a row for the effective DSL; call inside the Safe Sync transaction, after the plan created
    /// the table and its columns. The row is the one EngineJS's sync writes (`hash`, `dsl`, `created_at`, each
    /// when the `dsl` model has that field; the system columns keep their defaults), plus the commit in
    /// enginesync's `commit` column when that column holds text.
    package func insert(
        _ connection: PostgresConnection, hash: String, json: String, commit: String?,
        table definition: Table?
    ) throws -> InsertedRow {
        var columns = RowColumns()
        if Self.has("hash", definition) { columns.bind("hash", hash) }
        if Self.has("dsl", definition) { columns.bind("dsl", json, cast: "::jsonb") }
        columns.addBookkeeping(commit: commit, table: definition)
        let sql: SQL =
            columns.names.isEmpty
            ? "INSERT INTO \(ddl.table(table)) DEFAULT VALUES RETURNING id::int8 AS id, xmin::text AS xmin"
            : "INSERT INTO \(ddl.table(table)) (\(idents: columns.names)) VALUES ("
                + SQL.joined(columns.values, separator: ", ") + ") RETURNING id::int8 AS id, xmin::text AS xmin"
        return try inserted(connection.run(sql, columns.parameters).first)
    }

    /// Whether the `dsl` model's table has column `name` (a table not known yet is taken to have it).
    private static func has(_ name: String, _ definition: Table?) -> Bool {
        definition.map { $0.column(named: name) != nil } ?? true
    }

    /// Whether rows can be inserted as a patch of an earlier row: the table has both `hash` and `dsl`.
    package static func canPatch(_ definition: Table?) -> Bool {
        definition.map { $0.column(named: "hash") != nil && $0.column(named: "dsl") != nil } ?? false
    }

    /// Inserts the same row as `insert(_:hash:json:commit:table:)` would for the document `patch` leads to from
    /// the document of row `base`, built by the server from that row: `(dsl - removed) || changed`, the same
    /// jsonb value as the whole document parsed (jsonb keeps one value per key and no key order), without
    /// sending or parsing the whole document. `nil` (nothing inserted) when row `base.id` is gone or is not the
    /// version this process inserted (`xmin` differs: updated by hand), so its content is not known.
    package func insert(
        _ connection: PostgresConnection, patching base: InsertedRow, with patch: SnapshotPatch, changedJSON: String,
        hash: String, commit: String?, table definition: Table?
    ) throws -> InsertedRow? {
        // $1 hash, $2 the removed keys (a JSON array), $3 the changed entries, $4 row id, $5 its xmin, $6 commit.
        let removed = JavaScriptJSON.stringify(.array(patch.removed.map(JSONValue.string)))
        var columns = RowColumns(parameters: [hash, removed, changedJSON, base.id, base.xmin])
        columns.add("hash", "$1")
        columns.add("dsl", "(dsl - ARRAY(SELECT jsonb_array_elements_text($2::jsonb))) || $3::jsonb")
        columns.addBookkeeping(commit: commit, table: definition)
        let sql: SQL =
            "INSERT INTO \(ddl.table(table)) (\(idents: columns.names)) SELECT "
            + SQL.joined(columns.values, separator: ", ")
            + " FROM \(ddl.table(table)) WHERE id = $4 AND xmin = $5::xid RETURNING id::int8 AS id, xmin::text AS xmin"
        guard let row = try connection.run(sql, columns.parameters).first else { return nil }
        return try inserted(row)
    }

    /// The columns and values of a new row, and the parameters they bind (numbered in order).
    private struct RowColumns {
        var names: [String] = []
        var values: [SQL] = []
        var parameters: [(any PostgresBindable)?] = []

        /// `name` from the next parameter, `value`.
        mutating func bind(_ name: String, _ value: (any PostgresBindable)?, cast: SQL = "") {
            parameters.append(value)
            add(name, "$\(unsafeRaw: String(parameters.count))" + cast)
        }

        mutating func add(_ name: String, _ value: SQL) {
            names.append(name)
            values.append(value)
        }

        /// enginesync's `commit` when that column holds text, and `created_at` when it exists.
        mutating func addBookkeeping(commit: String?, table definition: Table?) {
            if let column = definition?.column(named: "commit"), column.type.holdsText, let commit {
                bind("commit", commit)
            }
            if definition?.column(named: "created_at") != nil { add("created_at", "CURRENT_TIMESTAMP") }
        }
    }

    private func inserted(_ row: PostgresRow?) throws -> InsertedRow {
        InsertedRow(id: try row?.int("id") ?? 0, xmin: try row?.optionalString("xmin") ?? "")
    }
}
