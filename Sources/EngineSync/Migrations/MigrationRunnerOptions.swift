public import Logging

/// How a `MigrationRunner` runs: where the tracking table lives, what the run is recorded against, and
/// the timeouts. Built by the caller (CLI or reconciler); the engine never reads the environment.
public struct MigrationRunnerOptions: Sendable {
    /// The schema of `engine_migrations` (default `public`).
    public var schema: String
    /// The commit the migrations come from, stored in `engine_migrations.commit`.
    public var commit: String?
    /// How long `up`/`resolve` wait for the advisory lock before giving up (`lock_held` → `skipped`).
    public var lockWait: Duration
    /// `lock_timeout` for the session (SPEC 4.3 default 3s); `nil`: the server's (role's, connection's) default.
    public var lockTimeout: Duration?
    /// `statement_timeout` for the session (default 10 minutes); `nil`: the server's (role's, connection's) default.
    public var statementTimeout: Duration?
    /// `idle_in_transaction_session_timeout`; `nil` leaves the server's default.
    public var idleInTransactionTimeout: Duration?
    public var logger: Logger
    /// Touched before each migration and each of its statements (the daemon's watchdog); `nil` outside it.
    public var progress: ReconcileProgress?

    public init(schema: String = "public", commit: String? = nil, lockWait: Duration = .seconds(60),
                lockTimeout: Duration? = .seconds(3), statementTimeout: Duration? = .seconds(600),
                idleInTransactionTimeout: Duration? = nil,
                logger: Logger = Logger(label: "enginesync.migrations"), progress: ReconcileProgress? = nil) {
        self.idleInTransactionTimeout = idleInTransactionTimeout
        self.schema = schema
        self.commit = commit
        self.lockWait = lockWait
        self.lockTimeout = lockTimeout
        self.statementTimeout = statementTimeout
        self.logger = logger
        self.progress = progress
    }
}
