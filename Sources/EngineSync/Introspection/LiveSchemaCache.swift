package import EngineSyncCore
package import PostgresClient
import Synchronization

/// Incremental introspection for a long-running daemon (docs/SAFE-SYNC.md, "Incremental introspection"): the live
/// schema of its last read, table by table, with each table's catalog fingerprint. A read asks for the
/// fingerprints (one query), then reads again only the tables whose fingerprint changed, the new ones and those
/// whose foreign keys reference a changed table, and merges them with the rest; the view dependencies are read in
/// full every time. The first read, a changed global fingerprint (types, functions, schemas, the server) or
/// partitions in the schema mean a full read. The result equals `CatalogReader.read` (a test compares them after
/// each kind of out-of-band change).
///
/// Shared by the reconciles and the `catalog.json` export of one database (they may run on two threads): the
/// cached state is behind a mutex and replaced whole; each entry was read after its fingerprint was observed, so
/// any state either thread stores is valid.
package final class LiveSchemaCache: Sendable {
    private let state = Mutex<CachedLiveSchema?>(nil)

    package init() {}

    /// What the last `read` did: for the daemon's debug log and the tests.
    package struct ReadSummary: Sendable, Equatable {
        /// A full read (no usable cache).
        package var full: Bool
        /// Tables read from the catalog (every table when `full`).
        package var tablesRead: Int

        package init(full: Bool, tablesRead: Int) {
            self.full = full
            self.tablesRead = tablesRead
        }
    }

    /// The live schema of `schema`; the connection's `search_path` is `pg_catalog` (Safe Sync's `.catalogOnly`).
    package func read(
        _ connection: PostgresConnection, schema: String, beforeEachQuery: () -> Void = {}
    ) throws -> (schema: Schema, summary: ReadSummary) {
        beforeEachQuery()
        let fingerprints = try CatalogFingerprintQuery.read(connection, schema: schema)
        var reader = CatalogReader(schema: schema)
        let cached = state.withLock { $0 }
        if let cached, let reread = IncrementalLiveSchema.tablesToRead(fingerprints, cached: cached, schema: schema) {
            let fresh = try reader.read(connection, onlyTables: reread.map(\.oid), beforeEachQuery: beforeEachQuery)
            if let merged = IncrementalLiveSchema.merge(fingerprints, reread: reread, fresh: fresh, cached: cached) {
                state.withLock { $0 = merged.cache }
                return (merged.schema, ReadSummary(full: false, tablesRead: reread.count))
            }
        }
        let full = try reader.read(connection, beforeEachQuery: beforeEachQuery)
        state.withLock { $0 = IncrementalLiveSchema.cache(after: full, fingerprints: fingerprints, schema: schema) }
        return (full, ReadSummary(full: true, tablesRead: full.tables.count))
    }

    /// Forgets everything: the next read is a full one.
    package func clear() {
        state.withLock { $0 = nil }
    }
}

