public import Logging
public import PostgresClient

/// What a Swift migration's `up` receives: the runner's connection (inside the migration's transaction,
/// unless the migration is non-transactional) and a logger carrying `migration.id`.
public struct MigrationContext {
    public let migrationID: String
    public let connection: PostgresConnection
    public let logger: Logger

    public init(migrationID: String, connection: PostgresConnection, logger: Logger) {
        self.migrationID = migrationID
        self.connection = connection
        self.logger = logger
    }
}
