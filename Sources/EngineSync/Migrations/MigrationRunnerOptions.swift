public import Logging

/// How a `MigrationRunner` runs beyond its session: what the run is recorded against, how long it waits for the
/// advisory lock, and where it logs. Built by the caller (CLI or reconciler); the engine never reads the
/// environment. The schema, the timeouts and the progress token belong to the `DatabaseSession`.
public struct MigrationRunnerOptions: Sendable {
    /// The commit the migrations come from, stored in `engine_migrations.commit`.
    public var commit: String?
    /// How long `up`/`resolve` wait for the advisory lock before giving up (`lock_held` → `skipped`).
    public var lockWait: Duration
    public var logger: Logger

    public init(
        commit: String? = nil, lockWait: Duration = .seconds(60),
        logger: Logger = Logger(label: "enginesync.migrations")
    ) {
        self.commit = commit
        self.lockWait = lockWait
        self.logger = logger
    }
}
