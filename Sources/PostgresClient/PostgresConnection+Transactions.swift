extension PostgresConnection {
    /// Runs `body` inside `BEGIN … COMMIT`; any thrown error rolls back and is rethrown. A `PostgresError` says
    /// which phase failed (`transactionPhase`: BEGIN, the body, the ROLLBACK after it, or COMMIT).
    ///
    /// A failing COMMIT throws; when that error `isConnectionLoss`, the outcome is unknown and the caller
    /// must re-read the database before deciding (SPEC 4.3).
    public func withTransaction<T>(_ body: () throws -> T) throws -> T {
        try phase(.begin) { try query("BEGIN") }
        let value: T
        do {
            value = try body()
        } catch {
            let rolledBack = rollbackQuietly("ROLLBACK")
            throw Self.marked(error, rolledBack ? .body : .rollback)
        }
        try phase(.commit) { try query("COMMIT") }
        return value
    }

    /// Runs `body` under a savepoint; a thrown error rolls back to it (releasing the locks taken since).
    public func withSavepoint<T>(_ name: String, _ body: () throws -> T) throws -> T {
        let quoted = try escapeIdentifier(name)
        try query("SAVEPOINT " + quoted)
        let value: T
        do {
            value = try body()
        } catch {
            _ = rollbackQuietly("ROLLBACK TO SAVEPOINT " + quoted)
            throw error
        }
        try query("RELEASE SAVEPOINT " + quoted)
        return value
    }

    private func phase(_ phase: PostgresError.TransactionPhase, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch {
            throw Self.marked(error, phase)
        }
    }

    /// `error` with its phase set, unless an inner transaction or savepoint already set one.
    private static func marked(_ error: any Error, _ phase: PostgresError.TransactionPhase) -> any Error {
        guard var postgres = error as? PostgresError, postgres.transactionPhase == nil else { return error }
        postgres.transactionPhase = phase
        return postgres
    }

    /// A rollback that cannot make matters worse: the body's error is the one worth reporting. `false` when
    /// it could not be sent or failed.
    private func rollbackQuietly(_ sql: String) -> Bool {
        guard isConnected else { return false }
        return (try? query(sql)) != nil
    }

    /// Sets a session setting with `set_config` (DDL-style `SET x = $1` does not take parameters).
    public func setSetting(_ name: String, _ value: String, local: Bool = false) throws {
        try query("SELECT pg_catalog.set_config($1, $2, $3)", [name, value, local])
    }

    /// `lock_timeout`, `statement_timeout` and `idle_in_transaction_session_timeout`, sent in whole
    /// milliseconds (PostgreSQL's unit for all three); `nil` leaves a setting as it is.
    public func setTimeouts(lock: Duration? = nil, statement: Duration? = nil, idleInTransaction: Duration? = nil)
        throws
    {
        for (name, value) in Self.timeoutSettings(
            lock: lock, statement: statement, idleInTransaction: idleInTransaction)
        {
            try setSetting(name, value)
        }
    }

    /// The settings `setTimeouts` sends, as name and value (`"3000ms"`), for a caller that sets them in a
    /// statement of its own.
    public static func timeoutSettings(lock: Duration?, statement: Duration?, idleInTransaction: Duration?)
        -> [(name: String, value: String)]
    {
        var settings: [(name: String, value: String)] = []
        if let lock { settings.append(("lock_timeout", "\(milliseconds(lock))ms")) }
        if let statement { settings.append(("statement_timeout", "\(milliseconds(statement))ms")) }
        if let idleInTransaction {
            settings.append(("idle_in_transaction_session_timeout", "\(milliseconds(idleInTransaction))ms"))
        }
        return settings
    }

    /// Whole milliseconds, rounded down (the configuration never holds less than 1 ms: `TimeoutLimits`).
    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    /// Pins `search_path` so catalog output (format_type, pg_get_indexdef) is stable.
    public func setSearchPath(_ schemas: [String]) throws {
        let quoted = try schemas.map { try escapeIdentifier($0) }.joined(separator: ", ")
        try setSetting("search_path", quoted)
    }
}
