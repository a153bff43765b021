public import EngineSyncCore

/// One imperative migration: a unique id that sorts into place (EngineJS's `localeCompare` order) and an `up`.
///
/// Two kinds: SQL files from the repository (`migrations/<id>.sql`, with a checksum) and closures given
/// through the Swift API (no checksum; the EngineJS shape of `up({ sequelize, queryInterface, logger })`).
public struct Migration: Sendable {
    /// What runs.
    public enum Body: Sendable {
        /// The statements of a SQL file, run one by one on the connection.
        case sql([SQLStatement])
        /// A Swift closure that receives the connection and a logger.
        case swift(@Sendable (MigrationContext) throws -> Void)
    }

    public let id: String
    /// `false`: statements run outside a transaction (`-- enginesync: no-transaction`), tracked as
    /// `running` → `applied`/`failed`.
    public let transactional: Bool
    /// SHA-256 hex of the file (line endings normalised); `nil` for Swift migrations.
    public let checksum: String?
    /// The repository-relative path (`migrations/0001_init.sql`); `nil` for Swift migrations.
    public let file: String?
    public let body: Body

    /// A migration written in Swift; it runs inside the transaction that records it unless
    /// `transactional` is `false`.
    public init(id: String, transactional: Bool = true, up: @escaping @Sendable (MigrationContext) throws -> Void) {
        self.id = id
        self.transactional = transactional
        checksum = nil
        file = nil
        body = .swift(up)
    }

    /// A migration read from a SQL file.
    public init(id: String, file: String, script: MigrationScript) {
        self.id = id
        self.file = file
        transactional = script.transactional
        checksum = script.checksum
        body = .sql(script.statements)
    }

    /// How errors and reports name the migration: its file, else its id.
    public var displayName: String { file ?? id }
}
