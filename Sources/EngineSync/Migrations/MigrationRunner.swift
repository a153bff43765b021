public import EngineSyncCore
import Foundation
import Logging
public import PostgresClient

/// Runs pending migrations once each, in id order (EngineJS's `localeCompare` order), recording each in `engine_migrations`.
///
/// Rules (SPEC 5, docs/MIGRATIONS.md):
/// - A transactional migration and its tracking row commit in one transaction: a crash leaves it neither
///   applied nor recorded.
/// - A non-transactional one (`-- enginesync: no-transaction`) is recorded `running`, runs statement by
///   statement, then becomes `applied` or `failed`; a `failed`/`running` row stops every later run until
///   `resolve` settles it.
/// - A changed checksum of an applied migration makes the run invalid: nothing runs.
/// - `up` and `resolve` hold `EngineSyncLock` (re-entrant, so a reconciler holding it may call them).
/// - An applied id recorded by another runner (EngineJS's JavaScript runner) with no migration here is
///   treated as applied and reported once (`recorded_by_other_runner`), by the `up` that marks its row
///   `origin = 'external'`; an id enginesync recorded whose file is gone warns `missing_file` every run.
///
/// Not `Sendable`: it runs over one `DatabaseSession`, which lives on one thread. Every method throws
/// `MigrationError`.
public final class MigrationRunner {
    /// The connection, its settings (schema, timeouts, `search_path`), the advisory lock and the progress token.
    public let session: DatabaseSession
    public let migrations: [Migration]
    public let options: MigrationRunnerOptions
    /// Warnings from loading (e.g. `ignored_file`), repeated in every status.
    public let loadWarnings: [MigrationWarning]
    private var logger: Logger { options.logger }
    private var connection: PostgresConnection { session.connection }
    private var schema: String { session.settings.schema }
    private var table: MigrationTrackingTable { MigrationTrackingTable(connection: connection, schema: schema) }

    public init(
        session: DatabaseSession, migrations: [Migration], loadWarnings: [MigrationWarning] = [],
        options: MigrationRunnerOptions = MigrationRunnerOptions()
    ) {
        self.session = session
        self.migrations = migrations.sorted { idPrecedes($0.id, $1.id) }
        self.loadWarnings = loadWarnings
        self.options = options
    }

    /// A runner for the migrations of a commit or directory (`MigrationLoader.load`).
    public convenience init(
        session: DatabaseSession, set: MigrationSet,
        options: MigrationRunnerOptions = MigrationRunnerOptions()
    ) {
        self.init(session: session, migrations: set.migrations, loadWarnings: set.warnings, options: options)
    }

    /// A runner over a connection the caller opened (a library user): enginesync's session settings
    /// (`settings`: schema, timeouts, `search_path`) are applied to it.
    public convenience init(
        connection: PostgresConnection, settings: SessionSettings = SessionSettings(),
        migrations: [Migration], loadWarnings: [MigrationWarning] = [],
        options: MigrationRunnerOptions = MigrationRunnerOptions()
    ) throws {
        self.init(
            session: try DatabaseSession(adopting: connection, settings: settings), migrations: migrations,
            loadWarnings: loadWarnings, options: options)
    }

    /// `init(connection:settings:migrations:…)` for a loaded `MigrationSet`.
    public convenience init(
        connection: PostgresConnection, settings: SessionSettings = SessionSettings(),
        set: MigrationSet, options: MigrationRunnerOptions = MigrationRunnerOptions()
    ) throws {
        try self.init(
            connection: connection, settings: settings, migrations: set.migrations, loadWarnings: set.warnings,
            options: options)
    }

    // MARK: - Status

    /// Executed, pending, failed, checksum mismatches and warnings. Read-only: it neither creates the
    /// tracking table nor takes the lock.
    public func status() throws -> MigrationStatus {
        try checkUniqueIDs()
        return makeStatus(rows: try readRows())
    }

