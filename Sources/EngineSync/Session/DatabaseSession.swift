import Foundation
public import PostgresClient

/// The one connection of a reconcile (or of a `migrate` command) and everything set on it.
///
/// It connects, sets the timeouts and `search_path` once, checks for a standby once, registers the connection
/// for cancellation (SIGTERM, the daemon's shutdown) and takes the advisory lock. Migrations, introspection,
/// Safe Sync and the reconcile log run over it and never set session state themselves: `reset()` restores
/// enginesync's settings after a migration, `use(_:)` switches the `search_path` between phases, and
/// `reconnect()` (after a connection lost during COMMIT) re-applies everything on a new connection.
///
/// The daemon keeps a session that ended cleanly for its next reconcile (`KeptSession`): `prepareToKeep()` puts it
/// back to a fresh connection's state (`DISCARD ALL`: no lock, no temporary table, default settings) and
/// `resume(progress:)` sets enginesync's settings again and asks `pg_is_in_recovery()` again.
///
/// Not `Sendable`: one reconcile, one thread.
public final class DatabaseSession {
    /// Which names resolve without a schema.
    public enum SearchPath: Sendable, Equatable {
        /// `"<schema>", pg_catalog`: migrations, so an unqualified name means the managed schema, never
        /// the role's default (`public`).
        case managedSchema
        /// `pg_catalog` only: introspection and Safe Sync, so that `format_type`, `pg_get_expr` and
        /// `pg_get_indexdef` qualify every name the same way whatever the schema (every DDL name is qualified).
        case catalogOnly
    }

    public private(set) var connection: PostgresConnection
    public let settings: SessionSettings
    /// Touched by long phases (the daemon's watchdog) and holding the cancel token of `connection`.
    public private(set) var progress: ReconcileProgress?
    /// The token registered with `progress`, forgotten when the session ends or is kept idle.
    private var registeredToken: PostgresCancelToken?
    /// `pg_is_in_recovery()` when the session opened (or was resumed). A standby is never written to.
    public private(set) var isStandby: Bool
    public private(set) var searchPath: SearchPath
    /// `nil` for an adopted connection, which cannot be re-opened.
    private let configuration: PostgresConfiguration?

    /// Connects and applies `settings` (and `searchPath`), then asks whether the server is a standby.
    public static func connect(
        _ configuration: PostgresConfiguration, settings: SessionSettings,
        searchPath: SearchPath = .managedSchema,
        progress: ReconcileProgress? = nil
    ) throws -> DatabaseSession {
        let connection = try PostgresConnection.connect(configuration)
        return try DatabaseSession(
            connection: connection, configuration: configuration, settings: settings,
            searchPath: searchPath, progress: progress)
    }

    /// A session over a connection the caller opened (a library user, a test); it cannot reconnect.
    public convenience init(
        adopting connection: PostgresConnection, settings: SessionSettings,
        searchPath: SearchPath = .managedSchema, progress: ReconcileProgress? = nil
    ) throws {
        try self.init(
            connection: connection, configuration: nil, settings: settings, searchPath: searchPath,
            progress: progress)
    }

    private init(
        connection: PostgresConnection, configuration: PostgresConfiguration?, settings: SessionSettings,
        searchPath: SearchPath, progress: ReconcileProgress?
    ) throws {
        self.connection = connection
        self.configuration = configuration
        self.settings = settings
        self.searchPath = searchPath
        self.progress = progress
        isStandby = false
        // A graceful shutdown cancels this session's running statement rather than waiting for it.
        registerCancelToken()
        try apply()
        isStandby = try Self.inRecovery(connection)
    }

    deinit {
        progress?.unregister(registeredToken)
    }

    private func registerCancelToken() {
        progress?.unregister(registeredToken)
        registeredToken = connection.cancelToken()
        progress?.register(registeredToken)
    }

    /// The names in `search_path` for `path`.
    public func schemas(for path: SearchPath) -> [String] {
        switch path {
        case .managedSchema: [settings.schema, "pg_catalog"]
        case .catalogOnly: ["pg_catalog"]
        }
    }

    /// Switches `search_path` (a phase change: migrations → introspection and Safe Sync).
    public func use(_ path: SearchPath) throws {
        guard path != searchPath else { return }
        try connection.setSearchPath(schemas(for: path))
        searchPath = path
    }

    /// Back to enginesync's own settings after a migration: `RESET ALL` (server, role, database and
    /// connection defaults), `SET SESSION AUTHORIZATION DEFAULT` and `RESET ROLE` (which `RESET ALL` skips),
    /// then the timeouts and `search_path` again. Whatever a migration SET (`lock_timeout = 0`,
    /// `search_path = ''`, `SET ROLE`) does not carry over.
    public func reset() throws {
        try connection.query("RESET ALL")
        try restoreIdentity()
        try apply()
    }

    /// Back to the role enginesync logged in as, also inside a transaction: a migration's `SET ROLE` or `SET
    /// SESSION AUTHORIZATION` must not decide who writes its own `engine_migrations` row (any user may do both).
    public func restoreIdentity() throws {
        try connection.query("SET SESSION AUTHORIZATION DEFAULT")
        try connection.query("RESET ROLE")
    }

    /// Replaces a lost connection with a new one carrying the same settings; throws for an adopted connection.
    public func reconnect() throws {
        guard let configuration else { throw CannotReconnect() }
        let fresh = try PostgresConnection.connect(configuration)
        connection = fresh
        registerCancelToken()
        try apply()
        isStandby = try Self.inRecovery(fresh)
    }

