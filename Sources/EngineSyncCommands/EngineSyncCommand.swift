package import ArgumentParser
import EngineSync
import Foundation

/// The `enginesync` command line: the composition root that turns flags into configuration values.
package struct EngineSyncCommand: AsyncParsableCommand {
    package static let version = "0.1.0"

    package static let configuration = CommandConfiguration(
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
        subcommands: [
            ValidateCommand.self, PlanCommand.self, SyncCommand.self, MigrateCommand.self, StatusCommand.self,
            RunCommand.self,
            ExportCatalogCommand.self, HooksCommand.self,
        ]
    )

    package init() {}

    /// `enginesync` without a command is a usage error (SPEC 9: exit 64), not a success: a typo in a
    /// wrapper script or unit file must not look like a reconcile that went well.
    package func run() async throws { try Self.missingSubcommand(Self.self) }

    /// A command group run without its subcommand (`enginesync`, `enginesync migrate`): the help, then exit 64.
    static func missingSubcommand(_ command: any ParsableCommand.Type) throws -> Never {
        FileHandle.standardError.write(
            Data((EngineSyncCommand.helpMessage(for: command) + "\n\nerror: missing command\n").utf8))
        throw ExitCode(64)
    }
}

extension EngineSyncCommand {
    /// Parses the process arguments and runs the command; usage errors exit 64 (SPEC 9).
    package static func runFromCommandLine() async {
        // Every repository enginesync opens is one the operator named (flag or configuration), typically a
        // bare repository owned by the developers' account while the daemon runs as `enginesync`.
        SourceReader.allowRepositoriesOfOtherUsers()
        if let warning = passwordOnCommandLineWarning(CommandLine.arguments) {
            FileHandle.standardError.write(Data((warning + "\n").utf8))
        }
        await main()
    }
}

extension EngineSyncCommand {
    /// The start-up warning for a database password given with `--database` (a conninfo `password=…` or a
    /// URI `postgresql://user:secret@…`): every local user can read a process's arguments with `ps`. The
    /// warning names no part of the value. `nil` when no `--database` argument holds a password.
    static func passwordOnCommandLineWarning(_ arguments: [String]) -> String? {
        var values: [String] = []
        var index = 1
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" { break }
            if argument == "--database", index + 1 < arguments.count {
                values.append(arguments[index + 1])
                index += 2
                continue
            }
            if argument.hasPrefix("--database=") { values.append(String(argument.dropFirst("--database=".count))) }
            index += 1
        }
        guard values.contains(where: { DatabaseTarget(dsn: $0).containsPassword }) else { return nil }
        return "warning: --database holds a password, which every local user can read in the process list (ps); "
            + "put it in a file instead: database_password_file (enginesync run, --database-password-file or "
            + "ENGINESYNC_DATABASE_PASSWORD_FILE), or a libpq password file (~/.pgpass or PGPASSFILE)"
    }
}
