package import ArgumentParser

/// `enginesync migrate status|up|resolve`: the Migration Runner from the command line.
package struct MigrateCommand: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Show, run or resolve the SQL migrations in migrations/<id>.sql.",
        discussion: """
            Migrations are read from a commit of a git repository (--repo PATH [--rev REV], default rev main) \
            or from a directory laid out like the repository (--dir ROOT). Applied migrations are recorded in \
            <schema>.engine_migrations. Exit codes: 0 ok, 1 failed or skipped (lock held elsewhere), \
            3 invalid (changed checksum, bad migration files), 64 usage.

            --target NAME (issue 17) takes the database and schema of that target of the configuration file \
            (--config, ENGINESYNC_CONFIG or the default file), and the daemon's repository, branch and \
            migrations path unless --repo/--rev/--dir/--migrations-path are given; an unknown name exits 64. \
            There is no --all-targets: run migrations target by target (the daemon does it in rollout order).

            Examples:
              enginesync migrate status --repo /srv/git/app.git --database "host=/run/postgresql dbname=app"
              enginesync migrate up --dir . --database postgresql://app@db/app
              enginesync migrate resolve 0007_concurrent_index --rolled-back --dir .
              enginesync migrate status --target eu
            """,
        subcommands: [MigrateStatusCommand.self, MigrateUpCommand.self, MigrateResolveCommand.self]
    )

    package init() {}

    /// `enginesync migrate` alone is a usage error (exit 64), like `enginesync` alone.
    package func run() throws { try EngineSyncCommand.missingSubcommand(Self.self) }
}
