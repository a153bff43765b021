/// What the catalog fingerprint query says of one table of the managed schema (docs/SAFE-SYNC.md, "Incremental
/// introspection").
public struct TableFingerprint: Hashable, Sendable {
    public var name: String
    /// The table's `pg_class` oid: what a restricted read asks for.
    public var oid: Int64
    /// `pg_class.reltuples` (or the size-based guess): not DDL, so read for every table every time.
    public var estimatedRows: Int
    /// The oid and aggregates (count, sum of `xmin`, sum of oids) of every catalog row the live schema reads for
    /// the table: its `pg_class` row, columns, defaults, indexes and their `pg_class` rows, constraints, and what
    /// it owns (sequences, indexes). Any DDL on any of them changes it; VACUUM and ANALYZE do not.
    public var value: String
    /// An invalid index: whether it is still being built is not in the catalog, so the table is read every time.
    public var hasInvalidIndex: Bool

    public init(name: String, oid: Int64, estimatedRows: Int, value: String, hasInvalidIndex: Bool = false) {
        self.name = name
        self.oid = oid
        self.estimatedRows = estimatedRows
        self.value = value
        self.hasInvalidIndex = hasInvalidIndex
    }
}

/// The fingerprint query's answer: one entry per table (in `relname` order, as the catalog reader orders them)
/// and what is not per table.
public struct CatalogFingerprints: Hashable, Sendable {
    /// User-defined types, functions, operators and collations, schema names, the database and the server's start:
    /// a change there may alter how any table is printed (`format_type`, `pg_get_expr`), so it means a full read.
    public var global: String
    public var tables: [TableFingerprint]
    /// The schema holds partitions: the full read keeps their foreign keys, which are not per listed table, so
    /// such a schema is always read in full.
    public var hasPartitions: Bool

    public init(global: String, tables: [TableFingerprint], hasPartitions: Bool = false) {
        self.global = global
        self.tables = tables
        self.hasPartitions = hasPartitions
    }
}

/// One table of the live schema as last read, with the fingerprints it was read under.
public struct CachedLiveTable: Hashable, Sendable {
    public var table: Table
    public var indexes: [Index]
    public var foreignKeys: [ForeignKey]
    /// `TableFingerprint.value` observed before the table was read.
    public var fingerprint: String
    /// For each table its foreign keys reference: that table's fingerprint then. A key names the referenced
    /// columns, which the referenced table's catalog rows hold: when those change, this table is read again.
    public var referenced: [String: String]

    public init(
        table: Table, indexes: [Index], foreignKeys: [ForeignKey], fingerprint: String, referenced: [String: String]
    ) {
        self.table = table
        self.indexes = indexes
        self.foreignKeys = foreignKeys
        self.fingerprint = fingerprint
        self.referenced = referenced
    }
}

/// The live schema a daemon keeps between reconciles, table by table.
public struct CachedLiveSchema: Hashable, Sendable {
    /// The managed schema it describes.
    public var schema: String
    public var global: String
    public var tables: [String: CachedLiveTable]

    public init(schema: String, global: String, tables: [String: CachedLiveTable]) {
        self.schema = schema
        self.global = global
        self.tables = tables
    }
}

