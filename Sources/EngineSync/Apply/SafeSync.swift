package import EngineSyncCore
import Foundation
package import Logging
import PostgresClient

/// Safe Sync (SPEC 4): introspect, plan against the snapshot, apply the safe part in ONE transaction
/// together with the snapshot row and the reconcile-log row, then build large indexes concurrently.
///
/// Never throws: every failure becomes a report with outcome `failed` (database rolled back) or
/// `invalid`. The caller holds the advisory lock and has run pending migrations.
package final class SafeSync {
    package struct Result: Sendable {
        package var report: ReconcileReport
        package var plan: Plan?
        /// The `engine_reconciles` row id, when one was written.
        package var logID: Int?
    }

    /// The reconcile's session: connection, timeouts, `search_path`, progress token; after a connection lost
    /// during COMMIT, `session.reconnect()` continues on a new connection with the same settings.
    let session: DatabaseSession
    let codec: any SnapshotCodec
    let options: SafeSyncOptions
    let logger: Logger
    /// The daemon's compiled snapshot from its previous reconcile (`nil` for one-shot commands).
    let snapshotCache: SnapshotCache?
    /// The daemon's live schema from its previous reads (incremental introspection); `nil`: a full read.
    let liveSchemaCache: LiveSchemaCache?
    var connection: PostgresConnection { session.connection }
    /// Touched when introspection and applying start and before each DDL statement (the daemon's watchdog).
    var progress: ReconcileProgress? { session.progress }

    package init(
        session: DatabaseSession, codec: any SnapshotCodec, options: SafeSyncOptions, logger: Logger,
        snapshotCache: SnapshotCache? = nil, liveSchemaCache: LiveSchemaCache? = nil
    ) {
        self.session = session
        self.codec = codec
        self.options = options
        self.logger = logger
        self.snapshotCache = snapshotCache
        self.liveSchemaCache = liveSchemaCache
    }

    var schema: String { options.planner.schema }

    /// Plans and applies; `draft` is the reconcile's report so far (its start time, commit, migrations and
    /// warnings), finished here. `live`: the catalog as the caller read it under the same lock, with nothing
    /// written since (a plan reads it while the DSL compiles); `nil` reads it here.
    package func reconcile(desired: CompiledDSL, draft: ReportDraft, live: Schema? = nil) -> Result {
        var draft = draft
        do {
            return try run(desired: desired, draft: &draft, live: live)
        } catch {
            draft.errors.append(ReportDraft.message(for: error))
            logger.error("safe sync failed", metadata: ["error": "\(error)"])
            let report = draft.finish(outcome: .failed)
            var logID: Int?
            if !options.dryRun, connection.isConnected {
                logID = try? recordFailure(report, context: draft.context)
            }
            return Result(report: report, plan: nil, logID: logID)
        }
    }

    /// What planning starts from: the live catalog and the stored snapshot.
    struct Baseline {
        var live: Schema
        var row: SnapshotRow?
        /// The stored snapshot compiled (`nil` on a first run or when it cannot be compiled).
        var snapshot: CompiledDSL?
    }

    /// Where applying stands: what was applied and blocked so far, and the snapshot to record.
    struct Progress {
        var applied: [PlannedChange] = []
        var blocked: [PlannedChange]
        var snapshot: SnapshotDecision
        var logID = 0
        /// The live snapshot table's `dsl` column is jsonb: a new row can be built from the previous one.
        var snapshotIsJSONB = false
        /// The patch from the daemon's last snapshot row to the desired document, being computed meanwhile.
        var pendingPatch: PendingSnapshotPatch?
    }

    private func run(desired: CompiledDSL, draft: inout ReportDraft, live: Schema?) throws -> Result {
        if session.isStandby {
            draft.warnings.append(
                .init(code: "standby", message: "the server is a standby (pg_is_in_recovery); nothing applied"))
            return Result(report: draft.finish(outcome: .standby), plan: nil, logID: nil)
        }
        try session.use(.catalogOnly)
        // The daemon's next snapshot row is likely a patch of its last one: compared while the catalog is read.
        let pendingPatch =
            options.dryRun ? nil : snapshotCache?.stored.map { PendingSnapshotPatch(from: $0, to: desired.document) }
        let store = SnapshotStore(schema: schema, table: desired.snapshotTable)
        let baseline = try readBaseline(desired: desired, store: store, live: live, draft: &draft)
        if options.requireSnapshot && baseline.row == nil {
            draft.errors.append(
                .init(
                    code: "no_snapshot",
                    message: "require_snapshot is set and schema '\(schema)' has no "
                        + "snapshot row in '\(desired.snapshotTable)': is this the right database?"))
            return Result(report: draft.finish(outcome: .invalid), plan: nil, logID: nil)
        }
        let plan = try makePlan(desired: desired, baseline: baseline)
        self.progress?.endPhase("backfill-gate")
        var progress = Progress(
            blocked: plan.blocked,
            snapshot: SnapshotDecision(
                effectiveDocument: plan.effectiveDocument, desired: desired, row: baseline.row.map { ($0.id, $0.hash) })
        )
        progress.pendingPatch = pendingPatch
        progress.snapshotIsJSONB =
            baseline.live.table(named: desired.snapshotTable)?.column(named: "dsl")?.type == .jsonb
            && SnapshotStore.canPatch(desired.schema.table(named: desired.snapshotTable))
        draft.snapshot = progress.snapshot.reportInfo
        try draft.add(drift: plan.drift, manual: plan.manual, with: connection)
        self.progress?.endPhase("plan-report")

        if options.dryRun {
            try draft.add(applied: plan.safe, with: connection)
            try draft.add(blocked: plan.blocked, with: connection)
            return Result(
                report: draft.finish(outcome: plan.blocked.isEmpty ? .synced : .blocked), plan: plan, logID: nil)
        }
        try applyInTransaction(plan, desired: desired, store: store, progress: &progress, draft: &draft)
        let concurrentFailure = try buildConcurrently(
            plan, desired: desired, store: store, progress: &progress,
            draft: &draft)
        let report = draft.finish(
            outcome: SnapshotDecision.outcome(
                blocked: progress.blocked,
                concurrentFailure: concurrentFailure))
        if plan.safe.contains(where: \.concurrently) {
            try ReconcileLog(schema: schema).update(connection, id: progress.logID, report: report)
        }
        return Result(report: report, plan: plan, logID: progress.logID)
    }

    // MARK: - Plan

    /// Reads the live catalog and the latest snapshot row, and compiles the snapshot (from the cache when the
    /// daemon compiled it last time).
    private func readBaseline(
        desired: CompiledDSL, store: SnapshotStore, live prefetched: Schema?, draft: inout ReportDraft
    ) throws -> Baseline {
        progress?.touch()
        let live: Schema
        if let prefetched {
            live = prefetched
        } else if let liveSchemaCache {
            live = try Self.readLive(
                connection, schema: schema, cache: liveSchemaCache, logger: logger, progress: progress)
        } else {
            var reader = CatalogReader(schema: schema)
            live = try reader.read(connection) { [progress] in progress?.touch() }
        }
        progress?.endPhase("introspect")
        defer { progress?.endPhase("snapshot") }
        guard var row = try store.latest(connection, live: live, document: false) else {
            return Baseline(live: live, row: nil, snapshot: nil)
        }
        if row.hash == desired.hash {
            // The stored document is the desired one (same canonical hash): no need to fetch or recompile it.
            return Baseline(live: live, row: row, snapshot: desired)
        }
        if let cached = snapshotCache?.compiled(hash: row.hash) {
            return Baseline(live: live, row: row, snapshot: cached)
        }
        let json = try store.document(connection, id: row.id)
        do {
            let compiled = try codec.compileSnapshot(json: json)
            // A `dsl` model without `hash` stores rows without it: the document's own hash stands in for it, so
            // an unchanged DSL is still recognised as stored.
            if row.hash.isEmpty { row.hash = compiled.hash }
            if compiled.hash == row.hash { snapshotCache?.remember(compiled) }
            return Baseline(live: live, row: row, snapshot: compiled)
        } catch {
            draft.warnings.append(
                .init(
                    code: "snapshot_unreadable",
                    message: "snapshot row \(row.id) could not "
                        + "be compiled (\(error)); planning as a first run: nothing is dropped"))
            return Baseline(live: live, row: row, snapshot: nil)
        }
    }

    /// The daemon's incremental read of the live schema (`LiveSchemaCache`), logged at debug level; the
    /// connection's `search_path` is `pg_catalog`.
    static func readLive(
        _ connection: PostgresConnection, schema: String, cache: LiveSchemaCache, logger: Logger,
        progress: ReconcileProgress?
    ) throws -> Schema {
        let read = try cache.read(connection, schema: schema) { progress?.touch() }
        logger.debug(
            "live schema read",
            metadata: [
                "introspect.full": "\(read.summary.full)", "introspect.tables": "\(read.summary.tablesRead)",
            ])
        return read.schema
    }

    /// The pure planner's plan, with large `auto_name` backfills gated (a read-only query each).
    private func makePlan(desired: CompiledDSL, baseline: Baseline) throws -> Plan {
        var snapshot = baseline.snapshot
        if var adopted = snapshot, baseline.live.table(named: desired.snapshotTable)?.column(named: "commit") == nil,
            let position = adopted.schema.tables.firstIndex(where: { $0.name == desired.snapshotTable })
        {
            // A snapshot table without enginesync's `commit` column (written by EngineJS): the snapshot model's
            // augmentation adds the column to the compiled snapshot, but it was never live, so adding it is not
            // "dropped by hand, re-created" drift.
            adopted.schema.tables[position].columns.removeAll { $0.name == "commit" }
            snapshot = adopted
        }
        var plan = Planner(options: options.planner).plan(
            desired: desired, snapshot: snapshot, live: baseline.live,
            snapshotWrittenByEngineJS: baseline.row.map { $0.commit == nil } ?? false)
        progress?.endPhase("plan")
        // Large auto_name backfills are blocked unless a migration already brought every row up to date.
        let ddl = DDL(schema: schema)
        try BackfillGate.apply(
            to: &plan, live: baseline.live, desired: desired, snapshot: snapshot, options: options.planner
        ) { table, columns in
            progress?.touch()
            return try connection.run(ddl.autoNameIsStale(table: table, columns: columns)).first?.bool("stale") ?? true
        }
        return plan
    }

    // MARK: - Apply

    /// Applies the plan's non-concurrent changes, the snapshot row and the log row in ONE transaction (new
    /// tables beyond the lock budget go first, in committed batches). After a connection lost during COMMIT,
    /// asks the database whether the transaction committed and carries on over a new connection if it did.
    private func applyInTransaction(
        _ plan: Plan, desired: CompiledDSL, store: SnapshotStore,
        progress: inout Progress, draft: inout ReportDraft
    ) throws {
        // A plan whose new tables would overflow PostgreSQL's lock table (issue 12 item 17): they are created
        // (with their indexes and foreign keys) and committed in batches first; the rest, the snapshot and the
        // log row follow in the one final transaction.
        let newTables = Set(plan.safe.filter { $0.kind == .createTable }.map(\.table))
        let split = Self.splitNewTables(
            plan.safe.filter { !$0.concurrently }, newTables: newTables, desired: desired, ddl: DDL(schema: schema),
            lockBudget: options.locksPerTransaction)
        if !split.batches.isEmpty {
            let tables = split.batches.joined().filter { $0.kind == .createTable }.count
            draft.warnings.append(
                .init(
                    code: "batched_create_tables",
                    message: "this plan creates \(tables) tables, more "
                        + "than one transaction may lock (about \(options.locksPerTransaction) locks; max_locks_per_transaction): "
                        + "they are created in \(split.batches.count) transactions, each committed, before the rest of the plan; "
                        + "if one fails, the tables already committed stay and the next reconcile continues from them"))
            logger.notice(
                "creating new tables in batches",
                metadata: ["tables": "\(tables)", "batches": "\(split.batches.count)"])
            for batch in split.batches {
                self.progress?.touch()
                try connection.withTransaction {
                    try applyChanges(batch, newTables: newTables, progress: &progress)
                }
            }
        }
        let attemptID = UUID().uuidString
        let log = ReconcileLog(schema: schema)
        do {
            self.progress?.touch()
            try connection.withTransaction {
                try applyChanges(split.rest, newTables: newTables, progress: &progress)
                self.progress?.endPhase("apply")
                self.progress?.touch()
                try log.ensureTable(connection)
                progress.snapshot.leaveOut(conflicts: progress.blocked, desired: desired)
                if progress.snapshot.withholdIfFirstRun(blocked: progress.blocked) {
                    draft.warnings.append(
                        .init(
                            code: "snapshot_withheld",
                            message: "no snapshot is recorded while this "
                                + "first reconcile has blocked changes; resolve them (or their migrations) and the next reconcile "
                                + "records it"))
                }
                try storeSnapshotIfNeeded(
                    &progress.snapshot, patchable: progress.snapshotIsJSONB, pending: progress.pendingPatch,
                    desired: desired, store: store, draft: draft)
                self.progress?.endPhase("snapshot-row")
                draft.snapshot = progress.snapshot.reportInfo
                try draft.add(applied: progress.applied, with: connection)
                try draft.add(blocked: progress.blocked, with: connection)
                let report = draft.finish(outcome: progress.blocked.isEmpty ? .synced : .blocked)
                progress.logID = try log.insert(
                    connection, attemptID: attemptID, report: report, trees: draft.context.trees)
                if let outbox = options.outbox {
                    try outbox.ensureTables(connection)
                    try outbox.record(connection, report: report)
                }
                self.progress?.endPhase("log-row")
            }
            self.progress?.endPhase("commit")
            if progress.snapshot.hash == desired.hash { snapshotCache?.remember(desired) }
        } catch let error as PostgresError where error.transactionPhase == .commit && error.isConnectionLoss {
            // The COMMIT's outcome is unknown: ask the database before deciding (SPEC 4.3).
            logger.warning(
                "connection lost during COMMIT; checking engine_reconciles", metadata: ["db.attempt": "\(attemptID)"])
            guard (try? session.reconnect()) != nil, let id = try log.attemptCommitted(connection, attemptID: attemptID)
            else {
                throw error
            }
            progress.logID = id
            draft.warnings.append(
                .init(
                    code: "commit_connection_lost",
                    message: "the connection dropped during COMMIT; "
                        + "engine_reconciles shows the transaction committed"))
            // The attempt id was written in the same transaction, so its row is proof the whole transaction
            // committed; the rest (large indexes, the log update) continues on the new connection, which
            // carries the same settings.
        }
    }

    /// The longest run of statements sent in one pipeline.
    static let pipelineLength = 128

    /// Applies `changes` in order in the open transaction. The statements that create a table of this plan, its
    /// indexes and its foreign keys go to the server in libpq pipelines (`pipelineLength` at a time): the next
    /// ones are rendered and sent while the server runs the first, instead of one round trip each. They touch
    /// only empty tables, so a pipeline is short and never waits on rows (`statement_timeout` covers a pipeline
    /// up to its sync on PostgreSQL 15); every other change runs statement by statement, as before. The first
    /// failing statement's error is thrown, naming that statement, as before.
    private func applyChanges(
        _ changes: [PlannedChange], newTables: Set<String>, progress: inout Progress
    ) throws {
        var run: [PlannedChange] = []
        var statements: [PostgresStatement] = []
        func flush() throws {
            guard !statements.isEmpty else { return }
            self.progress?.touch()
            try connection.pipeline(statements) { _, _ in self.progress?.touch() }
            progress.applied += run
            run = []
            statements = []
        }
        for change in changes {
            guard Self.isPipelinable(change, newTables: newTables) else {
                try flush()
                try applyChange(change, progress: &progress)
                continue
            }
            run.append(change)
            for statement in change.statements {
                statements.append(PostgresStatement(try statement.render(with: connection)))
            }
            if statements.count >= Self.pipelineLength { try flush() }
        }
        try flush()
    }

    /// A change on a table this plan creates that needs no savepoint: its CREATE TABLE, an index on it, a
    /// foreign key from it.
    package static func isPipelinable(_ change: PlannedChange, newTables: Set<String>) -> Bool {
        guard newTables.contains(change.table), !change.concurrently, !change.isUniqueIndexBuild,
            !change.isForeignKeyRestore
        else { return false }
        switch change.kind {
        case .createTable, .createIndex, .addForeignKey: return true
        default: return false
        }
    }

    /// One planned change. A unique index build or a foreign key restore runs under a savepoint: duplicates or
    /// orphan rows block that change (with a migration to fix the data) instead of failing the transaction.
    private func applyChange(_ change: PlannedChange, progress: inout Progress) throws {
        guard change.isUniqueIndexBuild || change.isForeignKeyRestore else {
            for statement in change.statements { try apply(statement) }
            progress.applied.append(change)
            return
        }
        do {
            try connection.withSavepoint("enginesync_guarded_change") {
                for statement in change.statements { try apply(statement) }
            }
            progress.applied.append(change)
        } catch let error as PostgresError where error.sqlState == .uniqueViolation && change.isUniqueIndexBuild {
            progress.blocked.append(Self.uniqueConflict(change, error: error, ddl: DDL(schema: schema)))
        } catch let error as PostgresError where error.sqlState == .foreignKeyViolation && change.isForeignKeyRestore {
            progress.blocked.append(Self.foreignKeyConflict(change, error: error))
        }
    }

    /// Large indexes: after COMMIT, one by one, CONCURRENTLY (SPEC 4.3). A build that meets duplicates is
    /// blocked and its invalid leftover dropped; the snapshot then leaves that index out. Returns whether a
    /// build failed for another reason (the leftover is dropped and rebuilt on the next reconcile).
    private func buildConcurrently(
        _ plan: Plan, desired: CompiledDSL, store: SnapshotStore, progress: inout Progress,
        draft: inout ReportDraft
    ) throws -> Bool {
        var failed = false
        var conflicts: [PlannedChange] = []
        for change in plan.safe where change.concurrently {
            do {
                for statement in change.statements { try apply(statement) }
                progress.applied.append(change)
                try draft.add(applied: [change], with: connection)
            } catch let error as PostgresError where error.sqlState == .uniqueViolation {
                let conflict = Self.uniqueConflict(change, error: error, ddl: DDL(schema: schema))
                progress.blocked.append(conflict)
                conflicts.append(conflict)
                try draft.add(blocked: [conflict], with: connection)
                if let index = change.index {
                    _ = try? connection.run(DDL(schema: schema).dropIndex(index, concurrently: true))
                }
            } catch {
                failed = true
                draft.errors.append(ReportDraft.message(for: error))
            }
        }
        if !conflicts.isEmpty, !progress.snapshot.withheld {
            progress.snapshot.leaveOut(conflicts: conflicts, desired: desired)
            try storeSnapshotIfNeeded(
                &progress.snapshot, patchable: progress.snapshotIsJSONB, pending: progress.pendingPatch,
                desired: desired, store: store, draft: draft)
            draft.snapshot = progress.snapshot.reportInfo
        }
        return failed
    }

    /// Inserts the snapshot row when the document is not the latest row's. The daemon (with a snapshot cache)
    /// sends it as a patch of the row it inserted last when it can (`patchable`: the `dsl` column is jsonb);
    /// otherwise, and when that row is no longer as inserted, the whole document.
    private func storeSnapshotIfNeeded(
        _ snapshot: inout SnapshotDecision, patchable: Bool, pending: PendingSnapshotPatch?, desired: CompiledDSL,
        store: SnapshotStore, draft: ReportDraft
    ) throws {
        guard snapshot.needsStore else { return }
        let definition = desired.schema.table(named: desired.snapshotTable)
        let commit = draft.context.commit?.sha
        if patchable, let snapshotCache, let previous = snapshotCache.stored,
            let patch = Self.patch(from: previous, to: snapshot.document, pending: pending)
        {
            let changedJSON = codec.canonicalJSON(patch.changed)
            progress?.endPhase("snapshot-json")
            if let row = try store.insert(
                connection, patching: previous.row, with: patch, changedJSON: changedJSON, hash: snapshot.hash,
                commit: commit, table: definition)
            {
                snapshotCache.rememberStored(.init(row: row, document: snapshot.document))
                snapshot.stored(id: row.id)
                logger.debug(
                    "snapshot row sent as a patch",
                    metadata: [
                        "snapshot.base": "\(previous.row.id)", "snapshot.changed": "\(patch.changed.count)",
                        "snapshot.removed": "\(patch.removed.count)",
                    ])
                return
            }
            logger.debug("snapshot row \(previous.row.id) is not as inserted; storing the whole document")
        }
        let json = codec.canonicalJSON(snapshot.document)
        progress?.endPhase("snapshot-json")
        let row = try store.insert(connection, hash: snapshot.hash, json: json, commit: commit, table: definition)
        snapshotCache?.rememberStored(.init(row: row, document: snapshot.document))
        snapshot.stored(id: row.id)
    }

    /// The patch from the row stored last to `document`: the one computed meanwhile when it is for the same two.
    private static func patch(
        from previous: SnapshotCache.StoredSnapshot, to document: JSONObject, pending: PendingSnapshotPatch?
    ) -> SnapshotPatch? {
        guard let pending else { return SnapshotPatch(from: previous.document, to: document) }
        return pending.patch(from: previous, to: document)
    }

    /// Runs one planned statement, marking progress for the watchdog first (each may run up to
    /// statement_timeout, which the watchdog allows per touch).
    private func apply(_ statement: SQL, on target: PostgresConnection? = nil) throws {
        progress?.touch()
        try (target ?? connection).run(statement)
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
        conflict.reason =
            "the foreign key was dropped outside enginesync and existing rows now violate it: "
            + "\(error.detail ?? error.message); fix the rows, then the key is re-created on the next reconcile"
        conflict.migrationName = "restore_foreign_key_\(change.table)_\(change.column ?? "")"
        return conflict
    }

    /// Splits the non-concurrent changes of a plan whose new tables (`newTables`, the plan's CREATE TABLEs) need
    /// more locks than `lockBudget`: batches of whole new tables (CREATE TABLE, then its indexes) within the
    /// budget, then batches of the foreign keys between them, and the rest for the final transaction. A plan within the budget is not
    /// split (`batches` empty): an ordinary reconcile stays one transaction.
    ///
    /// Locks are estimated per statement: a CREATE TABLE locks the table, its sequences, primary key index
    /// and TOAST table and index (5); an index 2 (it and its table); a foreign key 3 (both tables and the
    /// referenced index). A foreign key is batched when its own table is new and the referenced table is new
    /// too or untouched by the rest of the plan (so it never runs before a change it depends on).
    static func splitNewTables(
        _ changes: [PlannedChange], newTables: Set<String>, desired: CompiledDSL, ddl: DDL,
        lockBudget: Int
    ) -> (batches: [[PlannedChange]], rest: [PlannedChange]) {
        guard !newTables.isEmpty else { return ([], changes) }
        func cost(_ change: PlannedChange) -> Int {
            switch change.kind {
            case .createTable: 5
            case .addForeignKey: 3
            default: 2
            }
        }
        func belongsToNewTable(_ change: PlannedChange) -> Bool {
            newTables.contains(change.table) && (change.kind == .createTable || change.kind == .createIndex)
        }
        let tableWork = changes.filter(belongsToNewTable)
        let candidateKeys = changes.filter {
            $0.kind == .addForeignKey && newTables.contains($0.table) && !$0.isForeignKeyRestore
        }
        let otherTables = Set(changes.filter { !belongsToNewTable($0) && $0.kind != .addForeignKey }.map(\.table))
        let keys = candidateKeys.filter { change in
            guard
                let key = desired.schema.foreignKeys.first(where: {
                    $0.table == change.table && $0.columns.first == change.column
                        && change.statements == [ddl.addForeignKey($0)]
                })
            else { return false }
            return newTables.contains(key.referencedTable) || !otherTables.contains(key.referencedTable)
        }
        let total = (tableWork + keys).reduce(0) { $0 + cost($1) }
        guard total > lockBudget else { return ([], changes) }

        var batches: [[PlannedChange]] = []
        var current: [PlannedChange] = []
        var currentCost = 0
        func close() {
            if !current.isEmpty { batches.append(current) }
            current = []
            currentCost = 0
        }
        // Whole tables: a table and its indexes never straddle two transactions.
        var byTable: [String: [PlannedChange]] = [:]
        var order: [String] = []
        for change in tableWork {
            if byTable[change.table] == nil { order.append(change.table) }
            byTable[change.table, default: []].append(change)
        }
        for table in order {
            let group = byTable[table] ?? []
            let groupCost = group.reduce(0) { $0 + cost($1) }
            if currentCost > 0, currentCost + groupCost > lockBudget { close() }
            current += group
            currentCost += groupCost
        }
        close()
        for key in keys {
            if currentCost > 0, currentCost + cost(key) > lockBudget { close() }
            current.append(key)
            currentCost += cost(key)
        }
        close()
        let batched = Set(tableWork + keys)
        return (batches, changes.filter { !batched.contains($0) })
    }

    static func uniqueConflict(_ change: PlannedChange, error: PostgresError, ddl: DDL) -> PlannedChange {
        var conflict = change
        conflict.kind = .uniqueConflict
        conflict.reason =
            "existing rows collide: \(error.detail ?? error.message); resolve the duplicates, then the "
            + "index is built on the next reconcile"
        // The CREATE INDEX is always the change's last statement (an invalid leftover's DROP comes first).
        conflict.statements = change.statements.last.map { [$0] } ?? []
        conflict.migrationName = "resolve_duplicates_\(change.index ?? change.table)"
        conflict.concurrently = false
        return conflict
    }
}