    /// Whether this session's connection was opened from a configuration (not adopted), so it can be kept and
    /// re-opened.
    var canReconnect: Bool { configuration != nil }

    /// Makes a session that ended cleanly fit to wait idle for the next reconcile, or says it is not
    /// (`false`: close it). Only a connected session outside any transaction qualifies; `DISCARD ALL` then
    /// releases every session-level advisory lock (the enginesync lock is already released; anything a migration
    /// took goes too), drops temporary tables, deallocates prepared statements and resets every setting, and
    /// `RESET ROLE` undoes a migration's `SET ROLE`: what a new connection would be, with the backend's caches
    /// still warm. The cancel token is unregistered: a shutdown has nothing to cancel on an idle session.
    ///
    /// A connection that carried a message of `maxKeptMessageBytes` or more (the whole snapshot document of a large
    /// DSL, a big migration) is not kept either: libpq keeps buffers the size of the largest message until the
    /// connection closes (8 MiB after storing a 1,000-model snapshot), and the next reconcile connects again.
    package func prepareToKeep() -> Bool {
        guard canReconnect, connection.isConnected, connection.isIdleOutsideTransaction,
            connection.largestMessageBytes < Self.maxKeptMessageBytes
        else { return false }
        do {
            try connection.query("DISCARD ALL")
            try connection.query("RESET ROLE")
        } catch {
            return false
        }
        guard connection.isIdleOutsideTransaction else { return false }
        progress?.unregister(registeredToken)
        registeredToken = nil
        progress = nil
        searchPath = .managedSchema
        return true
    }

    /// The largest message a connection may have carried and still be kept idle (1 MiB: libpq's buffers then
    /// hold at most 2 MiB; a 100-model snapshot document is ~0.4 MB).
    package static let maxKeptMessageBytes = 1 << 20

    /// Takes a kept session up for a new reconcile: registers the cancel token with `progress`, sets the
    /// timeouts and `search_path` (`.managedSchema`, as `connect` does) and asks `pg_is_in_recovery()` again, in
    /// one round trip: a promotion or demotion since the last reconcile is seen. Throws when the connection died
    /// while idle (server restart, `pg_terminate_backend`, `idle_session_timeout`, network): the caller opens a
    /// new session instead; nothing was done on this one.
    package func resume(progress: ReconcileProgress?) throws {
        self.progress = progress
        registerCancelToken()
        searchPath = .managedSchema
        var settingsToSet = PostgresConnection.timeoutSettings(
            lock: settings.timeouts.lock, statement: settings.timeouts.statement,
            idleInTransaction: settings.timeouts.idleInTransaction)
        let path = try schemas(for: .managedSchema).map { try connection.escapeIdentifier($0) }
            .joined(separator: ", ")
        settingsToSet.append(("search_path", path))
        var parameters: [(any PostgresBindable)?] = []
        var columns: [String] = []
        for setting in settingsToSet {
            columns.append("pg_catalog.set_config($\(parameters.count + 1), $\(parameters.count + 2), false)")
            parameters += [setting.name, setting.value]
        }
        columns.append("pg_catalog.pg_is_in_recovery() AS standby")
        let row = try connection.query("SELECT " + columns.joined(separator: ", "), parameters).first
        isStandby = try row?.bool("standby") == true
    }

    /// A second connection to the same database with this session's timeouts and `search_path` `pg_catalog`, for
    /// reading the catalog on two server cores (`CatalogReader.read(_:columnsConnection:)`); closed when dropped.
    /// It takes no lock and sets nothing else: it only reads. Throws for an adopted session (no configuration).
    public func openCatalogConnection() throws -> PostgresConnection {
        guard let configuration else { throw CannotReconnect() }
        let connection = try PostgresConnection.connect(configuration)
        try connection.setTimeouts(
            lock: settings.timeouts.lock, statement: settings.timeouts.statement,
            idleInTransaction: settings.timeouts.idleInTransaction)
        try connection.setSearchPath(schemas(for: .catalogOnly))
        return connection
    }

    /// Runs `body` holding `EngineSyncLock`, waiting up to `wait` for it; a stop request (SIGINT/SIGTERM of a
    /// one-shot command) ends the wait at once.
    public func withAdvisoryLock<Value>(
        wait: Duration, keepWaiting: () -> Bool = { true },
        _ body: () throws -> Value
    ) throws -> EngineSyncLock.Outcome<Value> {
        progress?.touch()
        let progress = self.progress
        return try EngineSyncLock.withAdvisoryLock(
            connection, wait: wait, stop: { progress?.isStopRequested ?? false }, keepWaiting: keepWaiting,
            body)
    }

    private func apply() throws {
        try connection.setTimeouts(
            lock: settings.timeouts.lock, statement: settings.timeouts.statement,
            idleInTransaction: settings.timeouts.idleInTransaction)
        try connection.setSearchPath(schemas(for: searchPath))
    }

    private static func inRecovery(_ connection: PostgresConnection) throws -> Bool {
        try connection.query("SELECT pg_catalog.pg_is_in_recovery() AS standby").first?.bool("standby") == true
    }

    /// `reconnect()` on a session over an adopted connection.
    public struct CannotReconnect: Error, CustomStringConvertible {
        public var description: String { "the session's connection was opened by the caller and cannot be re-opened" }
    }
}