/// Incremental introspection, the pure part: which tables to read again given the fingerprints, and the live
/// schema merged from the cache and the tables read, equal to what a full read returns (same tables, columns,
/// indexes, keys and views, in the same order).
public enum IncrementalLiveSchema {
    /// The tables to read again (in fingerprint order), or `nil` for a full read: no cache, another schema, or
    /// something that is not per table changed.
    public static func tablesToRead(
        _ fingerprints: CatalogFingerprints, cached: CachedLiveSchema?, schema: String
    ) -> [TableFingerprint]? {
        guard let cached, cached.schema == schema, cached.global == fingerprints.global, !fingerprints.hasPartitions
        else { return nil }
        let current = Dictionary(
            fingerprints.tables.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        guard current.count == fingerprints.tables.count else { return nil }
        return fingerprints.tables.filter { table in
            guard let entry = cached.tables[table.name], entry.fingerprint == table.value, !table.hasInvalidIndex
            else { return true }
            return entry.referenced.contains { name, fingerprint in (current[name] ?? "") != fingerprint }
        }
    }

    /// The live schema from the cache and `fresh` (a read of exactly the tables `tablesToRead` named, plus every
    /// view dependency), and the cache to keep. `nil` when `fresh` lacks one of those tables (dropped meanwhile):
    /// the caller reads everything instead.
    public static func merge(
        _ fingerprints: CatalogFingerprints, reread: [TableFingerprint], fresh: Schema, cached: CachedLiveSchema
    ) -> (schema: Schema, cache: CachedLiveSchema)? {
        let wanted = Set(reread.map(\.name))
        let freshTables = Dictionary(
            fresh.tables.filter { wanted.contains($0.name) }.map { ($0.name, $0) },
            uniquingKeysWith: { first, _ in first })
        guard freshTables.count == wanted.count else { return nil }
        let freshIndexes = Dictionary(grouping: fresh.indexes, by: \.table)
        let freshKeys = Dictionary(grouping: fresh.foreignKeys, by: \.table)
        let current = Dictionary(
            fingerprints.tables.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })

        var entries: [String: CachedLiveTable] = [:]
        var tables: [Table] = []
        var indexes: [Index] = []
        var keys: [ForeignKey] = []
        tables.reserveCapacity(fingerprints.tables.count)
        for fingerprint in fingerprints.tables {
            var entry: CachedLiveTable
            if let table = freshTables[fingerprint.name] {
                let tableKeys = freshKeys[fingerprint.name] ?? []
                entry = CachedLiveTable(
                    table: table, indexes: freshIndexes[fingerprint.name] ?? [], foreignKeys: tableKeys,
                    fingerprint: fingerprint.value,
                    referenced: Self.referenced(by: tableKeys, current: current))
            } else if let kept = cached.tables[fingerprint.name] {
                entry = kept
            } else {
                return nil
            }
            entry.table.estimatedRows = fingerprint.estimatedRows
            entries[fingerprint.name] = entry
            tables.append(entry.table)
            indexes += entry.indexes
            keys += entry.foreignKeys
        }
        let schema = Schema(
            tables: tables, indexes: indexes, foreignKeys: keys.sorted { ($0.table, $0.name) < ($1.table, $1.name) },
            viewDependencies: fresh.viewDependencies)
        return (schema, CachedLiveSchema(schema: cached.schema, global: fingerprints.global, tables: entries))
    }

    /// The cache after a full read, whose fingerprints were taken before it. A table created or dropped between
    /// the two is left out of the cache (the next read takes it as new).
    public static func cache(
        after full: Schema, fingerprints: CatalogFingerprints, schema: String
    ) -> CachedLiveSchema {
        let current = Dictionary(
            fingerprints.tables.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        let indexes = Dictionary(grouping: full.indexes, by: \.table)
        let keys = Dictionary(grouping: full.foreignKeys, by: \.table)
        var entries: [String: CachedLiveTable] = [:]
        for table in full.tables {
            guard let fingerprint = current[table.name] else { continue }
            let tableKeys = keys[table.name] ?? []
            entries[table.name] = CachedLiveTable(
                table: table, indexes: indexes[table.name] ?? [], foreignKeys: tableKeys, fingerprint: fingerprint,
                referenced: referenced(by: tableKeys, current: current))
        }
        return CachedLiveSchema(schema: schema, global: fingerprints.global, tables: entries)
    }

    static func referenced(by keys: [ForeignKey], current: [String: String]) -> [String: String] {
        var referenced: [String: String] = [:]
        for key in keys { referenced[key.referencedTable] = current[key.referencedTable] ?? "" }
        return referenced
    }
}
