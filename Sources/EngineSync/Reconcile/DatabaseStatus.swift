public import EngineSyncCore
import Foundation

/// What `enginesync status` reports: the last reconcile, the snapshot and the migrations.
public struct DatabaseStatus: Codable, Sendable, Equatable {
    public struct LastReconcile: Codable, Sendable, Equatable {
        public var commit: String?
        public var outcome: String
        public var startedAt: String
        public var finishedAt: String?
        public var applied: Int
        public var blocked: Int
        enum CodingKeys: String, CodingKey {
            case commit, outcome, applied, blocked
            case startedAt = "started_at"
            case finishedAt = "finished_at"
        }
    }

    /// The newest report file (`<reports_dir>/latest.json`), when it says something the database cannot:
    /// an `invalid` commit (bad DSL or migrations) is reported but, by design, never touches the database.
    public struct LatestReport: Codable, Sendable, Equatable {
        public var commit: String?
        public var outcome: String
        public var finishedAt: String
        public var errors: [String]
        /// The report's trust lines (signed by whom, approved by whom, what is missing; issue 15).
        public var trust: [String]?
        enum CodingKeys: String, CodingKey {
            case commit, outcome, errors, trust
            case finishedAt = "finished_at"
        }

        public init(_ report: ReconcileReport) {
            commit = report.commit?.sha
            outcome = report.outcome.rawValue
            finishedAt = report.finishedAt
            errors = report.errors.map { [$0.file, $0.message].compactMap { $0 }.joined(separator: ": ") }
            trust = report.trust?.lines
        }
    }

    public var lastReconcile: LastReconcile?
    public var latestReport: LatestReport?
    public var snapshotHash: String?
    public var snapshotCommit: String?
    public var pendingMigrations: [String]?
    public var failedMigrations: [String]?
    /// The trust state of the repository's revision now (issue 15), when signers files are configured.
    public var trust: ReconcileReport.Trust?
    /// Webhook delivery (issue 16); `nil` when notifications were never configured.
    public var notifications: [DeliveryState]?

    enum CodingKeys: String, CodingKey {
        case trust
        case lastReconcile = "last_reconcile"
        case latestReport = "latest_report"
        case snapshotHash = "snapshot_hash"
        case snapshotCommit = "snapshot_commit"
        case pendingMigrations = "pending_migrations"
        case failedMigrations = "failed_migrations"
        case notifications
    }

    /// Reads the status; read-only (no table is created, no lock taken).
    public static func read(
        _ session: DatabaseSession, snapshotTable: String,
        migrations: MigrationSet?
    ) throws -> DatabaseStatus {
        let connection = session.connection
        let schema = session.settings.schema
        var status = DatabaseStatus()
        if let entry = try ReconcileLog(schema: schema).latest(connection).first {
            status.lastReconcile = LastReconcile(
                commit: entry.commit, outcome: entry.outcome, startedAt: entry.startedAt,
                finishedAt: entry.finishedAt, applied: entry.appliedCount,
                blocked: entry.blockedCount)
        }
        let deliveries = try NotificationOutbox(schema: schema).deliveryStates(connection)
        status.notifications = deliveries.isEmpty ? nil : deliveries
        try session.use(.catalogOnly)
        var reader = CatalogReader(schema: schema)
        let live = try reader.read(connection)
        if let row = try SnapshotStore(schema: schema, table: snapshotTable).latest(connection, live: live) {
            status.snapshotHash = row.hash
            status.snapshotCommit = row.commit
        }
        if let migrations {
            try session.use(.managedSchema)
            let migrationStatus = try MigrationRunner(session: session, set: migrations).status()
            status.pendingMigrations = migrationStatus.pending
            status.failedMigrations = migrationStatus.failed.map(\.id)
        }
        return status
    }

    public var text: String {
        var lines: [String] = []
        if let last = lastReconcile {
            lines.append(
                "last reconcile: \(last.outcome) \(last.commit.map { String($0.prefix(12)) } ?? "(directory)") "
                    + "at \(last.finishedAt ?? last.startedAt) — \(last.applied) applied, \(last.blocked) blocked")
        } else {
            lines.append("last reconcile: none")
        }
        if let report = latestReport,
            report.commit != lastReconcile?.commit || report.outcome != lastReconcile?.outcome
        {
            lines.append(
                "latest report: \(report.outcome) \(report.commit.map { String($0.prefix(12)) } ?? "(directory)") "
                    + "at \(report.finishedAt)"
                    + (report.outcome == "invalid" || report.outcome == "untrusted"
                        ? " (never recorded in the database)" : ""))
            lines += report.errors.prefix(5).map { "  error: \($0)" }
            lines += (report.trust ?? []).map { "  trust: \($0)" }
        }
        lines.append(
            "snapshot: \(snapshotHash ?? "none")" + (snapshotCommit.map { " (commit \(String($0.prefix(12))))" } ?? ""))
        if let pendingMigrations {
            lines.append(
                "pending migrations: \(pendingMigrations.isEmpty ? "none" : pendingMigrations.joined(separator: ", "))")
        }
        if let failedMigrations, !failedMigrations.isEmpty {
            lines.append(
                "failed migrations: \(failedMigrations.joined(separator: ", ")) (settle with `enginesync migrate resolve`)"
            )
        }
        lines += (trust?.lines ?? []).map { "trust: \($0)" }
        lines += notificationLines
        return lines.joined(separator: "\n")
    }
}
