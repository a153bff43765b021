import EngineSync
import EngineSyncCore
import EngineSyncTestSupport
import Foundation
import Logging
import PostgresClient
import Testing

/// EngineJS's code is the contract (SPEC 2.0): for each DSL of `Fixtures/EngineJS/` — one probe per EngineJS rule,
/// EngineJS's examples, the `enginehq init` template, the hello app's history — enginesync must give the verdict
/// EngineJS gave and, where EngineJS's sync completed, leave EngineJS's catalog. The expected catalogs, column
/// orders and outcomes were recorded by running EngineJS's own code (commit 42c3e5e, Sequelize 6.37.7) on
/// PostgreSQL 15 (`shared/enginejs-parity`); they are facts about EngineJS, copied here so the tests need nothing
/// outside the project.
@Suite struct EngineJSParityTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/EngineJS")

    /// Every recorded set (a directory of `stepN/`).
    static let sets: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && !$0.hasPrefix("LICENSE") && !$0.hasSuffix(".md") }.sorted()
    }()

    struct Expected: Decodable {
        /// done | invalid | refused | dberror (EngineJS's own bug against PostgreSQL).
        var outcome: String
        var error: String?
    }

    @Test func theFixturesAreThere() {
        #expect(Self.sets.count >= 40, "Fixtures/EngineJS holds \(Self.sets.count) sets")
    }

    @Test(arguments: sets)
    func sameVerdictAndCatalogAsEngineJS(set: String) throws {
        let setDirectory = Self.root.appendingPathComponent(set)
        let steps = try FileManager.default.contentsOfDirectory(atPath: setDirectory.path)
            .filter { $0.hasPrefix("step") }.sorted { Int($0.dropFirst(4)) ?? 0 < Int($1.dropFirst(4)) ?? 0 }
        #expect(!steps.isEmpty)
        try ScratchDatabase.with { database, connection in
            for step in steps {
                let directory = setDirectory.appendingPathComponent(step)
                let expected = try JSONDecoder().decode(
                    Expected.self, from: Data(contentsOf: directory.appendingPathComponent("enginejs.json")))
                let result = Self.sync(database, directory: directory.path)
                let report = result.report
                let context =
                    "\(set)/\(step): EngineJS \(expected.outcome) \(expected.error ?? ""); enginesync "
                    + "\(report.outcome.rawValue) \(report.errors.map(\.message)) \(report.blocked.map(\.kind))"
                switch expected.outcome {
                case "done", "dberror":
                    #expect(report.outcome == .synced, "\(context)")
                case "invalid":
                    #expect(report.outcome == .invalid, "\(context)")
                    continue
                default:
                    #expect(report.outcome == .blocked, "\(context)")
                    continue
                }
                guard expected.outcome == "done" else { continue }
                let catalog = try Self.catalog(connection)
                let expectedCatalog = try String(
                    contentsOf: directory.appendingPathComponent("enginejs.catalog"), encoding: .utf8)
                #expect(
                    Self.withoutCommitColumn(catalog, expected: expectedCatalog) == Self.lines(expectedCatalog),
                    "\(context)")
                let order = try Self.columnOrder(connection)
                let expectedOrder = try String(
                    contentsOf: directory.appendingPathComponent("enginejs.order"), encoding: .utf8)
                #expect(
                    Self.withoutCommitInOrder(order, expected: expectedOrder) == Self.lines(expectedOrder), "\(context)"
                )

                // The snapshot is EngineJS's: nothing injected (no `commit`, no `id` the DSL does not declare).
                try Self.expectSnapshotHasNoInjectedFields(
                    connection, directory: directory,
                    keptChanges: report.manual.count, context: context)

                // Nothing changed: the same DSL again sends no DDL.
                let again = Self.sync(database, directory: directory.path)
                #expect(
                    again.report.outcome == .synced && again.report.applied.isEmpty && !again.report.snapshot.changed,
                    "\(context): second sync \(again.report.applied.map(\.kind)), snapshot \(again.report.snapshot)")
            }
        }
    }

    static func sync(_ database: ScratchDatabase, directory: String) -> Reconciler.Result {
        Reconciler(
            database: database.configuration, options: ReconcilerOptions(lockWait: .zero),
            logger: Logger(label: "test")
        ).reconcile(.directory(directory))
    }

    static func lines(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    /// enginesync's one allowed addition: a nullable `commit` column on the snapshot table (SPEC 2.0).
    static func withoutCommitColumn(_ catalog: [String], expected: String) -> [String] {
        let expectedLines = Set(lines(expected))
        return catalog.filter { line in
            !(line.hasPrefix("COL ") && line.contains(".commit | character varying(64) | null | - |")
                && !expectedLines.contains(line))
        }
    }

    static func withoutCommitInOrder(_ order: [String], expected: String) -> [String] {
        let expectedLines = Set(lines(expected))
        return order.map { line in
            guard !expectedLines.contains(line), line.hasSuffix(", commit") else { return line }
            return String(line.dropLast(", commit".count))
        }
    }

    /// The catalog as `shared/enginejs-parity/catalog.sh` prints it (schema public, enginesync's own tables left
    /// out, sorted byte-wise).
    static func catalog(_ connection: PostgresConnection) throws -> [String] {
        try connection.query("SET TimeZone = 'UTC'")
        let own = "('engine_reconciles','engine_migrations')"
        var lines: [String] = []
        var section: [String] = []
        for row in try connection.query(
            """
            SELECT 'TABLE ' || c.relname AS k FROM pg_class c JOIN pg_namespace n ON n.oid=c.relnamespace
             WHERE n.nspname='public' AND c.relkind='r' AND c.relname NOT IN \(own)
            """
        ).rows { section.append(try row.string("k")) }
        lines += sortedBytewise(&section)
        for row in try connection.query(
            """
            SELECT 'COL ' || c.relname || '.' || a.attname || ' | ' || format_type(a.atttypid,a.atttypmod) || ' | '
                   || CASE WHEN a.attnotnull THEN 'NOT NULL' ELSE 'null' END || ' | '
                   || coalesce(pg_get_expr(d.adbin,d.adrelid),'-') || ' | ' AS k
              FROM pg_attribute a JOIN pg_class c ON c.oid=a.attrelid JOIN pg_namespace n ON n.oid=c.relnamespace
              LEFT JOIN pg_attrdef d ON d.adrelid=a.attrelid AND d.adnum=a.attnum
             WHERE n.nspname='public' AND c.relkind='r' AND a.attnum>0 AND NOT a.attisdropped
               AND c.relname NOT IN \(own)
            """
        ).rows { section.append(try row.string("k")) }
        lines += sortedBytewise(&section)
        for row in try connection.query(
            """
            SELECT 'CON ' || c.relname || ' ' || con.conname || ' | ' || con.contype::text || ' | '
                   || pg_get_constraintdef(con.oid) AS k
              FROM pg_constraint con JOIN pg_class c ON c.oid=con.conrelid JOIN pg_namespace n ON n.oid=c.relnamespace
             WHERE n.nspname='public' AND c.relname NOT IN \(own)
            """
        ).rows { section.append(try row.string("k")) }
        lines += sortedBytewise(&section)
        for row in try connection.query(
            """
            SELECT 'IDX ' || i.indexname || ' | '
                   || regexp_replace(i.indexdef, 'CREATE (UNIQUE )?INDEX \\S+ ', 'CREATE \\1INDEX ') AS k
              FROM pg_indexes i WHERE i.schemaname='public' AND i.tablename NOT IN \(own)
            """
        ).rows { section.append(try row.string("k")) }
        lines += sortedBytewise(&section)
        return lines
    }

    /// The section's lines in byte order (`COLLATE "C"`), emptying it for the next one.
    static func sortedBytewise(_ section: inout [String]) -> [String] {
        defer { section = [] }
        return section.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// `ORDER <table>: <columns by attnum>` per table, as the oracle's `.order` files.
    static func columnOrder(_ connection: PostgresConnection) throws -> [String] {
        try connection.query(
            """
            SELECT 'ORDER ' || c.relname || ': ' || string_agg(a.attname, ', ' ORDER BY a.attnum) AS k
              FROM pg_attribute a JOIN pg_class c ON c.oid=a.attrelid JOIN pg_namespace n ON n.oid=c.relnamespace
             WHERE n.nspname='public' AND c.relkind='r' AND a.attnum>0 AND NOT a.attisdropped
               AND c.relname NOT IN ('engine_reconciles','engine_migrations')
             GROUP BY c.relname
            """
        ).rows.map { try $0.string("k") }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Every model of the stored snapshot has exactly the fields its files declare plus EngineJS's system fields.
    static func expectSnapshotHasNoInjectedFields(
        _ connection: PostgresConnection, directory: URL, keptChanges: Int,
        context: String
    ) throws {
        let compiled = try #require(
            try DSLCompiler().compile(source: DirectoryDSLSource(root: directory.path)).compiled)
        let table = try connection.escapeIdentifier(compiled.snapshotTable)
        // A `dsl` model without `hash` has rows without it, as EngineJS writes them.
        let hasHash = compiled.schema.table(named: compiled.snapshotTable)?.column(named: "hash") != nil
        let stored = try #require(
            try connection.query(
                "SELECT dsl::text AS d, \(hasHash ? "hash" : "NULL::text AS hash") FROM \(table) ORDER BY id DESC LIMIT 1"
            ).first)
        let document = try JSONReader().read(Array(try stored.string("d").utf8)).document.value
        // The row's hash is EngineJS's hash of the row's document; it is the DSL's own unless a change was left to
        // a migration (then the stored document keeps that change's old definition, SAFE-SYNC.md).
        if hasHash {
            #expect(try stored.string("hash") == EngineJSNaming.snapshotHash(of: document), "\(context)")
            if keptChanges == 0 { #expect(try stored.string("hash") == compiled.hash, "\(context)") }
        } else {
            #expect(try stored.optionalString("hash") == nil, "\(context)")
        }
        let system: Set<String> = [
            "created_at", "updated_at", "deleted", "deleted_at", "archived", "archived_at", "auto_name",
        ]
        let written = try writtenFields(in: directory)
        for entry in document.objectValue?.entries ?? [] where entry.key != "$schema" {
            let storedFields = Set(entry.value.objectValue?["fields"]?.objectValue?.keys ?? [])
            #expect(
                storedFields == (written[entry.key] ?? []).union(system), "\(context): stored fields of \(entry.key)")
        }
    }

    /// The field keys each model's files declare, read straight from the fixture (no compiler involved).
    static func writtenFields(in directory: URL) throws -> [String: Set<String>] {
        var fields: [String: Set<String>] = [:]
        for folder in ["dsl/meta", "dsl/models"] {
            let url = directory.appendingPathComponent(folder)
            // A model defined again in a later file (EngineJS's localeCompare order) replaces the earlier definition.
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? [])
                .sorted(by: JavaScriptCollation.areInIncreasingOrder)
            for name in names where name.lowercased().hasSuffix(".json") {
                let value = try JSONReader().read(Array(try Data(contentsOf: url.appendingPathComponent(name))))
                    .document.value
                guard let object = value.objectValue else { continue }
                let models: [(String, JSONValue)] =
                    object["fields"]?.objectValue != nil
                    ? [(String(name.dropLast(5)), value)] : object.entries.map { ($0.key, $0.value) }
                for (key, model) in models {
                    if let declared = model.objectValue?["fields"]?.objectValue?.keys { fields[key] = Set(declared) }
                }
            }
        }
        return fields
    }
}
