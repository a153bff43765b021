public import PostgresClient

/// The database a command connects to: a libpq connection string or URI (`nil`: libpq's `PG*` variables and
/// `.pgpass`). The CLI works with this rather than with PostgresClient: it checks the string, shows it only
/// redacted, and opens sessions on it, without a libpq wrapper of its own.
public struct DatabaseTarget: Sendable {
    public var configuration: PostgresConfiguration

    public init(dsn: String?) { configuration = PostgresConfiguration(dsn: dsn) }

    public init(_ configuration: PostgresConfiguration) { self.configuration = configuration }

    /// Why libpq cannot parse the string (secrets never quoted); `nil` when it can.
    public var problem: String? { configuration.validateDSN() }

    /// The only form of the string that may be printed or logged.
    public var redactedDSN: String { configuration.redactedDSN }

    /// The string carries a password (visible in `ps` when given on the command line).
    public var containsPassword: Bool { configuration.dsnContainsPassword }
}

extension DatabaseSession {
    /// `connect(_:settings:searchPath:progress:)` for a `DatabaseTarget`.
    public static func connect(
        _ target: DatabaseTarget, settings: SessionSettings, searchPath: SearchPath = .managedSchema,
        progress: ReconcileProgress? = nil
    ) throws -> DatabaseSession {
        try connect(target.configuration, settings: settings, searchPath: searchPath, progress: progress)
    }
}
