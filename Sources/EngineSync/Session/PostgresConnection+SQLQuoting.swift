public import EngineSyncCore
public import PostgresClient

/// Every `SQL` fragment the engine runs is rendered through libpq's escaping on the live connection.
extension PostgresConnection: SQLQuoting {
    public func quoteIdentifier(_ identifier: String) throws -> String { try escapeIdentifier(identifier) }
    public func quoteLiteral(_ literal: String) throws -> String { try escapeLiteral(literal) }

    /// Renders `sql` with this connection's quoting and runs it.
    @discardableResult
    package func run(_ sql: SQL, _ parameters: [(any PostgresBindable)?] = []) throws -> PostgresResult {
        try query(sql.render(with: self), parameters)
    }
}
