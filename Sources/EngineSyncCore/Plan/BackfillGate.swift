/// An `auto_name` backfill on a table with more estimated rows than `max_rewrite_rows` (issue 12 item 8) is
/// blocked, like a large rewrite: one UPDATE of every visible row would hold its row locks (and the DDL
/// transaction's ACCESS EXCLUSIVE locks on other tables) for as long as it runs. The effective snapshot keeps
/// the old `auto_name` list, so the next reconcile checks again.
///
/// Pure: whether any visible row still differs from the new value is the caller's question (`isStale`). Safe
/// Sync asks the database with one read-only query (`DDL.autoNameIsStale`): when a migration already ran the
/// UPDATE, nothing is planned and the snapshot records the new list. The offline plan has no data and answers
/// `true`.
public enum BackfillGate {
    public static func apply(
        to plan: inout Plan, live: Schema, desired: CompiledDSL, snapshot: CompiledDSL?, options: PlannerOptions,
        isStale: (_ table: String, _ columns: [String]) throws -> Bool
    ) rethrows {
        let limit = options.maxRewriteRows
        guard plan.safe.contains(where: { $0.kind == .backfillAutoName }) else { return }
        let ddl = DDL(schema: options.schema)
        var kept: [PlannedChange] = []
        for change in plan.safe {
            guard change.kind == .backfillAutoName, let rows = live.table(named: change.table)?.estimatedRows,
                rows > limit,
                let modelKey = desired.schema.table(named: change.table)?.modelKey,
                let columns = desired.autoNameColumns[modelKey]
            else {
                kept.append(change)
                continue
            }
            guard try isStale(change.table, columns) else { continue }
            var gated = change
            gated.reason =
                "recomputing auto_name updates every visible row of '\(change.table)' (about \(rows) rows, "
                + "max_rewrite_rows \(limit)) in the reconcile's transaction; run the migration (it only touches rows "
                + "whose auto_name differs, so it can be split by id range and re-run), then the next reconcile finds "
                + "every row up to date and records the new auto_name list"
            gated.statements = [ddl.backfillAutoName(table: change.table, columns: columns, onlyChanged: true)]
            gated.migrationName = "backfill_auto_name_\(change.table)"
            gated.origin = ChangeOrigin(modelKey: modelKey)
            plan.blocked.append(gated)
            if var model = plan.effectiveDocument[modelKey]?.objectValue {
                model["auto_name"] = snapshot?.document[modelKey]?.objectValue?["auto_name"]
                plan.effectiveDocument[modelKey] = .object(model)
            }
        }
        plan.safe = kept
    }
}
