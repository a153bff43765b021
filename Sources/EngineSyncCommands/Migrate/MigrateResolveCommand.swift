import ArgumentParser
import EngineSync

/// `enginesync migrate resolve <id> --applied|--rolled-back`: settles a failed non-transactional migration.
struct MigrateResolveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Settle a failed non-transactional migration so later migrations can run.",
        discussion: """
            --applied: you completed the migration by hand; it is marked applied. --rolled-back: you undid \
            what it did; its row is deleted and the next `migrate up` runs it again (fix the file first).

            Example:
              enginesync migrate resolve 0007_orders_index --rolled-back --dir .
            """
    )

    @Argument(help: "The migration id (the file name without .sql).")
    var id: String

    @Flag(name: .long, help: "Mark the migration applied.")
    var applied = false

    @Flag(name: .long, help: "Forget the migration so it runs again.")
    var rolledBack = false

    @OptionGroup var options: MigrateOptions

    func validate() throws {
        if applied == rolledBack { throw ValidationError("give exactly one of --applied or --rolled-back") }
    }

    func run() throws {
        // SIGINT/SIGTERM cancel the running statement (rolled back) and exit 130/143, like `migrate up`.
        let interruption = SignalInterruption()
        defer { interruption.finish() }
        do {
            try resolve(interruption)
        } catch {
            if let code = interruption.exitCode { throw ExitCode(code) }
            throw error
        }
        if let code = interruption.exitCode { throw ExitCode(code) }
    }

    private func resolve(_ interruption: SignalInterruption) throws {
        try CommandFailure.reporting {
            let runner = try options.makeRunner(progress: interruption.progress)
            let resolution: MigrationResolution = applied ? .applied : .rolledBack
            try runner.resolve(id: id, as: resolution)
            print("resolved \(id): \(resolution.rawValue)")
        }
    }
}
