import EngineSyncCore
import Foundation
import Testing

/// The planner's output and the report renderings, compared with checked-in golden files (issue 13): a change
/// to what enginesync would run or print shows up as a reviewable diff of `Golden/`.
/// `ENGINESYNC_RECORD_GOLDEN=1` rewrites the golden files and fails the run, so recording is never silent.
@Suite struct GoldenPlanTests {
    struct Scenario: Sendable, CustomStringConvertible {
        var name: String
        /// The models the database was built from (and the snapshot holds); `nil`: an empty database.
        var before: [String: String]?
        var after: [String: String]
        var rows = 0
        var description: String { name }
    }

    static let post50 = #"{"fields": {"title": {"type": "string", "length": 50}, "body": {"type": "text"}}}"#
    static let user =
        #"{"fields": {"email": {"type": "string"}, "age": {"type": "int"}}, "indexes": {"unique": [["email"]]}}"#

    static let scenarios: [Scenario] = [
        Scenario(
            name: "first-run", before: nil,
            after: [
                "user": user,
                "post":
                    #"{"fields": {"title": {"type": "string"}, "author": {"type": "int", "source": "user", "sourceid": "id"}}, "indexes": {"many": [["title"]]}}"#,
            ]),
        Scenario(
            name: "widen-and-add", before: ["post": post50],
            after: [
                "post":
                    #"{"fields": {"title": {"type": "string", "length": 200}, "body": {"type": "text"}, "slug": {"type": "string"}}}"#,
                "tag": #"{"fields": {"name": {"type": "string"}}}"#,
            ]),
        Scenario(
            name: "narrow-and-drop", before: ["post": post50],
            after: [
                "post": #"{"fields": {"title": {"type": "string", "length": 20}}}"#
            ]),
        Scenario(
            name: "rename-column", before: ["post": post50],
            after: [
                "post":
                    #"{"fields": {"title": {"type": "string", "length": 50, "columnName": "headline"}, "body": {"type": "text"}}}"#
            ]),
        Scenario(
            name: "type-change-on-a-big-table", before: ["user": user],
            after: [
                "user":
                    #"{"fields": {"email": {"type": "string"}, "age": {"type": "bigint"}}, "indexes": {"unique": [["email"]]}}"#
            ], rows: 5_000_000),
        Scenario(
            name: "indexes", before: ["user": user],
            after: [
                "user":
                    #"{"fields": {"email": {"type": "string"}, "age": {"type": "int"}}, "indexes": {"unique": [["email", "age"]], "many": [["age"]]}}"#
            ], rows: 200_000),
    ]

    static func compile(_ models: [String: String]) throws -> CompiledDSL {
        let files =
            [standardSnapshotModel]
            + models.sorted { $0.key < $1.key }.map {
                DSLInputFile(path: "dsl/models/\($0.key).json", text: $0.value)
            }
        let result = DSLCompiler().compile(files: files)
        return try #require(result.compiled, "\(result.errors)")
    }

    @Test(arguments: scenarios)
    func planMatchesGolden(scenario: Scenario) throws {
        let desired = try Self.compile(scenario.after)
        let snapshot = try scenario.before.map(Self.compile)
        let live = snapshot.map { Fixture.liveSchema($0.schema, rows: scenario.rows) } ?? Schema()
        let plan = Planner().plan(desired: desired, snapshot: snapshot, live: live)
        try Self.compare(Self.render(plan), golden: "plans/\(scenario.name).txt")
    }

    @Test func reportRenderingsMatchGolden() throws {
        let report = ReconcileReportTests.sample
        try Self.compare(report.markdown, golden: "reports/sample.md")
        try Self.compare(report.text(dryRun: false), golden: "reports/sample.txt")
        try Self.compare(String(decoding: try report.jsonData(), as: UTF8.self), golden: "reports/sample.json")
    }

    /// One line per change, then its statements indented: what would run, what is blocked and why.
    static func render(_ plan: Plan) -> String {
        var lines: [String] = []
        func subject(_ table: String, _ column: String?, _ index: String?) -> String {
            table + (column.map { ".\($0)" } ?? "") + (index.map { " index \($0)" } ?? "")
        }
        for change in plan.safe {
            var head = "safe \(change.kind.rawValue) \(subject(change.table, change.column, change.index))"
            if let lock = change.lock {
                head +=
                    " [\(lock.rawValue)\(change.rewrite == true ? ", rewrite" : "")\(change.concurrently ? ", concurrently" : "")]"
            }
            lines.append(head)
            lines += change.statements.map { "    \($0.description);" }
        }
        for change in plan.blocked {
            lines.append("blocked \(change.kind.rawValue) \(subject(change.table, change.column, change.index))")
            if let reason = change.reason { lines.append("  reason: \(reason)") }
            if let migration = change.migrationName { lines.append("  migration: <timestamp>_\(migration).sql") }
            lines += change.statements.map { "    \($0.description);" }
        }
        lines += plan.drift.map { "drift \($0.kind.rawValue) \(subject($0.table, $0.column, $0.index)): \($0.message)" }
        lines += plan.manual.map {
            "manual \($0.kind.rawValue) \(subject($0.table, $0.column, $0.index)): \($0.message)"
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func compare(_ text: String, golden name: String) throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/\(name)")
        if ProcessInfo.processInfo.environment["ENGINESYNC_RECORD_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(
                at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: path, atomically: true, encoding: .utf8)
            Issue.record("recorded \(path.path); unset ENGINESYNC_RECORD_GOLDEN and rerun")
            return
        }
        let golden = try String(contentsOf: path, encoding: .utf8)
        #expect(
            text == golden, "differs from Golden/\(name); review the diff, then record with ENGINESYNC_RECORD_GOLDEN=1")
    }
}
