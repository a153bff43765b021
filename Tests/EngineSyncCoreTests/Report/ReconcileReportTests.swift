import EngineSyncCore
import Foundation
import Testing

@Suite struct ReconcileReportTests {
    static let sample = ReconcileReport(
        outcome: .blocked,
        commit: .init(
            sha: String(repeating: "a", count: 40), short: "aaaaaaaaaaaa", author: "Dev <dev@example.com>",
            time: "2026-01-01T00:00:00.000Z", subject: "narrow title"),
        previousCommit: nil, branch: "main", startedAt: "2026-01-01T00:00:01.000Z",
        finishedAt: "2026-01-01T00:00:02.000Z",
        durationMs: 1000, snapshot: .init(id: 3, hash: "abc", changed: true),
        migrations: .init(applied: [.init(id: "0001_init", durationMs: 12)], pending: [], failed: []),
        applied: [
            .init(
                kind: "widen_column", table: "post", column: "body", from: "character varying(50)",
                to: "character varying(200)", sql: "ALTER TABLE …;", rewrite: false, lock: "ACCESS EXCLUSIVE")
        ],
        blocked: [
            .init(
                kind: "narrow_column", table: "post", column: "title", from: "text", to: "character varying(50)",
                reason: "narrows",
                suggestedSQL: "ALTER TABLE \"public\".\"post\" ALTER COLUMN \"title\" TYPE character varying(50);",
                suggestedMigration: "20260101000001_narrow_column_post_title.sql", rewrite: true,
                lock: "ACCESS EXCLUSIVE")
        ],
        drift: [.init(kind: "unmanaged_table", table: "legacy", message: "left alone")],
        warnings: [
            .init(code: "missing_type", message: "type missing", file: "dsl/models/post.json", line: 3, column: 5)
        ])

    @Test func jsonHasTheContractFields() throws {
        let data = try Self.sample.jsonData()
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let contract = [
            "format", "outcome", "commit", "previous_commit", "branch", "started_at", "finished_at",
            "duration_ms", "snapshot", "migrations", "applied", "blocked", "drift", "manual", "warnings", "errors",
        ]
        for key in contract { #expect(object.keys.contains(key), "missing \(key)") }
        #expect(object["format"] as? Int == 1)
        #expect(object["outcome"] as? String == "blocked")
        #expect(object["previous_commit"] is NSNull)
        let blocked = try #require((object["blocked"] as? [[String: Any]])?.first)
        #expect(blocked["suggested_sql"] is String)
        #expect(blocked["reason"] as? String == "narrows")
        #expect(blocked["sql"] == nil)
        let applied = try #require((object["applied"] as? [[String: Any]])?.first)
        #expect(applied["rewrite"] as? Bool == false)
        #expect(applied["lock"] as? String == "ACCESS EXCLUSIVE")
        let migrations = try #require(object["migrations"] as? [String: Any])
        #expect((migrations["applied"] as? [[String: Any]])?.first?["duration_ms"] as? Int == 12)
        #expect(try ReconcileReport.decode(data) == Self.sample)
    }

    @Test func markdownPutsTheOutcomeFirstThenBlockedThenApplied() throws {
        let markdown = Self.sample.markdown
        #expect(markdown.hasPrefix("# enginesync: BLOCKED — `aaaaaaaaaaaa` narrow title"))
        let blocked = try #require(markdown.range(of: "## Blocked changes (1)"))
        let applied = try #require(markdown.range(of: "## Applied (1)"))
        #expect(blocked.lowerBound < applied.lowerBound)
        #expect(markdown.contains("`migrations/20260101000001_narrow_column_post_title.sql`"))
        #expect(
            markdown.contains(
                "```sql\nALTER TABLE \"public\".\"post\" ALTER COLUMN \"title\" TYPE character varying(50);\n```"))
    }

    @Test func textOutputMatchesTheSameOrder() throws {
        let text = Self.sample.text(dryRun: true)
        #expect(text.hasPrefix("plan: blocked — aaaaaaaaaaaa narrow title"))
        let blocked = try #require(text.range(of: "Blocked (1)"))
        let applied = try #require(text.range(of: "Would apply (1):"))
        #expect(blocked.lowerBound < applied.lowerBound)
        #expect(text.contains("warning: dsl/models/post.json:3: missing_type: type missing"))
    }

    @Test(arguments: [
        (ReconcileOutcome.synced, Int32(0)), (.blocked, 2), (.invalid, 3), (.failed, 1), (.skipped, 1), (.standby, 1),
    ])
    func exitCodes(outcome: ReconcileOutcome, code: Int32) {
        #expect(outcome.exitCode == code)
    }
}

/// Issue 12 item 11: which failures come back identically on retry.
@Suite struct FailureRepetitionTests {
    @Test(arguments: [
        ("22012", true), ("23505", true), ("42601", true), ("42501", true), ("54011", true), ("P0001", true),
        ("0A000", true), ("2BP01", true),
        ("08006", false), ("40P01", false), ("55P03", false), ("57014", false), ("53200", false), ("XX000", false),
        ("", false), ("22", false),
    ])
    func sqlstateClasses(sqlstate: String, repeats: Bool) {
        #expect(FailureRepetition.repeats(sqlstate: sqlstate) == repeats)
    }

    @Test func aFailedReportRepeatsOnlyWhenEveryErrorDoes() {
        var report = ReconcileReportTests.sample
        report.outcome = .failed
        report.errors = [.init(code: "migration_failed", message: "division by zero", sqlstate: "22012")]
        #expect(report.failureRepeatsIdentically)
        report.errors.append(.init(code: "connection", message: "server closed the connection"))
        #expect(!report.failureRepeatsIdentically)
        report.errors = [
            .init(code: "lock_timeout", message: "canceling statement due to lock timeout", sqlstate: "55P03")
        ]
        #expect(!report.failureRepeatsIdentically)
        report.errors = []
        #expect(!report.failureRepeatsIdentically)
        report.outcome = .blocked
        report.errors = [.init(code: "x", message: "y", sqlstate: "22012")]
        #expect(!report.failureRepeatsIdentically)
    }
}
