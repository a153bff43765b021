public import EngineSyncCore
import Foundation
public import Logging
public import PostgresClient

/// Safe Sync (SPEC 4): introspect, plan against the snapshot, apply the safe part in ONE transaction
/// together with the snapshot row and the reconcile-log row, then build large indexes concurrently.
///
/// Never throws: every failure becomes a report with outcome `failed` (database rolled back) or
/// `invalid`. The caller holds the advisory lock and has run pending migrations.
public final class SafeSync {
    public struct Result: Sendable {
        public var report: ReconcileReport
        public var plan: Plan?
        /// The `engine_reconciles` row id, when one was written.
        public var logID: Int?
    }

    let connection: PostgresConnection
    let codec: any SnapshotCodec
    let options: SafeSyncOptions
    let logger: Logger
    /// Opens a new session after the connection dropped during COMMIT.
    let reconnect: (() throws -> PostgresConnection)?
    /// The daemon's compiled snapshot from its previous reconcile (`nil` for one-shot commands).
    let snapshotCache: SnapshotCache?
    /// Touched when introspection and applying start and before each DDL statement (the daemon's watchdog).
    let progress: ReconcileProgress?

    public init(connection: PostgresConnection, codec: any SnapshotCodec, options: SafeSyncOptions, logger: Logger,
                reconnect: (() throws -> PostgresConnection)? = nil, snapshotCache: SnapshotCache? = nil,
                progress: ReconcileProgress? = nil) {
        self.connection = connection
        self.codec = codec
        self.options = options
        self.logger = logger
        self.reconnect = reconnect
        self.snapshotCache = snapshotCache
        self.progress = progress
    }

    var schema: String { options.planner.schema }

    public func reconcile(desired: CompiledDSL, context: ReconcileContext) -> Result {
        let started = Date()
        var draft = ReportDraft(context: context, started: started)
        do {
            return try run(desired: desired, draft: &draft)
        } catch {
            draft.errors.append(ReportDraft.message(for: error))
            logger.error("safe sync failed", metadata: ["error": "\(error)"])
            let report = draft.finish(outcome: .failed)
            var logID: Int?
            if !options.dryRun, connection.isConnected {
                logID = try? recordFailure(report, context: context)
            }
            return Result(report: report, plan: nil, logID: logID)
        }
    }