    /// Whether the tracking table exists with all its columns, so that `up` with nothing pending changes no
    /// catalog (it creates or extends the table otherwise). Read-only, like `status()`.
    package func trackingTableIsComplete() throws -> Bool {
        try table.isComplete()
    }

    private func readRows() throws -> [MigrationTrackingTable.Row] {
        do {
            return try table.read()
        } catch {
            throw MigrationError.database(error, doing: "reading \(schema).\(MigrationTrackingTable.name)")
        }
    }

    /// Applied rows of another runner (EngineJS's JavaScript runner) with no migration of that id here.
    private func otherRunnerRows(_ rows: [MigrationTrackingTable.Row]) -> [MigrationTrackingTable.Row] {
        let ids = Set(migrations.map(\.id))
        return rows.filter { $0.isFromOtherRunner && !ids.contains($0.id) }.sorted { idPrecedes($0.id, $1.id) }
    }

    func makeStatus(rows: [MigrationTrackingTable.Row]) -> MigrationStatus {
        let byID = Dictionary(migrations.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let recorded = Dictionary(rows.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let executed = rows.filter { $0.state.isApplied }.map(\.id).sorted(by: idPrecedes)
        // Said once, by the `up` that acknowledges them (`acknowledgeOtherRunners`), never by status.
        let otherRunner = otherRunnerRows(rows).map(\.id)
        let otherRunnerIDs = Set(otherRunner)
        let failed = rows.filter { !$0.state.isApplied }.sorted { idPrecedes($0.id, $1.id) }
            .map { FailedMigration(id: $0.id, state: $0.state, file: byID[$0.id]?.file) }
        let pending = migrations.filter { recorded[$0.id] == nil }.map(\.id)
        var mismatches: [ChecksumMismatch] = []
        for migration in migrations {
            // Only applied rows are checked: fixing the file of a failed migration is the normal workflow.
            guard let row = recorded[migration.id], row.state.isApplied, let stored = row.checksum,
                let actual = migration.checksum, stored != actual
            else { continue }
            mismatches.append(
                ChecksumMismatch(id: migration.id, file: migration.file, recorded: stored, actual: actual))
        }
        var warnings = loadWarnings
        // Another runner's ids follow their own naming: they do not make this repository's migrations out of order.
        let highest = (executed.filter { !otherRunnerIDs.contains($0) } + failed.map(\.id)).max(by: idPrecedes)
        if let highest {
            for id in pending where idPrecedes(id, highest) {
                warnings.append(
                    MigrationWarning(
                        code: "out_of_order",
                        message: "'\(id)' sorts before the highest applied migration '\(highest)'; "
                            + "it is applied out of order", id: id, file: byID[id]?.file))
            }
        }
        for id in executed where byID[id] == nil && !otherRunnerIDs.contains(id) {
            warnings.append(
                MigrationWarning(
                    code: "missing_file",
                    message: "'\(id)' is recorded as applied but no migration has that id",
                    id: id))
        }
        return MigrationStatus(
            executed: executed, pending: pending, failed: failed, checksumMismatches: mismatches,
            warnings: warnings, recordedByOtherRunner: otherRunner)
    }

    static func otherRunnerWarning(id: String) -> MigrationWarning {
        MigrationWarning(
            code: "recorded_by_other_runner",
            message: "'\(id)' was recorded by another runner (such as EngineJS's MigrationRunner) and has "
                + "no migration here; it is treated as applied and not reported again", id: id)
    }

    private func checkUniqueIDs() throws {
        var seen: Set<String> = []
        for migration in migrations {
            guard seen.insert(migration.id).inserted else {
                throw MigrationError(
                    kind: .invalid, message: "duplicate migration id '\(migration.id)'",
                    id: migration.id, file: migration.file)
            }
            guard !migration.id.isEmpty, migration.id.utf8.count <= MigrationLoader.maxIDBytes else {
                throw MigrationError(
                    kind: .invalid, message: "a migration id must be 1 to 255 bytes",
                    id: migration.id, file: migration.file)
            }
        }
    }

    // MARK: - Up

    /// Runs every pending migration in order; returns what was applied.
    @discardableResult
    public func up() throws -> [AppliedMigration] {
        try upWithReport().applied
    }

    /// `up()` with the run's warnings (out of order, missing files, ignored files, and the ids of another runner
    /// this run is the first to see), for reports.
    public func upWithReport() throws -> MigrationRunReport {
        try withLock {
            try prepareSession()
            try checkUniqueIDs()
            let rows = try readRows()
            let status = makeStatus(rows: rows)
            status.warnings.forEach(log)
            if let first = status.checksumMismatches.first {
                let files = status.checksumMismatches.map { $0.file ?? $0.id }.joined(separator: ", ")
                throw MigrationError(
                    kind: .invalid,
                    message: "changed after it was applied (checksum \(first.recorded.prefix(12)) → "
                        + "\(first.actual.prefix(12))); nothing ran. Changed: \(files). Write a new migration instead",
                    id: first.id, file: first.file)
            }
            if let failed = status.failed.first {
                throw MigrationError(
                    kind: .unresolved,
                    message:
                        "is '\(failed.state)' from an earlier non-transactional run; no migration runs until it is "
                        + "settled: enginesync migrate resolve \(failed.id) --applied|--rolled-back",
                    id: failed.id, file: failed.file)
            }
            try backfillChecksums(status: status)
            var applied: [AppliedMigration] = []
            let byID = Dictionary(migrations.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            for id in status.pending {
                guard let migration = byID[id] else { continue }
                do {
                    // Each migration starts from enginesync's session, whatever the one before it SET.
                    try resetSession()
                    applied.append(try run(migration))
                } catch var error as MigrationError {
                    error.applied = applied
                    // Whatever the failed migration SET does not outlive it either (a reconcile records the failure).
                    if connection.isConnected { try? resetSession() }
                    throw error
                }
            }
            // … and so does what runs after the last one (Safe Sync in a reconcile).
            if !applied.isEmpty { try resetSession() }
            if applied.isEmpty { logger.info("no pending migrations") }
            let acknowledged = try acknowledgeOtherRunners(rows)
            return MigrationRunReport(applied: applied, warnings: status.warnings + acknowledged)
        }
    }

    /// Rows another runner recorded (no file here) that no run has reported yet: marked `origin = 'external'`
    /// in one transaction and reported by this run only. Done once every pending migration is applied, so a
    /// run that fails (whose report keeps only the error) leaves them to the next run that succeeds.
    private func acknowledgeOtherRunners(_ rows: [MigrationTrackingTable.Row]) throws -> [MigrationWarning] {
        let ids = otherRunnerRows(rows).filter { !$0.isAcknowledged }.map(\.id)
        guard !ids.isEmpty else { return [] }
        let table = self.table
        let acknowledged: [String]
        do {
            acknowledged = try connection.withTransaction { try ids.filter { try table.acknowledgeExternal(id: $0) } }
        } catch {
            throw MigrationError.database(
                error,
                doing: "acknowledging the migrations of another runner "
                    + "(\(ids.joined(separator: ", ")))")
        }
        let warnings = acknowledged.map(Self.otherRunnerWarning(id:))
        warnings.forEach(log)
        return warnings
    }

    private func log(_ warning: MigrationWarning) {
        logger.warning(
            "migration warning",
            metadata: [
                "migration.warning": "\(warning.code)", "migration.id": "\(warning.id ?? "")",
                "migration.file": "\(warning.file ?? "")", "migration.message": "\(warning.message)",
            ])
    }

    /// EngineJS rows (and rows written before checksums existed) get the current file's checksum, so a
    /// later edit is detected.
    private func backfillChecksums(status: MigrationStatus) throws {
        let executed = Set(status.executed)
        for migration in migrations where executed.contains(migration.id) {
            guard let checksum = migration.checksum else { continue }
            do {
                try table.setChecksum(id: migration.id, checksum: checksum, onlyWhenMissing: true)
            } catch {
                throw MigrationError.database(error, doing: "recording the checksum of \(migration.displayName)")
            }
        }
    }

    private func run(_ migration: Migration) throws -> AppliedMigration {
        var logger = self.logger
        logger[metadataKey: "migration.id"] = "\(migration.id)"
        if let file = migration.file { logger[metadataKey: "migration.file"] = "\(file)" }
        logger.info("applying migration", metadata: ["migration.transactional": "\(migration.transactional)"])
        let clock = ContinuousClock()
        let started = clock.now
        func elapsed() -> Int {
            let duration = clock.now - started
            return Int(duration.components.seconds) * 1000
                + Int(duration.components.attoseconds / 1_000_000_000_000_000)
        }
        if migration.transactional {
            do {
                try connection.withTransaction {
                    try perform(migration, logger: logger)
                    try session.restoreIdentity()
                    try table.insert(
                        id: migration.id, checksum: migration.checksum, commit: options.commit,
                        durationMs: elapsed(), state: .applied)
                }
            } catch {
                throw failure(error, migration: migration)
            }
        } else {
            do {
                try table.insert(
                    id: migration.id, checksum: migration.checksum, commit: options.commit,
                    durationMs: nil, state: .running)
            } catch {
                throw failure(error, migration: migration)
            }
            do {
                // Not cancelled by a shutdown: a half-run non-transactional migration would need a manual resolve.
                try withoutShutdownCancellation { try perform(migration, logger: logger) }
            } catch {
                let failure = failure(error, migration: migration)
                if connection.isConnected {
                    // The script may have opened its own transaction block (BEGIN) and left it aborted; outside
                    // one, ROLLBACK is only a warning.
                    _ = try? connection.query("ROLLBACK")
                    _ = connection.drainNotices()
                    // A row left `running` (connection gone) is treated like `failed`.
                    try? session.restoreIdentity()
                    try? table.update(id: migration.id, state: .failed, durationMs: elapsed())
                }
                throw failure
            }
            do {
                try session.restoreIdentity()
                try table.update(id: migration.id, state: .applied, durationMs: elapsed())
            } catch {
                throw failure(error, migration: migration)
            }
        }
        let applied = AppliedMigration(id: migration.id, durationMs: elapsed())
        logger.info("applied migration", metadata: ["migration.duration_ms": "\(applied.durationMs)"])
        return applied
    }

    private func withoutShutdownCancellation<T>(_ body: () throws -> T) rethrows -> T {
        guard let progress = session.progress else { return try body() }
        return try progress.withoutCancellation(body)
    }

    /// Runs the migration's body; a failing statement becomes a `MigrationError` with its line in the file.
    private func perform(_ migration: Migration, logger: Logger) throws {
        switch migration.body {
        case .sql(let statements):
            for statement in statements {
                // Each statement may run up to statement_timeout: the daemon's watchdog allows that much per touch.
                session.progress?.touch()
                do {
                    // One statement per simple query: CREATE INDEX CONCURRENTLY refuses a multi-statement one.
                    try connection.execute(script: statement.text)
                } catch let error as PostgresError {
                    let line = error.position.map(statement.line(atCharacterPosition:)) ?? statement.line
                    throw MigrationError(
                        kind: .failed, message: error.message, id: migration.id, file: migration.file,
                        line: line, sqlState: error.sqlState, postgresError: error)
                }
            }
        case .swift(let up):
            session.progress?.touch()
            try up(MigrationContext(migrationID: migration.id, connection: connection, logger: logger))
        }
    }

    private func failure(_ error: any Error, migration: Migration) -> MigrationError {
        var result: MigrationError
        if let error = error as? MigrationError {
            result = error
        } else if let error = error as? PostgresError {
            result = MigrationError(
                kind: .failed, message: error.message, sqlState: error.sqlState, postgresError: error)
        } else {
            result = MigrationError(kind: .failed, message: "\(error)")
        }
        result.kind = result.kind == .invalid ? .invalid : .failed
        result.id = result.id ?? migration.id
        result.file = result.file ?? migration.file
        if result.postgresError?.isConnectionLoss == true {
            result.message += " (connection lost: re-check engine_migrations before retrying)"
        }
        logger.error(
            "migration failed",
            metadata: [
                "migration.id": "\(migration.id)", "migration.file": "\(migration.file ?? "")",
                "migration.line": "\(result.line.map(String.init) ?? "")",
                "db.sqlstate": "\(result.sqlState?.rawValue ?? "")", "migration.error": "\(result.message)",
            ])
        return result
    }

    // MARK: - Resolve

    /// Settles a `failed` (or `running`) non-transactional migration: `applied` marks it done (with the
    /// current file's checksum), `rolledBack` deletes its row so the next `up` runs it again.
    public func resolve(id: String, as resolution: MigrationResolution) throws {
        try withLock {
            try prepareSession()
            let rows: [MigrationTrackingTable.Row]
            do {
                rows = try table.read()
            } catch {
                throw MigrationError.database(error, doing: "reading \(schema).\(MigrationTrackingTable.name)")
            }
            let file = migrations.first { $0.id == id }?.file
            guard let row = rows.first(where: { $0.id == id }) else {
                throw MigrationError(
                    kind: .notResolvable, message: "is not recorded in engine_migrations; nothing to resolve",
                    id: id, file: file)
            }
            guard !row.state.isApplied else {
                throw MigrationError(
                    kind: .notResolvable, message: "is already applied; only failed migrations are resolved",
                    id: id, file: file)
            }
            do {
                switch resolution {
                case .applied:
                    try connection.withTransaction {
                        try table.update(id: id, state: .applied, durationMs: nil)
                        if let checksum = migrations.first(where: { $0.id == id })?.checksum {
                            try table.setChecksum(id: id, checksum: checksum, onlyWhenMissing: false)
                        }
                    }
                case .rolledBack:
                    try table.delete(id: id)
                }
            } catch {
                throw MigrationError.database(error, doing: "resolving \(file ?? id)")
            }
            logger.notice(
                "resolved migration",
                metadata: [
                    "migration.id": "\(id)",
                    "migration.resolution": "\(resolution.rawValue)",
                ])
        }
    }

    // MARK: - Session

    /// Writes run under the advisory lock, and never on a standby: there every write fails as "read-only
    /// transaction", which would read as a broken migration rather than as the wrong server.
    private func withLock<T>(_ body: () throws -> T) throws -> T {
        if session.isStandby {
            throw MigrationError(
                kind: .standby,
                message: "the server is a standby (pg_is_in_recovery); nothing "
                    + "applied: point --database at the primary")
        }
        let outcome: EngineSyncLock.Outcome<T>
        do {
            outcome = try session.withAdvisoryLock(wait: options.lockWait, body)
        } catch let error as MigrationError {
            throw error
        } catch {
            throw MigrationError.database(error, doing: "migrations")
        }
        switch outcome {
        case .acquired(let value):
            return value
        case .heldElsewhere:
            throw MigrationError(
                kind: .lockHeld,
                message: "another enginesync holds the advisory lock "
                    + "\(EngineSyncLock.key) (waited \(options.lockWait)); skipped")
        }
    }

    private func prepareSession() throws {
        try resetSession()
        do {
            try table.ensure()
        } catch {
            throw MigrationError.database(error, doing: "preparing \(schema).\(MigrationTrackingTable.name)")
        }
    }

    /// enginesync's own session settings, restored before every migration and after the last one
    /// (docs/MIGRATIONS.md, "Session settings"; `DatabaseSession.reset`), with `search_path` =
    /// `"<schema>", pg_catalog`, so an unqualified name in a migration means the managed schema.
    public func resetSession() throws {
        do {
            try session.reset()
            try session.use(.managedSchema)
        } catch {
            throw MigrationError.database(error, doing: "restoring enginesync's session settings")
        }
    }
}
