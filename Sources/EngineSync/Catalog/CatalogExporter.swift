public import EngineSyncCore
public import Foundation
public import PostgresClient

/// Reads `catalog.json` (`CatalogFile`) from a database: the managed schema through `CatalogReader`, relation
/// sizes, the latest snapshot row, the last reconciled commit and the applied migrations. Read-only: no lock,
/// no table created; a database enginesync never touched exports an empty catalog.
///
/// Nothing of the connection goes into the file (no DSN, no host, no user), and no table's rows are read
/// except enginesync's own snapshot, log and migration tables.
public struct CatalogExporter: Sendable {
    public var schema: String
    /// The snapshot model's table (`dsl` unless the DSL's meta model names another).
    public var snapshotTable: String

    public init(schema: String, snapshotTable: String = "dsl") {
        self.schema = schema
        self.snapshotTable = snapshotTable
    }

    /// The catalog of the database behind `connection`. Pins `search_path` to `pg_catalog` (as Safe Sync does) so
    /// types and defaults are spelled as the planner expects.
    public func export(_ connection: PostgresConnection, now: Date = Date()) throws -> CatalogFile {
        try export(connection, now: now, liveSchemaCache: nil)
    }

    /// `liveSchemaCache`: the daemon's incremental introspection (the live schema equals a full read's).
    package func export(
        _ connection: PostgresConnection, now: Date = Date(), liveSchemaCache: LiveSchemaCache?
    ) throws -> CatalogFile {
        try connection.setSearchPath(["pg_catalog"])
        // A mistyped schema would export an empty catalog, and a plan against it would create every table.
        let present = try connection.query(
            "SELECT count(*)::int8 AS n FROM pg_catalog.pg_namespace WHERE nspname = $1", [schema]
        ).first?.int("n")
        guard present == 1 else { throw MissingSchema(schema: schema) }
        let live: Schema
        if let liveSchemaCache {
            live = try liveSchemaCache.read(connection, schema: schema).schema
        } else {
            var reader = CatalogReader(schema: schema)
            live = try reader.read(connection)
        }
        let sizeRows = try connection.query(
            """
            SELECT c.relname::text AS name, pg_catalog.pg_total_relation_size(c.oid)::int8 AS bytes
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
            """, [schema])
        var sizes: [String: Int] = [:]
        for row in sizeRows.rows { sizes[try row.string("name")] = try row.int("bytes") }
        let snapshot = try SnapshotStore(schema: schema, table: snapshotTable).latest(
            connection, live: live, document: true
        )
        .map {
            CatalogFile.Snapshot(
                table: snapshotTable, id: $0.id, hash: $0.hash, commit: $0.commit, dsl: $0.json ?? "{}")
        }
        let lastCommit = try ReconcileLog(schema: schema).latest(connection, outcomes: ["synced", "blocked"]).first?
            .commit
        let migrations = try MigrationTrackingTable(connection: connection, schema: schema).read()
            .map { CatalogFile.AppliedMigration(id: $0.id, checksum: $0.checksum, state: $0.state.rawValue) }
            .sorted { $0.id < $1.id }
        return CatalogFile(
            schema: schema, live: live, totalBytes: sizes, snapshot: snapshot,
            lastReconciledCommit: lastCommit, migrations: migrations,
            exportedAt: ReportDraft.timestamp(now))
    }

    /// Writes `catalog` to `path` atomically (temporary file, fsync, rename), mode 0640 like the reports.
    public static func write(_ catalog: CatalogFile, to path: String) throws {
        try AtomicFileWriter.write(Array(try catalog.jsonData()), to: path, mode: 0o640)
    }

    /// Writes `catalog.json` into a reports directory, creating it (mode 0750) as the report store does.
    public static func write(_ catalog: CatalogFile, intoReportsDirectory directory: String) throws {
        try AtomicFileWriter.createDirectory(directory, mode: 0o750)
        try write(catalog, to: directory + "/" + CatalogFile.fileName)
    }
}

/// The managed schema does not exist in the database (a catalog export refuses to describe nothing).
package struct MissingSchema: Error, CustomStringConvertible {
    package var schema: String
    package var description: String {
        "schema '\(schema)' does not exist in the database (check --schema / schema)"
    }
}
