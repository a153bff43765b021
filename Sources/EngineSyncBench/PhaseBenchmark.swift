import EngineSync
import EngineSyncCore
import Foundation
import PostgresClient

/// A no-change `plan` split into its phases, against a real database: the same steps `SafeSync` takes
/// before it would apply anything, each timed on its own (median of `runs`).
///
/// `scripts/bench.sh` prints these next to psql running the bare catalog queries (`CatalogReader.queries`).
enum PhaseBenchmark {
    static func run(directory: String, dsn: String, schema: String, runs: Int) {
        var phases: [String: [Double]] = [:]
        let order = ["compile", "connect", "introspect", "snapshot", "diff", "total"]
        var summary = ""
        for _ in 0..<runs {
            let start = now()
            var mark = start
            func lap(_ name: String) {
                let time = now()
                phases[name, default: []].append(time - mark)
                mark = time
            }
            do {
                let compilation = try DSLCompiler().compile(source: DirectoryDSLSource(root: directory))
                guard let desired = compilation.compiled else {
                    BenchMain.fail("\(directory): the DSL is invalid: \(compilation.errors.first?.message ?? "?")")
                }
                lap("compile")
                let connection = try PostgresConnection.connect(PostgresConfiguration(dsn: dsn))
                try connection.setSearchPath(["pg_catalog"])
                lap("connect")
                var reader = CatalogReader(schema: schema)
                let live = try reader.read(connection)
                lap("introspect")
                let store = SnapshotStore(schema: schema, table: desired.snapshotTable)
                let row = try store.latest(connection, live: live, document: false)
                let codec = DSLSnapshotCodec(options: DSLCompilerOptions())
                let snapshot = try row.map { row in
                    row.hash == desired.hash
                        ? desired
                        : try codec.compileSnapshot(json: store.document(connection, id: row.id))
                }
                lap("snapshot")
                let plan = Planner().plan(desired: desired, snapshot: snapshot, live: live)
                // As Safe Sync does.
                if plan.effectiveDocument != desired.document { _ = codec.hash(plan.effectiveDocument) }
                lap("diff")
                phases["total", default: []].append(mark - start)
                summary =
                    "\(live.tables.count) tables, \(reader.queryCount) catalog queries, "
                    + "\(plan.safe.count) safe and \(plan.blocked.count) blocked changes"
            } catch {
                BenchMain.fail("phases: \(error)")
            }
        }
        print("phases: \(summary), median of \(runs) runs")
        for name in order {
            let timings = (phases[name] ?? []).sorted()
            guard !timings.isEmpty else { continue }
            print("  \(name): \(String(format: "%.1f", timings[timings.count / 2])) ms")
        }
        incremental(dsn: dsn, schema: schema, runs: runs)
    }

    /// The daemon's incremental introspection (`LiveSchemaCache`) on the same database with nothing changed: the
    /// fingerprint query alone, and the whole read (fingerprints, the restricted queries — none here — the view
    /// dependencies and the merge), median of `runs` after one full read.
    static func incremental(dsn: String, schema: String, runs: Int) {
        do {
            let connection = try PostgresConnection.connect(PostgresConfiguration(dsn: dsn))
            try connection.setSearchPath(["pg_catalog"])
            let cache = LiveSchemaCache()
            _ = try cache.read(connection, schema: schema)
            var fingerprints: [Double] = []
            var reads: [Double] = []
            for _ in 0..<runs {
                var start = now()
                _ = try CatalogFingerprintQuery.read(connection, schema: schema)
                fingerprints.append(now() - start)
                start = now()
                let read = try cache.read(connection, schema: schema)
                reads.append(now() - start)
                guard !read.summary.full else { BenchMain.fail("incremental: a full read with nothing changed") }
            }
            fingerprints.sort()
            reads.sort()
            print("  introspect, incremental: \(String(format: "%.1f", reads[reads.count / 2])) ms")
            print("  fingerprint query: \(String(format: "%.1f", fingerprints[fingerprints.count / 2])) ms")
        } catch {
            BenchMain.fail("incremental: \(error)")
        }
    }

    /// The catalog queries with the schema name in place of `$1`, for psql (`enginesync-bench catalog-sql`).
    static func printCatalogSQL(schema: String) {
        let literal = "'" + schema.replacingOccurrences(of: "'", with: "''") + "'"
        for query in CatalogReader.queries {
            print("-- \(query.name)")
            print(query.sql.replacingOccurrences(of: "$1", with: literal) + ";")
        }
    }

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1_000_000 }
}
