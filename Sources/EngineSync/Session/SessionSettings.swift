/// The three timeouts every enginesync session sets (SPEC 4.3), kept as `Duration`s from the configuration to
/// the one place that sends them to the server (`DatabaseSession`).
public struct SessionTimeouts: Sendable, Equatable {
    /// `lock_timeout`: how long one statement waits in a lock queue (application traffic queues behind it).
    /// `nil` leaves the server's (role's, connection's) default.
    public var lock: Duration?
    /// `statement_timeout`; `nil` leaves the server's default.
    public var statement: Duration?
    /// `idle_in_transaction_session_timeout`, so a stalled client never holds its locks for ever; `nil` leaves
    /// the server's default.
    public var idleInTransaction: Duration?

    public static let defaultLock: Duration = .seconds(3)
    public static let defaultStatement: Duration = .seconds(600)
    public static let defaultIdleInTransaction: Duration = .seconds(600)

    public init(
        lock: Duration? = Self.defaultLock, statement: Duration? = Self.defaultStatement,
        idleInTransaction: Duration? = Self.defaultIdleInTransaction
    ) {
        self.lock = lock
        self.statement = statement
        self.idleInTransaction = idleInTransaction
    }
}

/// What every enginesync session is set to, whatever the role's or server's defaults.
public struct SessionSettings: Sendable, Equatable {
    /// The managed schema: unqualified names in migrations resolve here (`search_path`), and the bookkeeping
    /// tables live here.
    public var schema: String
    public var timeouts: SessionTimeouts

    public init(schema: String = "public", timeouts: SessionTimeouts = SessionTimeouts()) {
        self.schema = schema
        self.timeouts = timeouts
    }
}
