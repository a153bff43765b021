import EngineSyncCore
import Foundation
import PostgresClient

/// `engine_migrations`: one row per migration, EngineJS compatible.
///
/// EngineJS creates `id varchar(255) PRIMARY KEY, executed_at timestamptz`; enginesync adds `checksum`,
/// `commit`, `duration_ms`, `state` and `origin` with `ADD COLUMN IF NOT EXISTS`, so a table EngineJS
/// created is extended in place, never recreated, and EngineJS's runner keeps working on it (it reads `id`
/// and inserts `id, executed_at`; every added column is nullable or has a default). Rows are read with
/// `to_jsonb(row)` so that reading works whatever columns exist (status never writes).
///
/// `origin` says who recorded a row: `enginesync` for every row enginesync inserts, `external` once a run
/// has reported a row of another runner (see `Row.isFromOtherRunner`), NULL otherwise (EngineJS rows not
/// yet reported, and rows of enginesync versions before the column existed).
struct MigrationTrackingTable {
    static let name = "engine_migrations"

    /// One tracking row as read.
    struct Row {
        var id: String
        var state: MigrationState
        var checksum: String?
        var commit: String? = nil
        var durationMs: Int? = nil
        var origin: String? = nil

        /// Recorded by another runner, such as EngineJS's JavaScript `MigrationRunner`, which writes only `id`
        /// and `executed_at`: either already reported (`origin = 'external'`), or an applied row carrying
        /// nothing enginesync writes (no origin, checksum, commit nor duration). enginesync's own rows always
        /// have an origin (since the column exists) or a duration (before: a transactional migration records
        /// it with its row, a no-transaction one when it finishes or fails).
        var isFromOtherRunner: Bool {
            guard state.isApplied else { return false }
            if origin == Origin.external { return true }
            return origin == nil && checksum == nil && commit == nil && durationMs == nil
        }

        /// Already reported by an earlier run: nothing more is said about it.
        var isAcknowledged: Bool { origin == Origin.external }
    }

    /// Values of the `origin` column.
    enum Origin {
        static let enginesync = "enginesync"
        static let external = "external"
    }

    let connection: PostgresConnection
    let schema: String

    /// Schema-qualified through the same builder every other statement uses.
    var qualified: SQL { DDL(schema: schema).table(Self.name) }

    /// The columns enginesync adds to EngineJS's two.
    static let addedColumns: [PostgresConnection.BookkeepingColumn] = [
        .init(name: "checksum", definition: "character varying(64)"),
        .init(name: "commit", definition: "character varying(64)"),
        .init(name: "duration_ms", definition: "integer"),
        .init(name: "state", definition: "character varying(16) NOT NULL DEFAULT 'applied'"),
        .init(name: "origin", definition: "character varying(16)"),
    ]

    /// Creates the table, or adds the enginesync columns an EngineJS one lacks (only those: a role that does
    /// not own the table works once they exist). Call under the advisory lock.
    func ensure() throws {
        try connection.ensureBookkeepingTable(
            Self.name, schema: schema,
            columns:
                "id character varying(255) PRIMARY KEY, executed_at timestamp with time zone NOT NULL DEFAULT now()",
            added: Self.addedColumns)
    }

    /// Whether `ensure()` would change nothing (the table exists with every column enginesync adds). Read-only.
    func isComplete() throws -> Bool {
        try connection.bookkeepingTableIsComplete(Self.name, schema: schema, added: Self.addedColumns)
    }

    /// All rows; none when the table does not exist yet.
    func read() throws -> [Row] {
        let exists = try connection.query(
            "SELECT pg_catalog.to_regclass($1) IS NOT NULL AS present",
            [try qualified.render(with: connection)])
        guard try exists.first?.bool("present") == true else { return [] }
        let result = try connection.run("SELECT pg_catalog.to_jsonb(m)::text AS row FROM \(qualified) m")
        return try result.rows.compactMap { row in
            let text = try row.string("row")
            guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                let id = object["id"] as? String
            else { return nil }
            return Row(
                id: id, state: MigrationState(rawValue: object["state"] as? String ?? MigrationState.applied.rawValue),
                checksum: object["checksum"] as? String,
                commit: object["commit"] as? String, durationMs: (object["duration_ms"] as? NSNumber)?.intValue,
                origin: object["origin"] as? String)
        }
    }

    /// Records an applied migration (inside the migration's transaction for transactional ones).
    func insert(id: String, checksum: String?, commit: String?, durationMs: Int?, state: MigrationState) throws {
        try connection.run(
            """
            INSERT INTO \(qualified) (id, executed_at, checksum, \(ident: "commit"), duration_ms, state, origin)
            VALUES ($1, pg_catalog.clock_timestamp(), $2, $3, $4::integer, $5, $6)
            """, [id, checksum, commit, durationMs, state.rawValue, Origin.enginesync])
    }

    /// Marks another runner's row as reported (`origin = 'external'`); `false` when it is gone or already
    /// has an origin.
    func acknowledgeExternal(id: String) throws -> Bool {
        let result = try connection.run(
            """
            UPDATE \(qualified) SET origin = $2 WHERE id = $1 AND origin IS NULL RETURNING id
            """, [id, Origin.external])
        return !result.rows.isEmpty
    }

    func update(id: String, state: MigrationState, durationMs: Int?) throws {
        try connection.run(
            """
            UPDATE \(qualified) SET state = $2, duration_ms = COALESCE($3::integer, duration_ms),
                executed_at = pg_catalog.clock_timestamp()
            WHERE id = $1
            """, [id, state.rawValue, durationMs])
    }

    func setChecksum(id: String, checksum: String, onlyWhenMissing: Bool) throws {
        let condition: SQL = onlyWhenMissing ? " AND checksum IS NULL" : ""
        try connection.run("UPDATE \(qualified) SET checksum = $2 WHERE id = $1\(condition)", [id, checksum])
    }

    func delete(id: String) throws {
        try connection.run("DELETE FROM \(qualified) WHERE id = $1", [id])
    }
}
