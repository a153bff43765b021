extension ReconcileReport {
    /// The report for people (SPEC 7): outcome first, then blocked changes with the migration that would
    /// perform each, then what was applied.
    public var markdown: String {
        var lines: [String] = []
        let subject = commit.map { "`\($0.short)` \($0.subject ?? "")".trimmingCharacters(in: .whitespaces) } ?? (source ?? "")
        lines.append("# enginesync: \(outcome.rawValue.uppercased()) — \(subject)")
        lines.append("")
        var facts: [String] = []
        if let commit {
            facts.append("- Commit: `\(commit.sha)`" + (commit.author.map { " by \($0)" } ?? "") + (commit.time.map { " at \($0)" } ?? ""))
        }
        if let branch { facts.append("- Branch: `\(branch)`") }
        if let previousCommit { facts.append("- Previous commit: `\(previousCommit)`") }
        if let commits, commits.count > 1 { facts.append("- Commits covered: \(commits.count)") }
        facts.append("- Finished: \(finishedAt) (\(durationMs) ms)")
        facts.append("- Applied: \(applied.count), blocked: \(blocked.count), drift: \(drift.count), manual: \(manual.count)")
        if let hash = snapshot.hash {
            facts.append("- Snapshot: `\(hash.prefix(12))`" + (snapshot.changed ? " (new row \(snapshot.id.map(String.init) ?? "?"))" : " (unchanged)"))
        }
        lines.append(contentsOf: facts)

        if !errors.isEmpty {
            lines.append("")
            lines.append("## Errors")
            for error in errors {
                var line = "- **\(error.code)**"
                if let file = error.file {
                    line += " `\(file)" + (error.line.map { ":\($0)" } ?? "") + (error.column.map { ":\($0)" } ?? "") + "`"
                }
                line += ": \(error.message)"
                if let sqlstate = error.sqlstate { line += " (SQLSTATE \(sqlstate))" }
                lines.append(line)
                if let statement = error.statement { lines.append(contentsOf: ["", "```sql", statement, "```"]) }
            }
        }

        if !blocked.isEmpty {
            lines.append("")
            lines.append("## Blocked changes (\(blocked.count))")
            lines.append("")
            lines.append("These were refused because they could lose data or stall traffic. Add the migration to the "
                + "repository (review it first) and push; the next reconcile runs it before Safe Sync.")
            for change in blocked {
                lines.append("")
                lines.append("### \(change.kind) `\(Self.target(change))`")
                if let from = change.from, let to = change.to { lines.append("") ; lines.append("`\(from)` → `\(to)`") }
                if let reason = change.reason { lines.append(""); lines.append(reason) }
                if let sql = change.suggestedSQL {
                    lines.append("")
                    lines.append("Suggested migration" + (change.suggestedMigration.map { " `migrations/\($0)`" } ?? "") + ":")
                    lines.append("")
                    lines.append("```sql")
                    lines.append(sql)
                    lines.append("```")
                }
            }
        }

        lines.append("")
        lines.append("## Applied (\(applied.count))")
        if applied.isEmpty {
            lines.append("")
            lines.append("Nothing to apply.")
        } else {
            lines.append("")
            for change in applied {
                var line = "- \(change.kind) `\(Self.target(change))`"
                if let from = change.from, let to = change.to { line += ": `\(from)` → `\(to)`" }
                var cost: [String] = []
                if let lock = change.lock { cost.append(lock) }
                if change.rewrite == true { cost.append("table rewrite") }
                if change.concurrently == true { cost.append("concurrently") }
                if !cost.isEmpty { line += " (\(cost.joined(separator: ", ")))" }
                lines.append(line)
            }
        }

        if !migrations.applied.isEmpty || !migrations.pending.isEmpty || !migrations.failed.isEmpty {
            lines.append("")
            lines.append("## Migrations")
            lines.append("")
            for migration in migrations.applied { lines.append("- applied `\(migration.id)` (\(migration.durationMs) ms)") }
            for id in migrations.failed { lines.append("- **failed** `\(id)`") }
            for id in migrations.pending { lines.append("- pending `\(id)`") }
        }

        for (title, notes) in [("Drift", drift), ("Manual", manual)] where !notes.isEmpty {
            lines.append("")
            lines.append("## \(title) (\(notes.count))")
            lines.append("")
            for note in notes {
                lines.append("- \(note.kind): \(note.message)")
                if let sql = note.sql { lines.append("  `\(sql)`") }
            }
        }

        if !warnings.isEmpty {
            lines.append("")
            lines.append("## Warnings")
            lines.append("")
            for warning in warnings {
                var line = "- \(warning.code)"
                if let file = warning.file { line += " `\(file)" + (warning.line.map { ":\($0)" } ?? "") + "`" }
                lines.append(line + ": \(warning.message)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func target(_ change: Change) -> String {
        if let index = change.index { return "\(change.table).\(index)" }
        if let column = change.column { return "\(change.table).\(column)" }
        return change.table
    }
}

import Foundation
