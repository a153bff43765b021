import EngineSyncCore
import PostgresClient

/// Migration lint inside a reconcile: the pending migrations, checked against the live table sizes before any
/// of them runs. With `migration_lint: block`, hazards over their size limits become blocked changes and no
/// migration runs; otherwise every hazard is a warning.
struct MigrationLintGate {
    var schema: String
    var mode: MigrationLintMode
    var maxRewriteRows: Int
    var concurrentIndexRows: Int

    init(options: ReconcilerOptions) {
        schema = options.safeSync.planner.schema
        mode = options.migrationLint
        maxRewriteRows = options.safeSync.planner.maxRewriteRows
        concurrentIndexRows = options.safeSync.planner.concurrentIndexRows
    }

    struct Outcome {
        var warnings: [ReconcileReport.Message] = []
        var blocked: [ReconcileReport.Change] = []
        /// Statements PostgreSQL's parser refuses (`migration_syntax`).
        var errors: [ReconcileReport.Message] = []
    }

    /// Lints `pending` with the sizes of `live`.
    func check(_ pending: [Migration], desired: Schema, live: Schema?) -> Outcome {
        let result = MigrationLint.lint(pending, linter: MigrationLinter(schema: schema, desired: desired, live: live))
        var outcome = Outcome()
        outcome.errors = result.syntaxErrors.map {
            ReconcileReport.Message(
                code: MigrationLint.syntaxErrorCode, message: $0.message, file: $0.file, line: $0.line)
        }
        outcome.warnings = result.skipped.map {
            ReconcileReport.Message(code: MigrationLint.skippedCode, message: $0.message, file: $0.file, line: $0.line)
        }
        for hazard in result.hazards {
            if mode == .block,
                hazard.exceedsLimits(maxRewriteRows: maxRewriteRows, concurrentIndexRows: concurrentIndexRows)
            {
                outcome.blocked.append(Self.blockedChange(hazard))
            } else {
                outcome.warnings.append(hazard.reportMessage)
            }
        }
        return outcome
    }

    /// Reads the live schema (with row estimates) for the lint, then puts the managed schema's search_path back
    /// for the migrations.
    func readLive(_ session: DatabaseSession) throws -> Schema {
        try session.use(.catalogOnly)
        defer { _ = try? session.use(.managedSchema) }
        var reader = CatalogReader(schema: schema)
        return try reader.read(session.connection) { session.progress?.touch() }
    }

    /// A hazard over its limit, reported like a blocked change: kind `migration_lint`, the file and line in the reason.
    static func blockedChange(_ hazard: LintHazard) -> ReconcileReport.Change {
        ReconcileReport.Change(
            kind: blockedKind, table: hazard.table ?? hazard.file, column: hazard.column,
            reason: "\(hazard.file):\(hazard.line): \(hazard.code.rawValue): \(hazard.message) "
                + "(migration_lint: block; the pending migrations do not run)",
            rewrite: hazard.code.rewrites ? true : nil, lock: hazard.code.lock)
    }

    /// The blocked-change kind of a migration stopped by lint.
    static let blockedKind = "migration_lint"
}
