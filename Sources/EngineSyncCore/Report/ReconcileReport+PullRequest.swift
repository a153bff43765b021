extension ReconcileReport {
    /// A plan as a pull-request comment (`plan --format markdown`): the verdict, what is blocked with the
    /// migration that would perform it, what would be applied with its lock, rewrite and the table's estimated
    /// rows (`rows`, from the live database or an exported catalog), the migrations that would run and the lint
    /// hazards found in them. Every repository or database string is escaped as in `markdown`.
    public func pullRequestMarkdown(rows: [String: Int]? = nil) -> String {
        let text = { (value: String) in ReportEscaping.markdown(value) }
        let code = { (value: String) in ReportEscaping.markdownCode(value) }
        var lines: [String] = []
        let verdict =
            switch outcome {
            case .synced: applied.isEmpty ? "nothing to change" : "safe to merge: every change is applied automatically"
            case .blocked: "blocked: a migration is needed before these changes apply"
            case .invalid: "invalid: fix the errors below"
            case .failed, .skipped, .standby: "could not plan"
            case .untrusted: "untrusted: the commit is not signed by an allowed key"
            }
        let subject = commit.map { " for \(code($0.short))" } ?? ""
        lines.append("### enginesync plan\(subject): \(verdict)")
        lines.append("")
        var facts =
            "Would apply \(applied.count), blocked \(blocked.count), pending migrations \(migrations.pending.count)"
        if let previousCommit { facts += "; database at \(code(String(previousCommit.prefix(12))))" }
        lines.append(facts + ".")

        if !errors.isEmpty {
            lines.append("")
            lines.append("#### Errors")
            lines.append("")
            for error in errors {
                var line = "- **\(text(error.code))**"
                if let file = error.file { line += " " + code(file + (error.line.map { ":\($0)" } ?? "")) }
                lines.append(line + ": \(text(error.message))")
            }
        }

        if !blocked.isEmpty {
            lines.append("")
            lines.append("#### Blocked (\(blocked.count))")
            for change in blocked {
                lines.append("")
                var line = "- **\(text(change.kind))** \(code(Self.target(change)))"
                if let from = change.from, let to = change.to { line += ": \(code(from)) → \(code(to))" }
                if let count = rows?[change.table] { line += " — ~\(count) rows" }
                lines.append(line)
                if let reason = change.reason {
                    lines.append("  " + ReportEscaping.markdown(reason, atLineStart: true))
                }
                if let sql = change.suggestedSQL {
                    lines.append("")
                    lines.append(
                        "  Suggested migration"
                            + (change.suggestedMigration.map { " " + code("migrations/\($0)") } ?? "")
                            + ":")
                    lines.append("")
                    lines.append(contentsOf: ReportEscaping.markdownCodeBlock(sql, info: "sql").map { "  " + $0 })
                }
            }
        }

        if !applied.isEmpty {
            lines.append("")
            lines.append("#### Would apply (\(applied.count))")
            lines.append("")
            lines.append("| change | lock | rewrite | rows |")
            lines.append("| --- | --- | --- | --- |")
            for change in applied {
                var what = "\(text(change.kind)) \(code(Self.target(change)))"
                if let from = change.from, let to = change.to { what += ": \(code(from)) → \(code(to))" }
                let lock = change.lock.map(text) ?? "—"
                let rewrite = change.rewrite == true ? "yes" : (change.concurrently == true ? "concurrently" : "no")
                let count = rows?[change.table].map { "~\($0)" } ?? "—"
                lines.append("| \(what) | \(lock) | \(rewrite) | \(count) |")
            }
        }

        if !migrations.pending.isEmpty || !migrations.failed.isEmpty {
            lines.append("")
            lines.append("#### Migrations that would run")
            lines.append("")
            for id in migrations.failed { lines.append("- **failed earlier** \(code(id))") }
            for id in migrations.pending { lines.append("- \(code(id))") }
        }

        let lintCodes = Set(LintCode.allCases.map(\.rawValue))
        let hazards = warnings.filter { lintCodes.contains($0.code) }
        if !hazards.isEmpty {
            lines.append("")
            lines.append("#### Migration lint (\(hazards.count))")
            lines.append("")
            for hazard in hazards {
                let location = hazard.file.map { " " + code($0 + (hazard.line.map { ":\($0)" } ?? "")) } ?? ""
                lines.append("- \(code(hazard.code))\(location): \(text(hazard.message))")
            }
        }

        let others = warnings.filter { !lintCodes.contains($0.code) }
        if !drift.isEmpty || !manual.isEmpty || !others.isEmpty {
            lines.append("")
            lines.append(
                "<details><summary>Drift, manual items and warnings (\(drift.count + manual.count + others.count))</summary>"
            )
            lines.append("")
            for note in drift { lines.append("- drift \(text(note.kind)): \(text(note.message))") }
            for note in manual { lines.append("- manual \(text(note.kind)): \(text(note.message))") }
            for warning in others {
                var line = "- \(text(warning.code))"
                if let file = warning.file { line += " " + code(file + (warning.line.map { ":\($0)" } ?? "")) }
                lines.append(line + ": \(text(warning.message))")
            }
            lines.append("")
            lines.append("</details>")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
