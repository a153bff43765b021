package import EngineSyncCore
package import Foundation
import PostgresClient

/// Accumulates a report while a reconcile runs; SQL is rendered with the live connection's quoting.
package struct ReportDraft: Sendable {
    package var context: ReconcileContext
    package let started: Date
    package var snapshot = ReconcileReport.SnapshotInfo()
    package var applied: [ReconcileReport.Change] = []
    package var blocked: [ReconcileReport.Change] = []
    package var drift: [ReconcileReport.Note] = []
    package var manual: [ReconcileReport.Note] = []
    package var warnings: [ReconcileReport.Message] = []
    package var errors: [ReconcileReport.Message] = []
    /// The signature and approvals (issue 15), copied into the report.
    package var trust: ReconcileReport.Trust?

    /// `started`: when the reconcile began (before reading the source), so `started_at` and `duration_ms`
    /// cover all of it — source read, compile, connect, lock wait, migrations and Safe Sync.
    package init(context: ReconcileContext, started: Date) {
        self.context = context
        self.started = started
    }

    package mutating func add(applied changes: [PlannedChange], with quoter: some SQLQuoting) throws {
        for change in changes {
            applied.append(
                .init(
                    kind: change.kind.rawValue, table: change.table, column: change.column, index: change.index,
                    from: change.from, to: change.to, sql: try Self.render(change.statements, quoter),
                    rewrite: change.rewrite, lock: change.lock?.rawValue, concurrently: change.concurrently ? true : nil
                ))
        }
    }

    package mutating func add(blocked changes: [PlannedChange], with quoter: some SQLQuoting) throws {
        let prefix = Self.migrationPrefix(started)
        for change in changes {
            blocked.append(
                .init(
                    kind: change.kind.rawValue, table: change.table, column: change.column, index: change.index,
                    from: change.from, to: change.to, reason: change.reason,
                    suggestedSQL: change.statements.isEmpty ? nil : try Self.render(change.statements, quoter),
                    suggestedMigration: change.migrationName.map { "\(prefix)_\($0).sql" },
                    rewrite: change.rewrite, lock: change.lock?.rawValue))
        }
    }

    package mutating func add(drift items: [DriftItem], manual manualItems: [ManualItem], with quoter: some SQLQuoting)
        throws
    {
        drift += items.map {
            .init(kind: $0.kind.rawValue, table: $0.table, column: $0.column, index: $0.index, message: $0.message)
        }
        for item in manualItems {
            manual.append(
                .init(
                    kind: item.kind.rawValue, table: item.table, column: item.column, index: item.index,
                    message: item.message, sql: item.sql.isEmpty ? nil : try Self.render(item.sql, quoter)))
        }
    }

    /// The report; `synced` becomes `blocked` when something was blocked before Safe Sync ran (an unapproved
    /// migration, issue 15), whatever the plan's own verdict.
    package func finish(outcome: ReconcileOutcome, now: Date = Date()) -> ReconcileReport {
        let outcome: ReconcileOutcome = outcome == .synced && !blocked.isEmpty ? .blocked : outcome
        var report = ReconcileReport(
            outcome: outcome, commit: context.commit, previousCommit: context.previousCommit, commits: context.commits,
            branch: context.branch, source: context.source, startedAt: Self.timestamp(started),
            finishedAt: Self.timestamp(now), durationMs: max(0, Int(now.timeIntervalSince(started) * 1000)),
            snapshot: snapshot, migrations: context.migrations, applied: applied, blocked: blocked, drift: drift,
            manual: manual, warnings: warnings, errors: errors)
        report.trust = trust
        return report
    }

    /// Statements joined as a script, each ending with `;`.
    static func render(_ statements: [SQL], _ quoter: some SQLQuoting) throws -> String {
        try statements.map { try $0.render(with: quoter) + ";" }.joined(separator: "\n")
    }

    /// The report's message for an error: a migration's file, line and SQLSTATE; PostgreSQL's DETAIL and HINT
    /// kept (issue 12 item 17: "out of shared memory" without "You might need to increase
    /// max_locks_per_transaction" says nothing useful).
    package static func message(for error: any Error) -> ReconcileReport.Message {
        if let error = error as? MigrationError {
            var text = error.message
            if let postgres = error.postgresError {
                text += String(postgres.messageWithDetailAndHint.dropFirst(postgres.message.count))
            }
            return .init(
                code: "migration_\(error.kind.rawValue)", message: text, file: error.file, line: error.line,
                sqlstate: error.sqlState?.rawValue, statement: error.postgresError?.statement)
        }
        if let error = error as? PostgresError {
            return .init(
                code: error.isConnectionLoss ? "database_unreachable" : "database_error",
                message: error.messageWithDetailAndHint, sqlstate: error.sqlState?.rawValue,
                statement: error.statement)
        }
        return .init(code: "error", message: "\(error)")
    }

    package static func timestamp(_ date: Date) -> String {
        UTCTimestamp.iso8601(date)
    }

    package static func migrationPrefix(_ date: Date) -> String {
        UTCTimestamp.compact(date)
    }
}