    private func run(desired: CompiledDSL, draft: inout ReportDraft) throws -> Result {
        try connection.setTimeouts(lockMilliseconds: options.lockTimeoutMilliseconds,
                                   statementMilliseconds: options.statementTimeoutMilliseconds,
                                   idleInTransactionMilliseconds: options.idleInTransactionTimeoutMilliseconds)
        // format_type / pg_get_expr output depends on search_path; every DDL name is schema-qualified.
        try connection.setSearchPath(["pg_catalog"])
        if try connection.query("SELECT pg_catalog.pg_is_in_recovery() AS standby").first?.bool("standby") == true {
            draft.warnings.append(.init(code: "standby", message: "the server is a standby (pg_is_in_recovery); nothing applied"))
            return Result(report: draft.finish(outcome: .standby), plan: nil, logID: nil)
        }

        progress?.touch()
        var reader = CatalogReader(schema: schema)
        let live = try reader.read(connection) { progress?.touch() }
        let store = SnapshotStore(schema: schema, table: desired.snapshotTable)
        let snapshotRow = try store.latest(connection, live: live, document: false)
        if options.requireSnapshot && snapshotRow == nil {
            draft.errors.append(.init(code: "no_snapshot", message: "require_snapshot is set and schema '\(schema)' has no "
                + "snapshot row in '\(desired.snapshotTable)': is this the right database?"))
            return Result(report: draft.finish(outcome: .invalid), plan: nil, logID: nil)
        }
        var snapshot: CompiledDSL?
        if let snapshotRow {
            if snapshotRow.hash == desired.hash {
                // The stored document is the desired one (same canonical hash): no need to fetch or recompile it.
                snapshot = desired
            } else if let cached = snapshotCache?.compiled(hash: snapshotRow.hash) {
                snapshot = cached
            } else {
                let json = try store.document(connection, id: snapshotRow.id)
                do {
                    let compiled = try codec.compileSnapshot(json: json)
                    snapshot = compiled
                    if compiled.hash == snapshotRow.hash { snapshotCache?.remember(compiled) }
                } catch {
                    draft.warnings.append(.init(code: "snapshot_unreadable", message: "snapshot row \(snapshotRow.id) could not "
                        + "be compiled (\(error)); planning as a first run: nothing is dropped"))
                }
            }
        }

        if var adopted = snapshot, live.table(named: desired.snapshotTable)?.column(named: "commit") == nil,
           let position = adopted.schema.tables.firstIndex(where: { $0.name == desired.snapshotTable }) {
            // A snapshot table without enginesync's `commit` column (written by EngineJS): the snapshot model's
            // augmentation adds the column to the compiled snapshot, but it was never live, so adding it is not
            // "dropped by hand, re-created" drift.
            adopted.schema.tables[position].columns.removeAll { $0.name == "commit" }
            snapshot = adopted
        }
        let plan = Planner(options: options.planner).plan(desired: desired, snapshot: snapshot, live: live)
        var effectiveDocument = plan.effectiveDocument
        // Nothing left to a migration: the effective document is the desired one, whose hash the compiler computed.
        let isDesired = effectiveDocument == desired.document
        var effectiveHash = isDesired ? desired.hash : codec.hash(effectiveDocument)
        var snapshotChanged = effectiveHash != snapshotRow?.hash
        draft.snapshot = .init(id: snapshotRow?.id, hash: effectiveHash, changed: snapshotChanged,
                               sha256: isDesired ? desired.contentHash : codec.contentHash(effectiveDocument))
        var storedHash = snapshotRow?.hash
        var snapshotWithheld = false
        /// Unique indexes that met duplicates were never built: the stored snapshot leaves them out (SPEC 4.5).
        func excludeConflicts(_ conflicts: [PlannedChange]) {
            let names = conflicts.compactMap(\.index)
            guard !names.isEmpty else { return }
            effectiveDocument = EffectiveSnapshot.removingUniqueIndexes(named: names, from: effectiveDocument, desired: desired)
            effectiveHash = codec.hash(effectiveDocument)
            snapshotChanged = effectiveHash != storedHash
            draft.snapshot.hash = effectiveHash
            draft.snapshot.sha256 = codec.contentHash(effectiveDocument)
            draft.snapshot.changed = effectiveHash != snapshotRow?.hash
        }
        try draft.add(drift: plan.drift, manual: plan.manual, with: connection)

        if options.dryRun {
            try draft.add(applied: plan.safe, with: connection)
            try draft.add(blocked: plan.blocked, with: connection)
            return Result(report: draft.finish(outcome: plan.blocked.isEmpty ? .synced : .blocked), plan: plan, logID: nil)
        }

        var applied: [PlannedChange] = []
        var blocked = plan.blocked
        let attemptID = UUID().uuidString
        let log = ReconcileLog(schema: schema)
        var logID = 0
        var reachedCommit = false
        /// The session after COMMIT: a new one when the connection dropped during COMMIT.
        var session = connection
        do {
            progress?.touch()
            try connection.withTransaction {
                for change in plan.safe where !change.concurrently {
                    if change.isUniqueIndexBuild || change.isForeignKeyRestore {
                        do {
                            try connection.withSavepoint("enginesync_guarded_change") {
                                for statement in change.statements { try apply(statement, on: connection) }
                            }
                            applied.append(change)
                        } catch let error as PostgresError where error.sqlState == .uniqueViolation && change.isUniqueIndexBuild {
                            blocked.append(Self.uniqueConflict(change, error: error, ddl: DDL(schema: schema)))
                        } catch let error as PostgresError where error.sqlState == .foreignKeyViolation && change.isForeignKeyRestore {
                            blocked.append(Self.foreignKeyConflict(change, error: error))
                        }
                    } else {
                        for statement in change.statements { try apply(statement) }
                        applied.append(change)
                    }
                }
                progress?.touch()
                try log.ensureTable(connection)
                excludeConflicts(blocked.filter { $0.kind == .uniqueConflict })
                if snapshotRow == nil, blocked.contains(where: { $0.kind != .uniqueConflict }) {
                    // A first run with blocked changes: the old definitions are unknown without a snapshot, and
                    // storing the DSL would turn each blocked change into "changed by hand" drift next time.
                    // Plan as a first run again until they are resolved.
                    snapshotWithheld = true
                    snapshotChanged = false
                    draft.snapshot = .init(id: nil, hash: nil, changed: false)
                    draft.warnings.append(.init(code: "snapshot_withheld", message: "no snapshot is recorded while this "
                        + "first reconcile has blocked changes; resolve them (or their migrations) and the next reconcile "
                        + "records it"))
                }
                if snapshotChanged {
                    draft.snapshot.id = try store.insert(connection, hash: effectiveHash, json: codec.canonicalJSON(effectiveDocument),
                                                         commit: draft.context.commit?.sha,
                                                         table: desired.schema.table(named: desired.snapshotTable))
                    storedHash = effectiveHash
                }
                try draft.add(applied: applied, with: connection)
                try draft.add(blocked: blocked, with: connection)
                let report = draft.finish(outcome: blocked.isEmpty ? .synced : .blocked)
                logID = try log.insert(connection, attemptID: attemptID, report: report, trees: draft.context.trees)
                reachedCommit = true
            }
            if effectiveHash == desired.hash { snapshotCache?.remember(desired) }
        } catch let error as PostgresError where reachedCommit && error.isConnectionLoss {
            // The COMMIT's outcome is unknown: ask the database before deciding (SPEC 4.3).
            logger.warning("connection lost during COMMIT; checking engine_reconciles", metadata: ["db.attempt": "\(attemptID)"])
            guard let reconnect, let fresh = try? reconnect(), let id = try log.attemptCommitted(fresh, attemptID: attemptID) else {
                throw error
            }
            logID = id
            draft.warnings.append(.init(code: "commit_connection_lost", message: "the connection dropped during COMMIT; "
                + "engine_reconciles shows the transaction committed"))
            // The attempt id was written in the same transaction, so its row is proof the whole transaction
            // committed; the rest (large indexes, the log update) continues on the new session.
            session = fresh
            try session.setTimeouts(lockMilliseconds: options.lockTimeoutMilliseconds,
                                    statementMilliseconds: options.statementTimeoutMilliseconds,
                                    idleInTransactionMilliseconds: options.idleInTransactionTimeoutMilliseconds)
            try session.setSearchPath(["pg_catalog"])
        }

        // Large indexes: after COMMIT, one by one, CONCURRENTLY (SPEC 4.3).
        var concurrentFailure = false
        for change in plan.safe where change.concurrently {
            do {
                for statement in change.statements { try apply(statement, on: session) }
                applied.append(change)
                try draft.add(applied: [change], with: session)
            } catch let error as PostgresError where error.sqlState == .uniqueViolation {
                let conflict = Self.uniqueConflict(change, error: error, ddl: DDL(schema: schema))
                blocked.append(conflict)
                try draft.add(blocked: [conflict], with: session)
                if let index = change.index { _ = try? session.run(DDL(schema: schema).dropIndex(index, concurrently: true)) }
            } catch {
                // The invalid leftover is dropped and rebuilt on the next reconcile.
                concurrentFailure = true
                draft.errors.append(ReportDraft.message(for: error))
            }
        }
        let concurrentConflicts = blocked.filter { conflict in
            conflict.kind == .uniqueConflict && plan.safe.contains { $0.concurrently && $0.index == conflict.index }
        }
        if !concurrentConflicts.isEmpty, !snapshotWithheld {
            excludeConflicts(concurrentConflicts)
            if snapshotChanged {
                draft.snapshot.id = try store.insert(session, hash: effectiveHash, json: codec.canonicalJSON(effectiveDocument),
                                                     commit: draft.context.commit?.sha,
                                                     table: desired.schema.table(named: desired.snapshotTable))
            }
        }
        let outcome: ReconcileOutcome = concurrentFailure ? .failed : (blocked.isEmpty ? .synced : .blocked)
        let report = draft.finish(outcome: outcome)
        if plan.safe.contains(where: \.concurrently) {
            try log.update(session, id: logID, report: report)
        }
        return Result(report: report, plan: plan, logID: logID)
    }

