public import PostgresClient

/// Why migrations did not (all) run. `description` is one line for an operator, naming the file and line.
///
/// Every error the runner and the loader throw is a `MigrationError`; a PostgreSQL failure keeps its
/// SQLSTATE and the server's message (never bound values).
public struct MigrationError: Error, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable, Hashable {
        /// Bad files, duplicate ids or a changed checksum: nothing ran (outcome `invalid`).
        case invalid
        /// A migration or the tracking table failed in PostgreSQL (outcome `failed`).
        case failed
        /// A non-transactional migration is `failed` or `running` and must be settled with `resolve` first.
        case unresolved
        /// Another session holds the advisory lock (outcome `skipped`).
        case lockHeld = "lock_held"
        /// `resolve` named a migration that is not failed.
        case notResolvable = "not_resolvable"
        /// The server is a standby (read-only): nothing can be applied there (outcome `standby`).
        case standby
    }

    public var kind: Kind
    public var message: String
    /// The migration concerned, when there is one.
    public var id: String?
    /// Its repository-relative file (`migrations/0002_users.sql`), when it is a SQL file.
    public var file: String?
    /// The line in `file` of the failing statement (or of the error inside it).
    public var line: Int?
    public var sqlState: SQLState?
    /// The full PostgreSQL error, for logs (`debugDescription` has detail, hint and statement).
    public var postgresError: PostgresError?
    /// Migrations this run applied (and committed) before the failure.
    public var applied: [AppliedMigration]

    public init(
        kind: Kind, message: String, id: String? = nil, file: String? = nil, line: Int? = nil,
        sqlState: SQLState? = nil, postgresError: PostgresError? = nil, applied: [AppliedMigration] = []
    ) {
        self.kind = kind
        self.message = message
        self.id = id
        self.file = file
        self.line = line
        self.sqlState = sqlState
        self.postgresError = postgresError
        self.applied = applied
    }

    /// Wraps a PostgreSQL failure that is not tied to a migration (tracking table, lock, timeouts).
    static func database(_ error: any Error, doing what: String) -> MigrationError {
        if let error = error as? MigrationError { return error }
        if let error = error as? PostgresError {
            return MigrationError(
                kind: .failed, message: "\(what): \(error.message)", sqlState: error.sqlState,
                postgresError: error)
        }
        return MigrationError(kind: .failed, message: "\(what): \(error)")
    }

    public var description: String {
        var location = file ?? id ?? ""
        if let line, !location.isEmpty { location += ":\(line)" }
        var text = location.isEmpty ? message : "\(location): \(message)"
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        return text
    }
}
