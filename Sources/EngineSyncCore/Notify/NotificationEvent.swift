import Crypto
public import Foundation

/// The JSON body POSTed to every `notify:` webhook (issue 16). Written to the outbox once and sent byte for
/// byte on every delivery attempt, so `id` (and the signature) stay the same across redeliveries and a
/// receiver deduplicates on `id`.
public struct NotificationEvent: Codable, Sendable, Equatable {
    public struct Summary: Codable, Sendable, Equatable {
        public struct Blocked: Codable, Sendable, Equatable {
            public var kind: String
            public var table: String
            public var column: String?
            public var reason: String?
            public var suggestedMigration: String?
            public var suggestedSQL: String?
            enum CodingKeys: String, CodingKey {
                case kind, table, column, reason
                case suggestedMigration = "suggested_migration"
                case suggestedSQL = "suggested_sql"
            }
        }
        public var applied: Int
        public var blocked: [Blocked]
        /// Each error on one line (`file:line:col: message [code]`).
        public var errors: [String]
        public var durationMs: Int
        enum CodingKeys: String, CodingKey {
            case applied, blocked, errors
            case durationMs = "duration_ms"
        }
    }

    public var id: String
    /// The fleet target the event is about (`targets:`, issue 17); absent for a single database. One receiver
    /// often hears from every target of a fleet, which all reconcile the same commit.
    public var target: String?
    /// The outcome, or `recovered`.
    public var event: String
    public var outcome: ReconcileOutcome
    public var previousOutcome: ReconcileOutcome?
    public var commit: String?
    public var subject: String?
    public var branch: String?
    public var createdAt: String
    public var summary: Summary

    enum CodingKeys: String, CodingKey {
        case id, target, event, outcome, commit, subject, branch, summary
        case previousOutcome = "previous_outcome"
        case createdAt = "created_at"
    }

    /// The event for a report; `id` must be unique (a UUID), `createdAt` an ISO 8601 time.
    public init(
        id: String, target: String? = nil, event: String, report: ReconcileReport, previousOutcome: ReconcileOutcome?,
        createdAt: String
    ) {
        self.id = id
        self.target = target
        self.event = event
        outcome = report.outcome
        self.previousOutcome = previousOutcome
        commit = report.commit?.sha
        subject = report.commit?.subject
        branch = report.branch
        self.createdAt = createdAt
        summary = Summary(
            applied: report.applied.count,
            blocked: report.blocked.map {
                .init(
                    kind: $0.kind, table: $0.table, column: $0.column, reason: $0.reason,
                    suggestedMigration: $0.suggestedMigration, suggestedSQL: $0.suggestedSQL)
            },
            errors: report.errors.map(\.oneLine), durationMs: report.durationMs)
    }

    /// Compact, key-sorted JSON: the exact bytes stored, signed and sent.
    public func body() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

/// GitHub-style webhook signatures: `sha256=` and the hex HMAC-SHA256 of the body under the shared secret.
public enum WebhookSignature {
    /// The header carrying the signature.
    public static let header = "X-Hub-Signature-256"

    public static func sign(_ body: Data, secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256="
            + code.map { byte in
                let hex = String(byte, radix: 16)
                return byte < 16 ? "0" + hex : hex
            }.joined()
    }
}
