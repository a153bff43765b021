import Foundation
public import PostgresClient

/// A database of its own for one test, created in the scratch cluster and dropped afterwards,
/// so suites run in parallel and leave nothing behind.
public final class ScratchDatabase: @unchecked Sendable {
    public let name: String
    public let host: String
    public let port: String
    public let user: String

    public init(prefix: String = "es") throws {
        let server = try TestEnvironment.postgresServer()
        host = server.host
        port = server.port
        user = server.user
        name = "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())_\(ProcessInfo.processInfo.processIdentifier)"
        let admin = try PostgresConnection.connect(
            Self.configuration(host: host, port: port, user: user, database: "postgres"))
        try admin.query("CREATE DATABASE " + admin.escapeIdentifier(name))
    }

    deinit {
        guard
            let admin = try? PostgresConnection.connect(
                Self.configuration(host: host, port: port, user: user, database: "postgres"))
        else { return }
        _ = try? admin.query("DROP DATABASE IF EXISTS \((try? admin.escapeIdentifier(name)) ?? "\"\"") WITH (FORCE)")
    }

    /// A conninfo string for this database (no password: the scratch cluster trusts local sockets).
    public var dsn: String { "host=\(host) port=\(port) user=\(user) dbname=\(name)" }

    public var configuration: PostgresConfiguration { PostgresConfiguration(dsn: dsn, connectTimeoutSeconds: 5) }

    public func connect() throws -> PostgresConnection { try PostgresConnection.connect(configuration) }

    /// Runs `body` with a fresh database and a connection to it; the database is dropped afterwards.
    ///
    /// Prefer this to holding a `ScratchDatabase` in a local: Swift may release an unused local early,
    /// and the drop would then cut the test's connection.
    public static func with<T>(_ body: (ScratchDatabase, PostgresConnection) throws -> T) throws -> T {
        let database = try ScratchDatabase()
        return try withExtendedLifetime(database) {
            let connection = try database.connect()
            return try body(database, connection)
        }
    }

    static func configuration(host: String, port: String, user: String, database: String) -> PostgresConfiguration {
        PostgresConfiguration(
            dsn: "host=\(host) port=\(port) user=\(user) dbname=\(database)", connectTimeoutSeconds: 5)
    }
}
