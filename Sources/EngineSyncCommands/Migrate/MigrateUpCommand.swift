import ArgumentParser
import EngineSync
import EngineSyncCore

/// `enginesync migrate up`: applies every pending migration, in id order.
struct MigrateUpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Apply the pending migrations in id order, each once.",
        discussion: """
            Each migration and its engine_migrations row commit in one transaction, unless its first line is \
            `-- enginesync: no-transaction`. Waits up to --lock-wait seconds for the advisory lock shared with \
            sync; exits 1 (skipped) when another enginesync holds it. SIGINT/SIGTERM cancel the running \
            statement (its migration rolls back) and exit 130/143.

            Example:
              enginesync migrate up --repo /srv/git/app.git --database "host=/run/postgresql dbname=app"
            """
    )

    @OptionGroup var options: MigrateOptions

    func run() throws {
        // SIGINT/SIGTERM cancel the running statement (its migration rolls back) and exit 130/143.
        let interruption = SignalInterruption()
        defer { interruption.finish() }
        do {
            try body(interruption)
        } catch {
            if let code = interruption.exitCode { throw ExitCode(code) }
            throw error
        }
        if let code = interruption.exitCode { throw ExitCode(code) }
    }

    private func body(_ interruption: SignalInterruption) throws {
        try CommandFailure.reporting {
            let runner = try options.makeRunner(progress: interruption.progress)
            let report: MigrationRunReport
            do {
                report = try runner.upWithReport()
            } catch let error as MigrationError {
                // What committed before the failure stays applied: say so before the error line.
                if options.format == .text {
                    for applied in error.applied { print("applied \(applied.id) (\(applied.durationMs) ms)") }
                }
                throw error
            }
            if options.format == .json {
                print(try renderJSON(report))
                return
            }
            for warning in report.warnings {
                print("warning: \(warning.code): \(warning.file ?? warning.id ?? ""): \(warning.message)")
            }
            if report.applied.isEmpty { print("no pending migrations") }
            for applied in report.applied { print("applied \(applied.id) (\(applied.durationMs) ms)") }
        }
    }
}
