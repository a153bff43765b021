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

    /// The newest row, or `nil` when the table or its `hash`/`dsl` columns do not exist yet or it is empty.
    /// `document: false` leaves the (large) DSL out; `document(_:id:)` fetches it when it is needed.
    package func latest(_ connection: PostgresConnection, live: Schema, document: Bool = true) throws -> SnapshotRow? {
        guard let liveTable = live.table(named: table), liveTable.column(named: "hash") != nil,
            liveTable.column(named: "dsl") != nil, liveTable.column(named: "id") != nil
        else { return nil }
        let hasCommit = liveTable.column(named: "commit") != nil
        let commitColumn: SQL = hasCommit ? "\(ident: "commit")::text" : "NULL::text"
        let documentColumn: SQL = document ? "dsl::text" : "NULL::text"
        let sql: SQL =
            "SELECT id::int8 AS id, hash::text AS hash, " + documentColumn + " AS dsl, " + commitColumn
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

    /// Inserts a row for the effective DSL; call inside the Safe Sync transaction, after the plan created
    /// the table and its columns. The row is the one EngineJS's sync writes (`hash`, `dsl`, `created_at`; the
    /// system columns keep their defaults), plus the commit in enginesync's `commit` column when that column
    /// holds text.
    package func insert(
        _ connection: PostgresConnection, hash: String, json: String, commit: String?,
        table definition: Table?
    ) throws -> Int {
        var names = ["hash", "dsl"]
        var values: [SQL] = ["$1", "$2::jsonb"]
        var parameters: [(any PostgresBindable)?] = [hash, json]
        if let column = definition?.column(named: "commit"), column.type.holdsText {
            names.append("commit")
            values.append("$3")
            parameters.append(commit)
        }
        if definition?.column(named: "created_at") != nil {
            names.append("created_at")
            values.append("CURRENT_TIMESTAMP")
        }
        let sql: SQL =
            "INSERT INTO \(ddl.table(table)) (\(idents: names)) VALUES (" + SQL.joined(values, separator: ", ")
            + ") RETURNING id::int8 AS id"
        return try connection.run(sql, parameters).first?.int("id") ?? 0
    }
}
