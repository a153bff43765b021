import EngineSyncCore
import Foundation
import Testing

@Suite("NotificationPolicy, NotificationEvent and WebhookSignature")
struct NotificationPolicyTests {
    typealias State = NotificationPolicy.State

    @Test(
        arguments: [
            // (previous, current, expected event)
            (nil, State(commit: "a", outcome: .synced), "synced"),
            (State(commit: "a", outcome: .synced), State(commit: "b", outcome: .synced), nil),
            (State(commit: "a", outcome: .synced), State(commit: "b", outcome: .blocked), "blocked"),
            (State(commit: "b", outcome: .blocked), State(commit: "c", outcome: .blocked), "blocked"),
            (State(commit: "c", outcome: .blocked), State(commit: "c", outcome: .blocked), nil),
            (State(commit: "c", outcome: .blocked), State(commit: "d", outcome: .invalid), "invalid"),
            (State(commit: "d", outcome: .invalid), State(commit: "e", outcome: .synced), "recovered"),
            (State(commit: "e", outcome: .failed), State(commit: "e", outcome: .failed), nil),
            (State(commit: "e", outcome: .failed), State(commit: "e", outcome: .synced), "recovered"),
            (State(commit: "e", outcome: .synced), State(commit: "f", outcome: .untrusted), "untrusted"),
            (State(commit: "f", outcome: .untrusted), State(commit: "g", outcome: .synced), "recovered"),
            (State(commit: "e", outcome: .synced), State(commit: "f", outcome: .skipped), nil),
            (State(commit: "e", outcome: .synced), State(commit: "f", outcome: .standby), nil),
        ] as [(State?, State, String?)])
    func eventForATransition(previous: State?, current: State, expected: String?) {
        #expect(NotificationPolicy.event(previous: previous, current: current) == expected)
        // Idempotent: recording the same reconcile again (after Safe Sync's transaction) adds nothing.
        #expect(NotificationPolicy.event(previous: current, current: current) == nil)
    }

    @Test func theSignatureIsGitHubsHMACSHA256() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let signature = WebhookSignature.sign(Data("what do ya want for nothing?".utf8), secret: "Jefe")
        #expect(signature == "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(WebhookSignature.header == "X-Hub-Signature-256")
    }

    @Test func theBodyCarriesIdEventCommitAndTheSummary() throws {
        var report = ReconcileReport(
            outcome: .blocked, commit: .init(sha: "abc123", short: "abc123", subject: "narrow"),
            branch: "main", startedAt: "2026-01-01T00:00:00Z", finishedAt: "2026-01-01T00:00:01Z",
            durationMs: 1000)
        report.blocked = [
            .init(
                kind: "narrow_column", table: "post", column: "title", reason: "would truncate",
                suggestedSQL: "ALTER TABLE post …", suggestedMigration: "20260101_narrow.sql")
        ]
        let event = NotificationEvent(
            id: "id-1", event: "blocked", report: report, previousOutcome: .synced,
            createdAt: "2026-01-01T00:00:02Z")
        let body = try event.body()
        let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(object["id"] as? String == "id-1")
        #expect(object["event"] as? String == "blocked")
        #expect(object["commit"] as? String == "abc123")
        #expect(object["previous_outcome"] as? String == "synced")
        let summary = try #require(object["summary"] as? [String: Any])
        let blocked = try #require(summary["blocked"] as? [[String: Any]])
        #expect(blocked.first?["suggested_migration"] as? String == "20260101_narrow.sql")
        // The same event encodes to the same bytes: the stored body is what is signed and resent.
        #expect(try event.body() == body)
        // A single database's event has no target; a fleet target's names it.
        #expect(object["target"] == nil)
        let fleetEvent = NotificationEvent(
            id: "id-2", target: "eu-west", event: "blocked", report: report, previousOutcome: .synced,
            createdAt: "2026-01-01T00:00:02Z")
        let fleetObject = try #require(
            try JSONSerialization.jsonObject(with: try fleetEvent.body()) as? [String: Any])
        #expect(fleetObject["target"] as? String == "eu-west")
    }
}