/// The catalog fingerprint query (postgres-facts: `xmin` changes with every transactional catalog update — DDL —
/// and not with VACUUM's or ANALYZE's in-place updates of `pg_class`; verified on PostgreSQL 15, docs/SAFE-SYNC.md).
package enum CatalogFingerprintQuery {
    package static func read(_ connection: PostgresConnection, schema: String) throws -> CatalogFingerprints {
        let globalRow = try connection.query(globalQuery, [schema]).first
        let tables = try connection.query(tablesQuery, [schema]).rows.map { row in
            TableFingerprint(
                name: try row.string("table_name"), oid: Int64(try row.int("oid")),
                estimatedRows: try row.int("estimated_rows"), value: try row.string("fingerprint"),
                hasInvalidIndex: try row.bool("has_invalid_index"))
        }
        return CatalogFingerprints(
            global: try globalRow?.string("global") ?? "", tables: tables,
            hasPartitions: try globalRow?.bool("has_partitions") ?? true)
    }

    /// Objects outside the tables that change how a table is printed: user-defined types (not the row types of
    /// tables and their arrays, which come and go with tables), functions, operators, collations; the schemas'
    /// names; and the database and the server's start (another database or a restored cluster never reuses the
    /// cache).
    static let globalQuery = """
        SELECT pg_catalog.concat_ws(' ',
                 (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()),
                 pg_catalog.pg_postmaster_start_time(),
                 (SELECT count(*) || '.' || coalesce(sum(s.xmin::text::int8), 0) FROM pg_catalog.pg_namespace s),
                 (SELECT count(*) || '.' || coalesce(sum(t.xmin::text::int8), 0) FROM pg_catalog.pg_type t
                  WHERE t.oid >= 16384 AND t.typrelid = 0
                    AND t.typsubscript <> 'pg_catalog.array_subscript_handler'::pg_catalog.regproc),
                 (SELECT count(*) || '.' || coalesce(sum(p.xmin::text::int8), 0) FROM pg_catalog.pg_proc p
                  WHERE p.oid >= 16384),
                 (SELECT count(*) || '.' || coalesce(sum(o.xmin::text::int8), 0) FROM pg_catalog.pg_operator o
                  WHERE o.oid >= 16384),
                 (SELECT count(*) || '.' || coalesce(sum(l.xmin::text::int8), 0) FROM pg_catalog.pg_collation l
                  WHERE l.oid >= 16384)) AS global,
               EXISTS (SELECT 1 FROM pg_catalog.pg_class c
                       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = $1 AND c.relispartition) AS has_partitions
        """

    /// One row per table of the schema, in the catalog reader's order: the table's oid and `xmin`, then count and
    /// sum of `xmin` (and of oids, and of the related `pg_class` rows' `xmin`) of its columns, defaults, indexes,
    /// constraints and owned sequences (`pg_depend` 'a', as the columns query finds them, in any schema). Each part
    /// is an index scan per table (`pg_attribute_relid_attnum_index`, `pg_index_indrelid_index`, …), so the cost
    /// follows the managed schema's size, not the size of the whole catalog (other schemas, system objects).
    static let tablesQuery = """
        SELECT c.relname AS table_name, c.oid::int8 AS oid,
               CASE WHEN c.reltuples >= 0 THEN c.reltuples::int8
                    ELSE (pg_catalog.pg_relation_size(c.oid) / pg_catalog.current_setting('block_size')::int8) * 100
               END AS estimated_rows,
               pg_catalog.concat_ws(' ', c.oid, c.xmin,
                 (SELECT 'a' || count(*) || '.' || sum(a.xmin::text::int8) FROM pg_catalog.pg_attribute a
                  WHERE a.attrelid = c.oid AND a.attnum > 0),
                 (SELECT 'd' || count(*) || '.' || sum(d.xmin::text::int8) || '.' || sum(d.oid::int8)
                  FROM pg_catalog.pg_attrdef d WHERE d.adrelid = c.oid),
                 (SELECT 'x' || count(*) || '.' || sum(x.xmin::text::int8) || '.' || sum(i.xmin::text::int8)
                         || '.' || sum(i.oid::int8)
                  FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
                  WHERE x.indrelid = c.oid),
                 (SELECT 'k' || count(*) || '.' || sum(k.xmin::text::int8) || '.' || sum(k.oid::int8)
                  FROM pg_catalog.pg_constraint k WHERE k.conrelid = c.oid),
                 (SELECT 'o' || count(*) || '.' || sum(dep.xmin::text::int8) || '.' || sum(s.xmin::text::int8)
                         || '.' || sum(s.oid::int8)
                  FROM pg_catalog.pg_depend dep
                  JOIN pg_catalog.pg_class s ON s.oid = dep.objid AND s.relkind = 'S'
                  WHERE dep.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND dep.refobjid = c.oid
                    AND dep.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND dep.deptype = 'a')
               ) AS fingerprint,
               EXISTS (SELECT 1 FROM pg_catalog.pg_index x WHERE x.indrelid = c.oid AND NOT x.indisvalid)
                 AS has_invalid_index
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        ORDER BY c.relname
        """
}