    /// One planned statement; each may run up to statement_timeout, which the daemon's watchdog allows per touch.
    /// Runs one planned statement, marking progress for the watchdog first.
    private func apply(_ statement: SQL, on session: PostgresConnection? = nil) throws {
        progress?.touch()
        try (session ?? connection).run(statement)
    }

    private func recordFailure(_ report: ReconcileReport, context: ReconcileContext) throws -> Int {
        let log = ReconcileLog(schema: schema)
        try log.ensureTable(connection)
        return try log.insert(connection, attemptID: UUID().uuidString, report: report, trees: context.trees)
    }

    /// A foreign key dropped by hand that existing rows now violate: blocked, with the re-creation as its migration.
    static func foreignKeyConflict(_ change: PlannedChange, error: PostgresError) -> PlannedChange {
        var conflict = change
        conflict.isForeignKeyRestore = false
        conflict.reason = "the foreign key was dropped outside enginesync and existing rows now violate it: "
            + "\(error.detail ?? error.message); fix the rows, then the key is re-created on the next reconcile"
        conflict.migrationName = "restore_foreign_key_\(change.table)_\(change.column ?? "")"
        return conflict
    }

    static func uniqueConflict(_ change: PlannedChange, error: PostgresError, ddl: DDL) -> PlannedChange {
        var conflict = change
        conflict.kind = .uniqueConflict
        conflict.reason = "existing rows collide: \(error.detail ?? error.message); resolve the duplicates, then the "
            + "index is built on the next reconcile"
        // The CREATE INDEX is always the change's last statement (an invalid leftover's DROP comes first).
        conflict.statements = change.statements.last.map { [$0] } ?? []
        conflict.migrationName = "resolve_duplicates_\(change.index ?? change.table)"
        conflict.concurrently = false
        return conflict
    }
}
