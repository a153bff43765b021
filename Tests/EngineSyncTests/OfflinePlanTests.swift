import EngineSync
import EngineSyncCore
import EngineSyncTestSupport
import Foundation
import PostgresClient
import Testing

/// `plan --catalog` (issue 18): the plan computed from an exported catalog equals the online plan against the
/// database the catalog came from, on real PostgreSQL and real git commits.
@Suite("Offline plan from catalog.json equals the online plan")
struct OfflinePlanTests {
    typealias Story = ReconcileStory

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        /// Committed and synced first (`nil`: an empty database).
        var before: [String: String]?
        /// SQL run by hand after the sync (drift, rows).
        var setup: String?
        /// The commit that is planned.
        var after: [String: String]
        var expectedOutcome: ReconcileOutcome
        var testDescription: String { name }
    }

    static let post =
        #"{"fields": {"title": {"type": "string", "length": 50}, "body": {"type": "text"}, "note": {"type": "string", "default": "it's a \\ note"}}}"#

    static let cases: [Case] = [
        Case(name: "create", before: nil, after: ["dsl/models/post.json": post], expectedOutcome: .synced),
        Case(
            name: "widen, with a pending migration and its lint", before: ["dsl/models/post.json": post],
            setup:
                "INSERT INTO public.post (title) SELECT 't' || g FROM generate_series(1, 300) g; ANALYZE public.post;",
            after: [
                "dsl/models/post.json":
                    #"{"fields": {"title": {"type": "string", "length": 200}, "body": {"type": "text"}, "note": {"type": "string", "default": "it's a \\ note"}, "views": {"type": "int", "default": 0}}}"#,
                "migrations/0001_title_idx.sql": "CREATE INDEX post_title ON post (title);\n",
            ],
            expectedOutcome: .synced),
        Case(
            name: "narrowing", before: ["dsl/models/post.json": post],
            after: ["dsl/models/post.json": #"{"fields": {"title": {"type": "string", "length": 20}}}"#],
            expectedOutcome: .blocked),
        Case(
            name: "rename", before: ["dsl/models/post.json": post],
            after: [
                "dsl/models/post.json":
                    #"{"fields": {"title": {"type": "string", "length": 50, "columnName": "headline"}, "body": {"type": "text"}, "note": {"type": "string", "default": "it's a \\ note"}}}"#
            ],
            expectedOutcome: .blocked),
        Case(
            name: "drift", before: ["dsl/models/post.json": post],
            setup: "ALTER TABLE public.post DROP COLUMN body; ALTER TABLE public.post ADD COLUMN extra int;",
            after: ["dsl/models/post.json": post], expectedOutcome: .synced),
    ]

    /// The report without what differs by nature: times, and the timestamp prefix of suggested migration names.
    static func normalised(_ report: ReconcileReport) -> ReconcileReport {
        var report = report
        report.startedAt = ""
        report.finishedAt = ""
        report.durationMs = 0
        report.blocked = report.blocked.map { change in
            var change = change
            change.suggestedMigration = change.suggestedMigration.map { String($0.drop { $0 != "_" }) }
            return change
        }
        return report
    }

    @Test(arguments: cases)
    func offlinePlanEqualsOnlinePlan(_ testCase: Case) throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            if let before = testCase.before {
                try repository.commit(
                    before.merging(["dsl/meta/dsl.json": Story.snapshotModel]) { $1 }, message: "before")
                let synced = Story.reconcile(database, repository)
                try #require(synced.report.outcome == .synced, "\(synced.report.errors)")
            }
            if let setup = testCase.setup { try connection.execute(script: setup) }
            var files = testCase.after
            if testCase.before == nil { files["dsl/meta/dsl.json"] = Story.snapshotModel }
            try repository.commit(files, message: "after")

            let online = Story.reconcile(database, repository) { $0.safeSync.dryRun = true }
            #expect(online.report.outcome == testCase.expectedOutcome, "\(online.report.errors)")
            // Each case has what it is named after, so equality is not that of two empty plans.
            switch testCase.name {
            case "create": #expect(online.report.applied.contains { $0.kind == "create_table" })
            case "narrowing": #expect(online.report.blocked.contains { $0.kind == "narrow_column" })
            case "rename": #expect(online.report.blocked.map(\.kind) == ["rename_column"])
            case "drift": #expect(!online.report.drift.isEmpty)
            default:
                #expect(online.report.applied.contains { $0.kind == "widen_column" })
                #expect(online.report.migrations.pending == ["0001_title_idx"])
                #expect(
                    online.report.warnings.contains {
                        $0.code == "create_index_not_concurrently" && $0.message.contains("~300 rows")
                    })
            }

            // Through the file format, as CI receives it.
            let exported = try CatalogExporter(schema: "public").export(try database.connect())
            let catalog = try CatalogFile.decode(try exported.jsonData())
            #expect(catalog == exported)
            var options = ReconcilerOptions(lockWait: .zero, branch: "main")
            options.safeSync.dryRun = true
            let offline = OfflinePlanner(options: options).plan(
                .git(repository: repository.path, revision: "main"),
                catalog: catalog)
            #expect(Self.normalised(offline.report) == Self.normalised(online.report))
            #expect(offline.reportName == online.reportName)
        }
    }

    /// The catalog holds sizes, the snapshot and the last reconciled commit, and nothing secret or of the data.
    @Test func catalogHoldsWhatPlanningNeedsAndNoData() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            let commit = try repository.commit(
                ["dsl/meta/dsl.json": Story.snapshotModel, "dsl/models/post.json": Self.post],
                message: "start")
            #expect(Story.reconcile(database, repository).report.outcome == .synced)
            try connection.execute(
                script: "INSERT INTO public.post (title) SELECT 'secret-row-value-' || g "
                    + "FROM generate_series(1, 1000) g; ANALYZE public.post;")
            let catalog = try CatalogExporter(schema: "public").export(connection)
            #expect(catalog.version == CatalogFile.currentVersion)
            #expect(catalog.lastReconciledCommit == commit)
            #expect(catalog.snapshot?.table == "dsl")
            let post = try #require(catalog.tables.first { $0.name == "post" })
            #expect(post.estimatedRows == 1000)
            #expect((post.totalBytes ?? 0) > 0)
            let text = String(decoding: try catalog.jsonData(), as: UTF8.self)
            #expect(!text.contains("secret-row-value"))
            #expect(!text.contains(database.host))
            #expect(!text.contains("password"))
        }
    }

    /// The offline quoting is libpq's, text for text, so offline SQL reads like online SQL.
    @Test func offlineQuotingIsLibpqs() throws {
        try ScratchDatabase.with { _, connection in
            let quoter = OfflineQuoter()
            for text in [
                "plain", "it's", #"back\slash"#, #"both ' and \"#, #"a"b"#, "Mixed Case", "ünïcode ✓", "", "$$", "\n",
            ] {
                let identifier = try connection.escapeIdentifier(text)
                let literal = try connection.escapeLiteral(text)
                #expect(try quoter.quoteIdentifier(text) == identifier, "\(text)")
                #expect(try quoter.quoteLiteral(text) == literal, "\(text)")
            }
            #expect(throws: OfflineQuoter.NULByte.self) { try quoter.quoteLiteral("nul\u{0}after") }
        }
    }
}
