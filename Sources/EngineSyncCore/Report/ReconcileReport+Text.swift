import Foundation
import TextAlgorithms

extension ReconcileReport {
    /// Terminal output of `plan` and `sync`: the outcome first, then blocked changes with their
    /// suggested SQL, then what was (or, for a plan, would be) applied.
    ///
    /// Strings from the repository or the database are printed through `ReportEscaping.terminal`: a file name or
    /// commit subject cannot add lines or send escape sequences to the terminal.
    public func text(dryRun: Bool) -> String {
        let body = renderText(dryRun: dryRun)
        return body.split(separator: "\n", omittingEmptySubsequences: false)
            .map { ReportEscaping.terminal(String($0)) }.joined(separator: "\n")
    }

    private func renderText(dryRun: Bool) -> String {
        // Single-line fields: an embedded newline is escaped here, before the lines are joined.
        let one = { (value: String) in ReportEscaping.terminal(value) }
        var lines: [String] = []
        let what = commit.map { "\(one($0.short)) \(one($0.subject ?? ""))" } ?? one(source ?? "")
        lines.append("\(dryRun ? "plan" : "sync"): \(outcome.rawValue) — \(what)".trimmingWhitespace())
        for error in errors {
            var line = "error: "
            if let file = error.file {
                line += one(file) + (error.line.map { ":\($0)" } ?? "") + (error.column.map { ":\($0)" } ?? "") + ": "
            }
            line += one(error.message)
            if let sqlstate = error.sqlstate { line += " (SQLSTATE \(sqlstate))" }
            lines.append(line)
            if let statement = error.statement {
                lines.append("  statement: \(ReportEscaping.terminal(statement, keepNewlines: true))")
            }
        }
        for line in trust?.lines ?? [] { lines.append("trust: \(one(line))") }
        if !blocked.isEmpty {
            lines.append("")
            lines.append("Blocked (\(blocked.count)) — add a migration to perform them:")
            for change in blocked {
                var line = "  ✗ \(one(change.kind)) \(one(Self.target(change)))"
                if let from = change.from, let to = change.to { line += ": \(one(from)) → \(one(to))" }
                lines.append(line)
                if let reason = change.reason { lines.append("    \(one(reason))") }
                if let migration = change.suggestedMigration { lines.append("    migrations/\(one(migration)):") }
                for sqlLine in (change.suggestedSQL ?? "").split(separator: "\n") { lines.append("      \(sqlLine)") }
            }
        }
        lines.append("")
        lines.append("\(dryRun ? "Would apply" : "Applied") (\(applied.count))\(applied.isEmpty ? ": nothing" : ":")")
        for change in applied {
            var line = "  ✓ \(one(change.kind)) \(one(Self.target(change)))"
            if let from = change.from, let to = change.to { line += ": \(one(from)) → \(one(to))" }
            var cost: [String] = []
            if let lock = change.lock { cost.append(lock) }
            if change.rewrite == true { cost.append("rewrite") }
            if change.concurrently == true { cost.append("concurrently") }
            if !cost.isEmpty { line += " [\(cost.joined(separator: ", "))]" }
            lines.append(line)
        }
        if !migrations.applied.isEmpty || !migrations.pending.isEmpty || !migrations.failed.isEmpty {
            lines.append("")
            lines.append(
                "Migrations: \(migrations.applied.count) applied, \(migrations.pending.count) pending, "
                    + "\(migrations.failed.count) failed")
            for migration in migrations.applied {
                lines.append("  applied \(one(migration.id)) (\(migration.durationMs) ms)")
            }
            for id in migrations.pending { lines.append("  pending \(one(id))") }
            for id in migrations.failed { lines.append("  failed \(one(id))") }
        }
        if !drift.isEmpty || !manual.isEmpty {
            lines.append("")
            for note in drift { lines.append("  drift \(one(note.kind)): \(one(note.message))") }
            for note in manual {
                lines.append("  manual \(one(note.kind)): \(one(note.message))")
                if let sql = note.sql { lines.append("    \(one(sql))") }
            }
        }
        for warning in warnings {
            var line = "warning: "
            if let file = warning.file { line += one(file) + (warning.line.map { ":\($0)" } ?? "") + ": " }
            lines.append(line + "\(one(warning.code)): \(one(warning.message))")
        }
        return lines.joined(separator: "\n")
    }
}
