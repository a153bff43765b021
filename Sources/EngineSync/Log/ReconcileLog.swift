package import EngineSyncCore
import Foundation
package import PostgresClient

/// A row of `engine_reconciles`: one per reconcile attempt that reached the database (SPEC 4.5).
package struct ReconcileLogEntry: Sendable, Equatable {
    package var id: Int
    package var commit: String?
    package var dslTree: String?
    package var migrationsTree: String?
    package var outcome: String
    package var appliedCount: Int
    package var blockedCount: Int
    package var snapshotID: Int?
    package var startedAt: String
    package var finishedAt: String?
    package var reportJSON: String
}

/// `engine_reconciles`: created and extended by enginesync itself (it is not a DSL model).
package struct ReconcileLog: Sendable {
    package static let tableName = "engine_reconciles"
    let ddl: DDL

    package init(schema: String) { ddl = DDL(schema: schema) }

    var table: SQL { ddl.table(Self.tableName) }

    /// Columns added after the first release, in order.
    static let addedColumns: [PostgresConnection.BookkeepingColumn] = [
        .init(name: "commit", definition: "character varying(64)"),
        .init(name: "dsl_tree", definition: "character varying(64)"),
        .init(name: "migrations_tree", definition: "character varying(64)"),
        .init(name: "applied_count", definition: "integer NOT NULL DEFAULT 0"),
        .init(name: "blocked_count", definition: "integer NOT NULL DEFAULT 0"),
        .init(name: "snapshot_id", definition: "bigint"),
        .init(name: "finished_at", definition: "timestamp with time zone"),
        .init(name: "dsl_sha256", definition: "character varying(64)"),
    ]

    /// Idempotent: creates the table, then adds any column a newer enginesync needs (only those, so a role
    /// that may write rows but does not own the table works).
    package func ensureTable(_ connection: PostgresConnection) throws {
        try connection.ensureBookkeepingTable(
            Self.tableName, schema: ddl.schema,
            columns: """
                id bigserial PRIMARY KEY, attempt_id text NOT NULL, outcome character varying(16) NOT NULL, \
                started_at timestamp with time zone NOT NULL, report jsonb NOT NULL
                """,
            added: Self.addedColumns)
    }

    package struct Trees: Sendable {
        package var dsl: String?
        package var migrations: String?
        package init(dsl: String? = nil, migrations: String? = nil) {
            self.dsl = dsl
            self.migrations = migrations
        }
    }

    @discardableResult
    package func insert(
        _ connection: PostgresConnection, attemptID: String, report: ReconcileReport,
        trees: Trees
    ) throws -> Int {
        let json = String(decoding: try report.jsonData(), as: UTF8.self)
        let sql: SQL = """
            INSERT INTO \(table) (attempt_id, commit, dsl_tree, migrations_tree, outcome, applied_count, blocked_count, \
            snapshot_id, started_at, finished_at, report, dsl_sha256) \
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::timestamptz, $10::timestamptz, $11::jsonb, $12) \
            RETURNING id::int8 AS id
            """
        let parameters: [(any PostgresBindable)?] = [
            attemptID, report.commit?.sha, trees.dsl, trees.migrations, report.outcome.rawValue, report.applied.count,
            report.blocked.count, report.snapshot.id, report.startedAt, report.finishedAt, json, report.snapshot.sha256,
        ]
        return try connection.run(sql, parameters).first?.int("id") ?? 0
    }

    package func update(_ connection: PostgresConnection, id: Int, report: ReconcileReport) throws {
        let json = String(decoding: try report.jsonData(), as: UTF8.self)
        try connection.run(
            """
            UPDATE \(table) SET outcome = $1, applied_count = $2, blocked_count = $3, finished_at = $4::timestamptz, \
            report = $5::jsonb WHERE id = $6
            """, [report.outcome.rawValue, report.applied.count, report.blocked.count, report.finishedAt, json, id])
    }

    /// Whether an attempt committed: after a connection loss during COMMIT the outcome is unknown (SPEC 4.3).
    package func attemptCommitted(_ connection: PostgresConnection, attemptID: String) throws -> Int? {
        guard try tableExists(connection) else { return nil }
        return try connection.run("SELECT id::int8 AS id FROM \(table) WHERE attempt_id = $1", [attemptID]).first?.int(
            "id")
    }

    /// The newest entries, newest first; `outcomes` filters (e.g. `synced`, `blocked`). None while the table is
    /// missing or lacks a column read here (a table an interrupted first run or a person left incomplete: the
    /// next reconcile's `ensureTable` adds the columns, so this read must not fail before it).
    package func latest(_ connection: PostgresConnection, outcomes: [String]? = nil, limit: Int = 1) throws
        -> [ReconcileLogEntry]
    {
        guard try hasColumnsRead(connection) else { return [] }
        var sql: SQL = """
            SELECT id::int8 AS id, commit, dsl_tree, migrations_tree, outcome, applied_count, blocked_count, \
            snapshot_id::int8 AS snapshot_id, started_at::text AS started_at, finished_at::text AS finished_at, \
            report::text AS report FROM \(table)
            """
        var parameters: [(any PostgresBindable)?] = []
        if let outcomes {
            sql = sql + " WHERE outcome = ANY($1::text[])"
            parameters.append("{" + outcomes.joined(separator: ",") + "}")
        }
        sql = sql + " ORDER BY id DESC LIMIT \(unsafeRaw: String(max(1, limit)))"
        return try connection.run(sql, parameters).rows.map { row in
            ReconcileLogEntry(
                id: try row.int("id"), commit: try row.optionalString("commit"),
                dslTree: try row.optionalString("dsl_tree"),
                migrationsTree: try row.optionalString("migrations_tree"), outcome: try row.string("outcome"),
                appliedCount: try row.int("applied_count"), blockedCount: try row.int("blocked_count"),
                snapshotID: try row.optionalInt("snapshot_id"), startedAt: try row.string("started_at"),
                finishedAt: try row.optionalString("finished_at"), reportJSON: try row.string("report"))
        }
    }

    /// The columns `latest` reads.
    static let readColumns = [
        "id", "commit", "dsl_tree", "migrations_tree", "outcome", "applied_count", "blocked_count", "snapshot_id",
        "started_at", "finished_at", "report",
    ]

    func hasColumnsRead(_ connection: PostgresConnection) throws -> Bool {
        let sql = """
            SELECT count(*)::int8 AS present FROM pg_catalog.pg_attribute \
            WHERE attrelid = pg_catalog.to_regclass($1) AND attnum > 0 AND NOT attisdropped \
            AND attname = ANY($2::text[])
            """
        let present = try connection.query(
            sql, [try table.render(with: connection), "{" + Self.readColumns.joined(separator: ",") + "}"]
        ).first?.int("present")
        return present == Self.readColumns.count
    }

    func tableExists(_ connection: PostgresConnection) throws -> Bool {
        try connection.query("SELECT to_regclass($1) IS NOT NULL AS present", [try table.render(with: connection)])
            .first?.bool("present") ?? false
    }
}
