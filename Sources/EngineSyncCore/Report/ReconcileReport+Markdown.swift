import Foundation
import TextAlgorithms

extension ReconcileReport {
    /// The report for people (SPEC 7): outcome first, then blocked changes with the migration that would
    /// perform each, then what was applied.
    ///
    /// Every string that comes from the repository or the database (commit subject and author, file names,
    /// table and column names, messages) goes through `ReportEscaping`: it cannot add lines, headings, links
    /// or HTML to the report.
    public var markdown: String {
        let text = { (value: String) in ReportEscaping.markdown(value) }
        let code = { (value: String) in ReportEscaping.markdownCode(value) }
        var lines: [String] = []
        let subject =
            commit.map { "\(code($0.short)) \(text($0.subject ?? ""))".trimmingWhitespace() }
            ?? text(source ?? "")
        lines.append("# enginesync: \(outcome.rawValue.uppercased()) — \(subject)")
        lines.append("")
        var facts: [String] = []
        if let commit {
            facts.append(
                "- Commit: \(code(commit.sha))" + (commit.author.map { " by \(text($0))" } ?? "")
                    + (commit.time.map { " at \(text($0))" } ?? ""))
        }
        if let branch { facts.append("- Branch: \(code(branch))") }
        if let previousCommit { facts.append("- Previous commit: \(code(previousCommit))") }
        if let commits, commits.count > 1 { facts.append("- Commits covered: \(commits.count)") }
        facts.append("- Finished: \(text(finishedAt)) (\(durationMs) ms)")
        facts.append(
            "- Applied: \(applied.count), blocked: \(blocked.count), drift: \(drift.count), manual: \(manual.count)")
        if let hash = snapshot.hash {
            facts.append(
                "- Snapshot: \(code(String(hash.prefix(12))))"
                    + (snapshot.changed ? " (new row \(snapshot.id.map(String.init) ?? "?"))" : " (unchanged)"))
        }
        for line in trust?.lines ?? [] { facts.append("- Trust: \(text(line))") }
        lines.append(contentsOf: facts)

        if !errors.isEmpty {
            lines.append("")
            lines.append("## Errors")
            for error in errors {
                var line = "- **\(text(error.code))**"
                if let file = error.file {
                    line +=
                        " " + code(file + (error.line.map { ":\($0)" } ?? "") + (error.column.map { ":\($0)" } ?? ""))
                }
                line += ": \(text(error.message))"
                if let sqlstate = error.sqlstate { line += " (SQLSTATE \(text(sqlstate)))" }
                lines.append(line)
                if let statement = error.statement {
                    lines.append("")
                    lines.append(contentsOf: ReportEscaping.markdownCodeBlock(statement, info: "sql"))
                }
            }
        }

        if !blocked.isEmpty {
            lines.append("")
            lines.append("## Blocked changes (\(blocked.count))")
            lines.append("")
            lines.append(
                "These were refused because they could lose data or stall traffic. Add the migration to the "
                    + "repository (review it first) and push; the next reconcile runs it before Safe Sync.")
            for change in blocked {
                lines.append("")
                lines.append("### \(text(change.kind)) \(code(Self.target(change)))")
                if let from = change.from, let to = change.to {
                    lines.append("")
                    lines.append("\(code(from)) → \(code(to))")
                }
                if let reason = change.reason {
                    lines.append("")
                    lines.append(ReportEscaping.markdown(reason, atLineStart: true))
                }
                if let sql = change.suggestedSQL {
                    lines.append("")
                    lines.append(
                        "Suggested migration" + (change.suggestedMigration.map { " " + code("migrations/\($0)") } ?? "")
                            + ":")
                    lines.append("")
                    lines.append(contentsOf: ReportEscaping.markdownCodeBlock(sql, info: "sql"))
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
                var line = "- \(text(change.kind)) \(code(Self.target(change)))"
                if let from = change.from, let to = change.to { line += ": \(code(from)) → \(code(to))" }
                var cost: [String] = []
                if let lock = change.lock { cost.append(text(lock)) }
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
            for migration in migrations.applied {
                lines.append("- applied \(code(migration.id)) (\(migration.durationMs) ms)")
            }
            for id in migrations.failed { lines.append("- **failed** \(code(id))") }
            for id in migrations.pending { lines.append("- pending \(code(id))") }
        }

        for (title, notes) in [("Drift", drift), ("Manual", manual)] where !notes.isEmpty {
            lines.append("")
            lines.append("## \(title) (\(notes.count))")
            lines.append("")
            for note in notes {
                lines.append("- \(text(note.kind)): \(text(note.message))")
                if let sql = note.sql { lines.append("  \(code(sql))") }
            }
        }

        if !warnings.isEmpty {
            lines.append("")
            lines.append("## Warnings")
            lines.append("")
            for warning in warnings {
                var line = "- \(text(warning.code))"
                if let file = warning.file { line += " " + code(file + (warning.line.map { ":\($0)" } ?? "")) }
                lines.append(line + ": \(text(warning.message))")
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
