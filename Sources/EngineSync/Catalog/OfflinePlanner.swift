public import EngineSyncCore
import Foundation
import GitClient

/// `plan --catalog`: the plan `plan` would print against a database, computed from that database's exported
/// `catalog.json` instead of a connection (issue 18). Same compiler, same pure `Planner`, same lint, same report.
///
/// It follows the dry-run path of `Reconciler` and `SafeSync` step by step (the equivalence test in
/// `OfflinePlanTests` holds them together). Two answers need the data and are taken conservatively: an
/// `auto_name` backfill on a table over `max_rewrite_rows` is shown blocked (online, a table whose rows are all up
/// to date is skipped), and the server's refusal of a migration is not known until it runs.
public struct OfflinePlanner {
    public let options: ReconcilerOptions

    public init(options: ReconcilerOptions) {
        self.options = options
    }

    /// Plans `source` against `catalog`. Never throws: problems are report errors, as with `Reconciler`.
    public func plan(_ source: ReconcileSource, catalog: CatalogFile) -> Reconciler.Result {
        var draft = ReportDraft(
            context: ReconcileContext(branch: options.branch, source: source.description), started: Date())
        let input: SourceInput
        do {
            input = try SourceInput.read(source, options: options)
        } catch {
            draft.errors.append(.init(code: "source_unreadable", message: "\(error)"))
            return Reconciler.Result(
                report: draft.finish(outcome: .failed), plan: nil, reportName: "source-error", commit: nil)
        }
        draft.context.commit = input.commitInfo
        draft.context.trees = ReconcileLog.Trees(dsl: input.dslTree?.hex, migrations: input.migrationsTree?.hex)
        draft.warnings += input.compilation.warnings.map(ReconcileReport.Message.init)
        let reportName = input.commit?.id.hex ?? input.compilation.compiled?.contentHash ?? "invalid"
        func finish(_ outcome: ReconcileOutcome, _ plan: Plan? = nil) -> Reconciler.Result {
            Reconciler.Result(
                report: draft.finish(outcome: outcome), plan: plan, reportName: reportName, commit: input.commit?.id)
        }

        guard let desired = input.compilation.compiled else {
            draft.errors += input.compilation.errors.map(ReconcileReport.Message.init)
            return finish(.invalid)
        }
        let migrations: MigrationSet
        switch input.migrations {
        case .success(let set):
            migrations = set
            draft.warnings += set.warnings.map { .init(code: $0.code, message: $0.message, file: $0.file) }
        case .failure(let error):
            draft.errors.append(ReportDraft.message(for: error))
            return finish(.invalid)
        }
        let schema = options.safeSync.planner.schema
        guard catalog.schema == schema else {
            draft.errors.append(
                .init(
                    code: "catalog_schema_mismatch",
                    message: "the catalog describes schema "
                        + "'\(catalog.schema)', the plan is for schema '\(schema)' (--schema)"))
            return finish(.invalid)
        }
        let live: Schema
        do {
            live = try catalog.liveSchema()
        } catch {
            draft.errors.append(.init(code: "catalog_invalid", message: error.message))
            return finish(.invalid)
        }

        // The commit range since the last reconcile that reached the database (Reconciler's locked step).
        guard
            input.placeAfter(
                catalog.lastReconciledCommit, refuseNonFastForward: options.refuseNonFastForward, in: &draft)
        else { return finish(.invalid) }

        // Migrations: pending, failed and edited ones from the catalog's copy of engine_migrations.
        let recorded = Dictionary(catalog.migrations.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        if let edited = migrations.migrations.first(where: { migration in
            guard let row = recorded[migration.id], row.state == "applied", let stored = row.checksum,
                let actual = migration.checksum
            else { return false }
            return stored != actual
        }) {
            draft.errors.append(
                .init(
                    code: "checksum_mismatch", message: "migration \(edited.id) changed after it was applied",
                    file: edited.file))
            return finish(.invalid)
        }
        let pending = migrations.migrations.filter { recorded[$0.id] == nil }
        var lintBlocked: [ReconcileReport.Change] = []
        if !pending.isEmpty {
            let lint = MigrationLintGate(options: options).check(pending, desired: desired.schema, live: live)
            draft.warnings += lint.warnings
            if !lint.errors.isEmpty {
                draft.errors += lint.errors
                return finish(.invalid)
            }
            lintBlocked = lint.blocked
        }
        draft.context.migrations = .init(
            applied: [], pending: pending.map(\.id),
            failed: catalog.migrations.filter { $0.state != "applied" }.map(\.id)
                .sorted(by: { idPrecedes($0, $1) }))

        // Safe Sync's dry run, with the catalog's live schema and snapshot.
        do {
            let result = try safeSyncDryRun(desired: desired, live: live, catalog: catalog, draft: &draft)
            if !lintBlocked.isEmpty { draft.blocked = lintBlocked + draft.blocked }
            let outcome: ReconcileOutcome =
                result.outcome == .synced && !lintBlocked.isEmpty ? .blocked : result.outcome
            return finish(outcome, result.plan)
        } catch {
            draft.errors.append(ReportDraft.message(for: error))
            return finish(.failed)
        }
    }

    private func safeSyncDryRun(
        desired: CompiledDSL, live: Schema, catalog: CatalogFile,
        draft: inout ReportDraft
    ) throws -> (outcome: ReconcileOutcome, plan: Plan?) {
        let codec = DSLSnapshotCodec(options: options.compiler)
        let quoter = OfflineQuoter()
        var snapshotRow = catalog.snapshot
        if let row = snapshotRow, row.table != desired.snapshotTable {
            draft.warnings.append(
                .init(
                    code: "catalog_snapshot_table",
                    message: "the catalog's snapshot comes from table "
                        + "'\(row.table)', the DSL's snapshot model uses '\(desired.snapshotTable)': planning as a first run; "
                        + "export with --snapshot-table \(desired.snapshotTable)"))
            snapshotRow = nil
        }
        if let row = snapshotRow,
            live.table(named: row.table).map({ table in
                table.column(named: "hash") == nil || table.column(named: "dsl") == nil
                    || table.column(named: "id") == nil
            }) ?? true
        {
            snapshotRow = nil
        }
        if options.safeSync.requireSnapshot && snapshotRow == nil {
            draft.errors.append(
                .init(
                    code: "no_snapshot",
                    message: "require_snapshot is set and schema "
                        + "'\(options.safeSync.planner.schema)' has no snapshot row in '\(desired.snapshotTable)': is this the right database?"
                ))
            return (.invalid, nil)
        }
        var snapshot: CompiledDSL?
        if let snapshotRow {
            if snapshotRow.hash == desired.hash {
                snapshot = desired
            } else {
                do {
                    snapshot = try codec.compileSnapshot(json: snapshotRow.dsl)
                } catch {
                    draft.warnings.append(
                        .init(
                            code: "snapshot_unreadable",
                            message: "snapshot row \(snapshotRow.id) could not "
                                + "be compiled (\(error)); planning as a first run: nothing is dropped"))
                }
            }
        }
        if var adopted = snapshot, live.table(named: desired.snapshotTable)?.column(named: "commit") == nil,
            let position = adopted.schema.tables.firstIndex(where: { $0.name == desired.snapshotTable })
        {
            adopted.schema.tables[position].columns.removeAll { $0.name == "commit" }
            snapshot = adopted
        }
        var plan = Planner(options: options.safeSync.planner).plan(
            desired: desired, snapshot: snapshot, live: live,
            snapshotWrittenByEngineJS: snapshotRow.map { $0.commit == nil } ?? false)
        // Without the data every large table counts as having rows to recompute.
        BackfillGate.apply(
            to: &plan, live: live, desired: desired, snapshot: snapshot, options: options.safeSync.planner
        ) { _, _ in true }
        draft.snapshot =
            SnapshotDecision(
                effectiveDocument: plan.effectiveDocument, desired: desired,
                row: snapshotRow.map { ($0.id, $0.hash) }
            ).reportInfo
        try draft.add(drift: plan.drift, manual: plan.manual, with: quoter)
        try draft.add(applied: plan.safe, with: quoter)
        try draft.add(blocked: plan.blocked, with: quoter)
        return (plan.blocked.isEmpty ? .synced : .blocked, plan)
    }
}
