public import ArgumentParser
import GitClient

/// The `enginesync` command line: the composition root that turns flags into configuration values.
public struct EngineSyncCommand: AsyncParsableCommand {
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "enginesync",
        abstract: "Keep a PostgreSQL schema in step with a git repository of EngineJS DSL files.",
        discussion: """
            enginesync reads EngineJS DSL (JSON schema-as-code) from git, runs pending SQL migrations and \
            applies only widening, data-preserving changes; narrowing changes are reported with the \
            migration that would perform them.

            Examples:
              enginesync validate --dir .
              enginesync plan --repo /srv/git/schema.git --database "host=/run/postgresql dbname=app"
              enginesync run --config /etc/enginesync/enginesync.yaml
            """,
        version: version,
        subcommands: [ValidateCommand.self, PlanCommand.self, SyncCommand.self, MigrateCommand.self, StatusCommand.self, RunCommand.self]
    )

    public init() {}
}

extension EngineSyncCommand {
    /// Parses the process arguments and runs the command; usage errors exit 64 (SPEC 9).
    public static func runFromCommandLine() async {
        // Every repository enginesync opens is one the operator named (flag or configuration), typically a
        // bare repository owned by the developers' account while the daemon runs as `enginesync`.
        try? GitRepository.setOwnerValidation(false)
        await main()
    }
}
