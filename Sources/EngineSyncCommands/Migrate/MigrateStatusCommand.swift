import ArgumentParser
import EngineSync

/// `enginesync migrate status`: executed, pending, failed and changed migrations.
struct MigrateStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "List executed, pending and failed migrations and checksum mismatches.",
        discussion: """
            Read-only: creates nothing and takes no lock. Exits 3 when an applied migration's file changed, \
            1 when a non-transactional migration is failed and needs `migrate resolve`, else 0.

            Example:
              enginesync migrate status --repo /srv/git/app.git --rev main --format json
            """
    )

    @OptionGroup var options: MigrateOptions

    func run() throws {
        try CommandFailure.reporting {
            let runner = try options.makeRunner()
            let status = try runner.status()
            if options.format == .json {
                print(try renderJSON(status))
            } else {
                print(Self.text(status), terminator: "")
            }
            if !status.checksumMismatches.isEmpty {
                let files = status.checksumMismatches.map { $0.file ?? $0.id }.joined(separator: ", ")
                throw CommandFailure(
                    message: "invalid: changed after it was applied: \(files)",
                    exitCode: CommandFailure.invalid)
            }
            if let failed = status.failed.first {
                throw CommandFailure(
                    message: "\(failed.file ?? failed.id) is '\(failed.state)'; settle it with: enginesync migrate "
                        + "resolve \(failed.id) --applied|--rolled-back", exitCode: .failure)
            }
        }
    }

    static func text(_ status: MigrationStatus) -> String {
        var text = ""
        func section(_ title: String, _ lines: [String]) {
            text += "\(title): \(lines.count)\n"
            for line in lines { text += "  \(line)\n" }
        }
        section("executed", status.executed)
        section("pending", status.pending)
        section("failed", status.failed.map { "\($0.id) (\($0.state))" })
        section("checksum mismatches", status.checksumMismatches.map { "\($0.id) (\($0.file ?? "no file"))" })
        for warning in status.warnings {
            text += "warning: \(warning.code): \(warning.file ?? warning.id ?? ""): \(warning.message)\n"
        }
        return text
    }
}
