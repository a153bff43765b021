import Foundation
import TextAlgorithms

/// One hazard migration lint found in one statement of one migration.
public struct LintHazard: Codable, Hashable, Sendable {
    public var code: LintCode
    /// The migration file (`migrations/0003_orders.sql`) or the Swift migration's id.
    public var file: String
    /// 1-based line of the statement in the file.
    public var line: Int
    public var table: String?
    public var column: String?
    /// The table's estimated rows (`pg_class.reltuples`), when live sizes are known; `0` for a table created
    /// earlier in the same migration or absent from the database.
    public var rows: Int?

    public init(code: LintCode, file: String, line: Int, table: String? = nil, column: String? = nil, rows: Int? = nil)
    {
        self.code = code
        self.file = file
        self.line = line
        self.table = table
        self.column = column
        self.rows = rows
    }

    /// One line without the code (reports print it beside): the table and its size, why, and the safer form.
    public var message: String {
        var subject = table.map { table in column.map { "\(table).\($0)" } ?? table } ?? ""
        if let rows {
            subject += " (~\(rows) rows)"
        } else if code.limit == .rewriteRows || code.limit == .indexRows {
            subject += " (size unknown)"
        }
        subject = subject.trimmingWhitespace()
        return (subject.isEmpty ? "" : subject + ": ") + "\(code.why); safer: \(code.saferForm)"
    }

    /// Whether the hazard is over its size limit: only these block under `migration_lint: block`. A table of
    /// unknown size never blocks (lint without a database only warns).
    public func exceedsLimits(maxRewriteRows: Int, concurrentIndexRows: Int) -> Bool {
        switch code.limit {
        case .always: true
        case .never: false
        case .rewriteRows: (rows ?? 0) > maxRewriteRows
        case .indexRows: (rows ?? 0) > concurrentIndexRows
        }
    }
}

/// `migration_lint` (SPEC 6.2 key, `--migration-lint`, `ENGINESYNC_MIGRATION_LINT`): whether a hazard over its
/// size limit stops the migration from running in `sync` and the daemon, or is only reported.
public enum MigrationLintMode: String, CaseIterable, Codable, Hashable, Sendable {
    /// Report hazards as warnings; migrations run (the default).
    case warn
    /// A hazard over its size limit blocks the pending migrations (outcome `blocked`, nothing runs).
    case block
}
