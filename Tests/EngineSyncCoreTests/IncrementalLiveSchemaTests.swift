import EngineSyncCore
import Testing

/// The pure part of incremental introspection: which tables a fingerprint change sends back to the catalog, and
/// the merged live schema, which must equal a full read's (same order of tables, indexes and keys).
@Suite("IncrementalLiveSchema: fingerprint diffing and merging the live schema")
struct IncrementalLiveSchemaTests {
    static func table(_ name: String, _ columns: [String] = ["id"], rows: Int = 0) -> Table {
        Table(
            name: name, columns: columns.map { Column(name: $0, type: .integer) }, primaryKey: ["id"],
            estimatedRows: rows, primaryKeyConstraint: "\(name)_pkey")
    }

    /// author ← post ← comment (foreign keys), tag alone; an index on post.
    static let full = Schema(
        tables: [table("author"), table("comment"), table("post"), table("tag")],
        indexes: [
            Index(name: "author_pkey", table: "author", columns: ["id"], isUnique: true, isConstraint: true),
            Index(name: "idx_post_title", table: "post", columns: ["title"], isUnique: false),
            Index(name: "post_pkey", table: "post", columns: ["id"], isUnique: true, isConstraint: true),
        ],
        foreignKeys: [
            ForeignKey(
                name: "comment_post_id_fkey", table: "comment", columns: ["post_id"], referencedTable: "post",
                referencedColumns: ["id"]),
            ForeignKey(
                name: "post_author_id_fkey", table: "post", columns: ["author_id"], referencedTable: "author",
                referencedColumns: ["id"]),
        ],
        viewDependencies: [ViewDependency(table: "author", column: "id", viewSchema: "public", view: "v")])

    static func fingerprints(_ values: [String: String] = [:], global: String = "g", invalid: Set<String> = [])
        -> CatalogFingerprints
    {
        let names = Set(full.tables.map(\.name)).union(values.keys).subtracting(values.filter { $0.value == "-" }.keys)
        return CatalogFingerprints(
            global: global,
            tables: names.sorted().enumerated().map { offset, name in
                TableFingerprint(
                    name: name, oid: Int64(100 + offset), estimatedRows: 7, value: values[name] ?? "\(name)-1",
                    hasInvalidIndex: invalid.contains(name))
            })
    }

    static let cached = IncrementalLiveSchema.cache(after: full, fingerprints: fingerprints(), schema: "public")

    static func reread(_ fingerprints: CatalogFingerprints) -> [String]? {
        IncrementalLiveSchema.tablesToRead(fingerprints, cached: cached, schema: "public")?.map(\.name)
    }

    @Test func nothingChangedReadsNothing() {
        #expect(Self.reread(Self.fingerprints()) == [])
    }

    @Test func noCacheAnotherSchemaAGlobalChangeOrPartitionsMeanAFullRead() {
        #expect(IncrementalLiveSchema.tablesToRead(Self.fingerprints(), cached: nil, schema: "public") == nil)
        #expect(IncrementalLiveSchema.tablesToRead(Self.fingerprints(), cached: Self.cached, schema: "app") == nil)
        #expect(Self.reread(Self.fingerprints(global: "g2")) == nil)
        var partitioned = Self.fingerprints()
        partitioned.hasPartitions = true
        #expect(Self.reread(partitioned) == nil)
    }

    @Test func aChangedTableAndTheTablesReferencingItAreReadAgain() {
        #expect(Self.reread(Self.fingerprints(["tag": "tag-2"])) == ["tag"])
        #expect(Self.reread(Self.fingerprints(["post": "post-2"])) == ["comment", "post"])
        #expect(Self.reread(Self.fingerprints(["author": "author-2"])) == ["author", "post"])
        // A referenced table renamed (gone under its old name): the referencing table is read again.
        #expect(Self.reread(Self.fingerprints(["author": "-", "writer": "writer-1"])) == ["post", "writer"])
    }

    @Test func newTablesAndTablesWithAnInvalidIndexAreRead() {
        #expect(Self.reread(Self.fingerprints(["extra": "extra-1"])) == ["extra"])
        #expect(Self.reread(Self.fingerprints(invalid: ["tag"])) == ["tag"])
    }

    @Test func theMergeEqualsAFullReadInOrder() throws {
        // post changed by hand: an index added, a column widened (the full read after it, and the restricted one).
        var after = Self.full
        after.tables[2].columns.append(Column(name: "title", type: .varchar(length: 300)))
        after.indexes.insert(
            Index(name: "idx_post_a", table: "post", columns: ["title"], isUnique: false), at: 1)
        for index in after.tables.indices { after.tables[index].estimatedRows = 7 }
        let fingerprints = Self.fingerprints(["post": "post-2"])
        let reread = try #require(
            IncrementalLiveSchema.tablesToRead(fingerprints, cached: Self.cached, schema: "public"))
        let names = Set(reread.map(\.name))
        let fresh = Schema(
            tables: after.tables.filter { names.contains($0.name) },
            indexes: after.indexes.filter { names.contains($0.table) },
            foreignKeys: after.foreignKeys.filter { names.contains($0.table) },
            viewDependencies: after.viewDependencies)
        let merged = try #require(
            IncrementalLiveSchema.merge(fingerprints, reread: reread, fresh: fresh, cached: Self.cached))
        #expect(merged.schema == after)
        #expect(merged.cache == IncrementalLiveSchema.cache(after: after, fingerprints: fingerprints, schema: "public"))
        // Read again with the new cache: nothing.
        #expect(IncrementalLiveSchema.tablesToRead(fingerprints, cached: merged.cache, schema: "public") == [])
    }

    @Test func aTableMissingFromTheRestrictedReadMeansAFullRead() throws {
        let fingerprints = Self.fingerprints(["tag": "tag-2"])
        let reread = try #require(
            IncrementalLiveSchema.tablesToRead(fingerprints, cached: Self.cached, schema: "public"))
        #expect(
            IncrementalLiveSchema.merge(fingerprints, reread: reread, fresh: Schema(), cached: Self.cached) == nil)
    }

    @Test func aTableCreatedDuringAFullReadIsNotCached() {
        // The fingerprints were taken before the full read, which already saw `late`.
        var full = Self.full
        full.tables.append(Self.table("late"))
        let cache = IncrementalLiveSchema.cache(after: full, fingerprints: Self.fingerprints(), schema: "public")
        #expect(cache.tables["late"] == nil)
        #expect(
            IncrementalLiveSchema.tablesToRead(
                Self.fingerprints(["late": "late-1"]), cached: cache, schema: "public")?.map(\.name) == ["late"])
    }
}
