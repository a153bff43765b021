extension ReconcileReport {
    /// Terminal output of `plan` and `sync`: the outcome first, then blocked changes with their
    /// suggested SQL, then what was (or, for a plan, would be) applied.
    public func text(dryRun: Bool) -> String {
        var lines: [String] = []
        let what = commit.map { "\($0.short) \($0.subject ?? "")" } ?? (source ?? "")
        lines.append("\(dryRun ? "plan" : "sync"): \(outcome.rawValue) — \(what)".trimmingCharacters(in: .whitespaces))
        for error in errors {
            var line = "error: "
            if let file = error.file { line += file + (error.line.map { ":\($0)" } ?? "") + (error.column.map { ":\($0)" } ?? "") + ": " }
            line += error.message
            if let sqlstate = error.sqlstate { line += " (SQLSTATE \(sqlstate))" }
            lines.append(line)
            if let statement = error.statement { lines.append("  statement: \(statement)") }
        }
        if !blocked.isEmpty {
            lines.append("")
            lines.append("Blocked (\(blocked.count)) — add a migration to perform them:")
            for change in blocked {
                var line = "  ✗ \(change.kind) \(Self.target(change))"
                if let from = change.from, let to = change.to { line += ": \(from) → \(to)" }
                lines.append(line)
                if let reason = change.reason { lines.append("    \(reason)") }
                if let migration = change.suggestedMigration { lines.append("    migrations/\(migration):") }
                for sqlLine in (change.suggestedSQL ?? "").split(separator: "\n") { lines.append("      \(sqlLine)") }
            }
        }
        lines.append("")
        lines.append("\(dryRun ? "Would apply" : "Applied") (\(applied.count))\(applied.isEmpty ? ": nothing" : ":")")
        for change in applied {
            var line = "  ✓ \(change.kind) \(Self.target(change))"
            if let from = change.from, let to = change.to { line += ": \(from) → \(to)" }
            var cost: [String] = []
            if let lock = change.lock { cost.append(lock) }
            if change.rewrite == true { cost.append("rewrite") }
            if change.concurrently == true { cost.append("concurrently") }
            if !cost.isEmpty { line += " [\(cost.joined(separator: ", "))]" }
            lines.append(line)
        }
        if !migrations.applied.isEmpty || !migrations.pending.isEmpty || !migrations.failed.isEmpty {
            lines.append("")
            lines.append("Migrations: \(migrations.applied.count) applied, \(migrations.pending.count) pending, "
                + "\(migrations.failed.count) failed")
            for migration in migrations.applied { lines.append("  applied \(migration.id) (\(migration.durationMs) ms)") }
            for id in migrations.pending { lines.append("  pending \(id)") }
            for id in migrations.failed { lines.append("  failed \(id)") }
        }
        if !drift.isEmpty || !manual.isEmpty {
            lines.append("")
            for note in drift { lines.append("  drift \(note.kind): \(note.message)") }
            for note in manual {
                lines.append("  manual \(note.kind): \(note.message)")
                if let sql = note.sql { lines.append("    \(sql)") }
            }
        }
        for warning in warnings {
            var line = "warning: "
            if let file = warning.file { line += file + (warning.line.map { ":\($0)" } ?? "") + ": " }
            lines.append(line + "\(warning.code): \(warning.message)")
        }
        return lines.joined(separator: "\n")
    }
}

import Foundation
