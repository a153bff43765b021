import Foundation

/// The three-way planner of Safe Sync (SPEC 4.1): desired schema D, snapshot S, live schema L → plan.
///
/// Pure and deterministic: no I/O, no clock. Verdicts are values (`blocked` changes carry a reason and
/// the migration that would perform them), never thrown errors.
public struct Planner: Sendable {
    public let options: PlannerOptions

    public init(options: PlannerOptions = PlannerOptions()) { self.options = options }

    /// - Parameter snapshotWrittenByEngineJS: the snapshot row has no commit (EngineJS's sync wrote it, or a
    ///   `sync --dir`): a foreign key it declares but the database lacks was most likely never created — EngineJS
    ///   creates a relation's key only with its table or column — so it is not re-created as one dropped by hand.
    public func plan(
        desired: CompiledDSL, snapshot: CompiledDSL?, live: Schema, snapshotWrittenByEngineJS: Bool = false
    ) -> Plan {
        plan(
            desired: desired, snapshot: snapshot, live: live, usesFastPaths: true,
            snapshotWrittenByEngineJS: snapshotWrittenByEngineJS)
    }

    /// `usesFastPaths: false` takes the general path everywhere: the tests compare both on many cases.
    func plan(
        desired: CompiledDSL, snapshot: CompiledDSL?, live: Schema, usesFastPaths: Bool,
        snapshotWrittenByEngineJS: Bool = false
    ) -> Plan {
        var run = PlanRun(
            options: options, desired: desired, snapshot: snapshot, live: live, usesFastPaths: usesFastPaths)
        run.snapshotWrittenByEngineJS = snapshotWrittenByEngineJS
        run.planTables()
        run.planEngineJSTypeRefusals()
        run.planEngineJSKeyRemovals()
        run.planColumnRemaps()
        run.planRemovedTables()
        run.planIndexes()
        run.planForeignKeys()
        run.planAutoNames()
        run.planManualIndexes()
        return run.finish()
    }
}

/// The mutable working state of one `Planner.plan` call.
struct PlanRun {
    let options: PlannerOptions
    let desired: CompiledDSL
    let snapshot: CompiledDSL?
    let live: Schema
    let ddl: DDL
    /// Whether the shortcuts for unchanged tables are taken (always, except in the tests that compare them
    /// against the general path): they yield exactly what the general path yields.
    let usesFastPaths: Bool

    let liveTables: TableLookup
    /// Desired tables by name: lookups stay O(1) per live table, index and key (no quadratic scans).
    let desiredTables: TableLookup
    let snapshotTables: TableLookup
    let snapshotTablesByModel: TableLookup
    let viewsByColumn: [String: [ViewDependency]]
    /// The models whose DSL definitions differ between the snapshot and the desired DSL (none without a
    /// snapshot, or when the two documents are the same): what the checks on the documents read.
    let changedModels: [(key: String, previous: JSONObject, next: JSONObject)]
    /// Live unique indexes left invalid (a failed concurrent build), by table: a table rewrite rebuilds them and
    /// fails on the duplicates they let in.
    let invalidUniqueIndexes: [String: [Index]]

    /// See `Planner.plan(desired:snapshot:live:snapshotWrittenByEngineJS:)`.
    var snapshotWrittenByEngineJS = false

    var tableChanges: [PlannedChange] = []
    var columnChanges: [PlannedChange] = []
    var wideningChanges: [PlannedChange] = []
    var foreignKeyChanges: [PlannedChange] = []
    var indexChanges: [PlannedChange] = []
    var backfillChanges: [PlannedChange] = []
    var blocked: [PlannedChange] = []
    var drift: [DriftItem] = []
    var manual: [ManualItem] = []
    /// The changes behind `manual` items of `keep(_:)`: left to a migration like blocked ones.
    var kept: [PlannedChange] = []

    var createdTables: Set<String> = []
    var addedColumns: Set<String> = []
    /// Desired tables not created because their model's rename is blocked.
    var notCreatedTables: Set<String> = []
    /// Live tables / columns that a blocked rename accounts for.
    var renamedAwayTables: Set<String> = []
    var renamedAwayColumns: Set<String> = []
    /// Live indexes renamed by a blocked rename's suggested migration.
    var renamedAwayIndexes: Set<String> = []

    init(
        options: PlannerOptions, desired: CompiledDSL, snapshot: CompiledDSL?, live: Schema, usesFastPaths: Bool = true
    ) {
        self.options = options
        self.usesFastPaths = usesFastPaths
        self.desired = desired
        self.snapshot = snapshot
        self.live = live
        ddl = DDL(schema: options.schema)
        liveTables = TableLookup(live.tables, by: \.name)
        desiredTables = TableLookup(desired.schema.tables, by: \.name)
        let snapshotSchema = snapshot?.schema ?? Schema()
        snapshotTables = TableLookup(snapshotSchema.tables, by: \.name)
        snapshotTablesByModel = TableLookup(snapshotSchema.tables, by: \.modelKey)
        viewsByColumn = Dictionary(grouping: live.viewDependencies, by: { "\($0.table).\($0.column)" })
        invalidUniqueIndexes = Dictionary(grouping: live.indexes.filter { !$0.isValid && $0.isUnique }, by: \.table)
        if let snapshot, snapshot.contentHash != desired.contentHash {
            changedModels = EngineJSTypeCheck.changedModels(previous: snapshot.document, next: desired.document)
        } else {
            changedModels = []
        }
    }

    // MARK: - Tables and columns

    mutating func planTables() {
        for table in desired.schema.tables {
            if let modelKey = table.modelKey, let old = snapshotTablesByModel[modelKey], old.name != table.name,
                liveTables.contains(old.name), !liveTables.contains(table.name)
            {
                notCreatedTables.insert(table.name)
                renamedAwayTables.insert(old.name)
                block(
                    PlannedChange(
                        kind: .renameTable, table: old.name, from: old.name, to: table.name,
                        statements: ["ALTER TABLE \(ddl.table(old.name)) RENAME TO \(ident: table.name)"]
                            + indexRenames(oldTable: old.name, newTable: table.name),
                        reason: "model '\(modelKey)' now maps to table '\(table.name)' (was '\(old.name)'); creating "
                            + "'\(table.name)' would leave the data behind in '\(old.name)'",
                        origin: ChangeOrigin(modelKey: modelKey)))
                continue
            }
            guard let liveTable = liveTables[table.name] else {
                createdTables.insert(table.name)
                tableChanges.append(
                    PlannedChange(
                        kind: .createTable, table: table.name, statements: [ddl.createTable(table)], rewrite: false,
                        lock: .accessExclusive))
                if snapshotTables.contains(table.name) {
                    drift.append(
                        DriftItem(
                            kind: .recreatedTable, table: table.name,
                            message: "table '\(table.name)' was in the snapshot but missing; re-created"))
                }
                continue
            }
            planColumns(of: table, live: liveTable)
            planPrimaryKey(of: table, live: liveTable)
        }
    }

    mutating func planColumns(of table: Table, live liveTable: Table) {
        if usesFastPaths, Self.sameColumnNames(table.columns, liveTable.columns) {
            planSameNamedColumns(of: table, live: liveTable)
            return
        }
        let snapshotTable = snapshotTables[table.name]
        // Per-table dictionaries: O(columns) per table instead of a scan per column.
        let liveColumns = Self.columnsByName(liveTable.columns)
        let desiredColumnNames = Set(table.columns.map(\.name))
        let snapshotColumns = Self.columnsByName(snapshotTable?.columns ?? [])
        let snapshotModelColumns: [String: Column] =
            table.modelKey.flatMap { snapshotTablesByModel[$0] }.map { old in
                Dictionary(
                    old.columns.compactMap { column in column.fieldKey.map { ($0, column) } },
                    uniquingKeysWith: { first, _ in first })
            } ?? [:]
        for column in table.columns {
            let origin = table.modelKey.map { ChangeOrigin(modelKey: $0, fieldKey: column.fieldKey) }
            // The field's previous column: the snapshot's, or — without a snapshot of this model — a live column
            // named after the field key that no desired column claims (the field gained a `columnName`).
            let previous = column.fieldKey.flatMap { fieldKey -> Column? in
                if let old = snapshotModelColumns[fieldKey] { return old }
                guard snapshotModelColumns.isEmpty, fieldKey != column.name, !desiredColumnNames.contains(fieldKey)
                else { return nil }
                return liveColumns[fieldKey]
            }
            if table.modelKey != nil, let fieldKey = column.fieldKey, let old = previous,
                old.name != column.name, liveColumns[old.name] != nil,
                liveColumns[column.name] == nil
            {
                renamedAwayColumns.insert("\(table.name).\(old.name)")
                block(
                    PlannedChange(
                        kind: .renameColumn, table: table.name, column: old.name, from: old.name, to: column.name,
                        statements: [
                            ddl.renameColumn(table: table.name, from: old.name, to: column.name)
                        ]
                            + indexRenames(
                                oldTable: table.name, newTable: table.name, renamedColumns: [column.name: old.name]),
                        reason: "field '\(fieldKey)' now maps to column '\(column.name)' (was '\(old.name)'); adding "
                            + "'\(column.name)' would leave the data behind in '\(old.name)'",
                        origin: origin))
                continue
            }
            guard let liveColumn = liveColumns[column.name] else {
                planAddColumn(column, table: table, live: liveTable, origin: origin)
                if snapshotColumns[column.name] != nil {
                    drift.append(
                        DriftItem(
                            kind: .recreatedColumn, table: table.name, column: column.name,
                            message: "column '\(table.name).\(column.name)' was in the snapshot but missing; re-added"))
                }
                continue
            }
            planType(
                of: column, table: table, live: liveColumn, liveTable: liveTable,
                snapshotColumn: snapshotColumns[column.name], origin: origin)
            planDefault(of: column, table: table.name, live: liveColumn)
        }
        for liveColumn in liveTable.columns where !desiredColumnNames.contains(liveColumn.name) {
            if renamedAwayColumns.contains("\(table.name).\(liveColumn.name)") { continue }
            if let snapshotColumn = snapshotColumns[liveColumn.name] {
                if let modelKey = table.modelKey, let fieldKey = snapshotColumn.fieldKey,
                    snapshotTable?.modelKey == modelKey, desiredFieldIsVirtual(modelKey: modelKey, fieldKey: fieldKey)
                {
                    // EngineJS keeps the column of a field turned virtual (`save: false`) and accepts the DSL: the
                    // data stays, and the column is the operator's from now on (unmanaged next time).
                    drift.append(
                        DriftItem(
                            kind: .unmanagedColumn, table: table.name, column: liveColumn.name,
                            message:
                                "field '\(fieldKey)' of model '\(modelKey)' is now virtual (save: false): its column "
                                + "'\(table.name).\(liveColumn.name)' keeps its data and is no longer managed (drop it "
                                + "with a migration when it is not needed)"))
                    continue
                }
                block(
                    PlannedChange(
                        kind: .dropColumn, table: table.name, column: liveColumn.name,
                        statements: ["ALTER TABLE \(ddl.table(table.name)) DROP COLUMN \(ident: liveColumn.name)"],
                        reason:
                            "column '\(table.name).\(liveColumn.name)' is no longer in the DSL; dropping it destroys its data",
                        origin: snapshotTable?.modelKey.map {
                            ChangeOrigin(modelKey: $0, fieldKey: snapshotColumn.fieldKey)
                        }))
            } else {
                drift.append(
                    DriftItem(
                        kind: .unmanagedColumn, table: table.name, column: liveColumn.name,
                        message:
                            "column '\(table.name).\(liveColumn.name)' is not in the DSL nor the snapshot; left alone"))
            }
        }
    }

    /// `planColumns` when the desired and live tables name the same columns in the same order, each once (the
    /// common case: nothing to add, rename or drop). What the general path does then, without its per-table
    /// dictionaries: no rename applies (every desired name is live), no live column is left over, and each column
    /// is compared with the live one at its position — the one `columnsByName` would find. The snapshot column
    /// and the change's origin are only looked up for a column whose type differs.
    ///
    /// Columns are read in place, by position (copying each `Column` costs more than comparing it).
    mutating func planSameNamedColumns(of table: Table, live liveTable: Table) {
        for position in table.columns.indices {
            if table.columns[position].type != liveTable.columns[position].type {
                let column = table.columns[position]
                planType(
                    of: column, table: table, live: liveTable.columns[position], liveTable: liveTable,
                    snapshotColumn: snapshotTables[table.name]?.column(named: column.name),
                    origin: table.modelKey.map { ChangeOrigin(modelKey: $0, fieldKey: column.fieldKey) })
            }
            // `planDefault`'s own early returns, without copying the columns.
            if table.columns[position].isAutoIncrement || liveTable.columns[position].isAutoIncrement
                || DefaultComparison.equivalent(
                    table.columns[position].defaultValue, liveTable.columns[position].defaultValue)
            {
                continue
            }
            planDefault(of: table.columns[position], table: table.name, live: liveTable.columns[position])
        }
    }

    /// Whether `desired` and `live` have the same column names in the same order, no name twice.
    static func sameColumnNames(_ desired: [Column], _ live: [Column]) -> Bool {
        guard desired.count == live.count else { return false }
        for position in desired.indices where desired[position].name != live[position].name { return false }
        return !hasRepeatedName(desired)
    }

    /// Whether two of `columns` have the same name (`==`, as a dictionary of names would find them). Called for
    /// every table of every plan, so without a `Set<String>` (a seeded SipHash and an allocation per name):
    /// FNV-1a of the UTF-8 bytes into an open-addressed table of positions on the stack, names compared only when
    /// their slots collide. Bytes only decide equality for ASCII (`"K"` equals the Kelvin sign `"\u{212A}"`, `"é"`
    /// its decomposed spelling): a table with any other name is checked with a `Set`.
    static func hasRepeatedName(_ columns: [Column]) -> Bool {
        guard columns.count > 1 else { return false }
        var capacity = 8
        while capacity < columns.count * 2 { capacity *= 2 }
        let mask = capacity - 1
        let repeated: Bool? = withUnsafeTemporaryAllocation(of: Int.self, capacity: capacity) { slots in
            slots.initialize(repeating: -1)
            for position in columns.indices {
                let name = columns[position].name
                var hash: UInt64 = 0xcbf2_9ce4_8422_2325
                for byte in name.utf8 {
                    guard byte < 0x80 else { return nil }
                    hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
                }
                var slot = Int(truncatingIfNeeded: hash) & mask
                while slots[slot] >= 0 {
                    if columns[slots[slot]].name == name { return true }
                    slot = (slot + 1) & mask
                }
                slots[slot] = position
            }
            return false
        }
        if let repeated { return repeated }
        var seen = Set<String>(minimumCapacity: columns.count)
        return columns.contains { !seen.insert($0.name).inserted }
    }

    /// Whether `table.column` exists after the safe changes: live, or created/added by this plan. A column whose
    /// add or rename is blocked does not, and nothing may be planned on it (it would fail the transaction).
    func columnWillExist(table: String, column: String) -> Bool {
        // The live table first: the common answer, without building the `addedColumns` key.
        liveTables.hasColumn(column, inTable: table) || createdTables.contains(table)
            || addedColumns.contains("\(table).\(column)")
    }

    /// The first column of each name, as `Table.column(named:)` would find it.
    static func columnsByName(_ columns: [Column]) -> [String: Column] {
        Dictionary(columns.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    mutating func planAddColumn(_ column: Column, table: Table, live liveTable: Table, origin: ChangeOrigin?) {
        // ADD COLUMN with a sequence default (serial) rewrites the table; literal and now() defaults do not.
        let rewrite = column.isAutoIncrement
        let statement = ddl.addColumn(column, to: table.name)
        if rewrite, let rows = liveTable.estimatedRows, rows > options.maxRewriteRows {
            block(
                PlannedChange(
                    kind: .rewriteTooLarge, table: table.name, column: column.name, to: column.type.sql,
                    statements: [statement],
                    reason:
                        "adding auto-increment column rewrites '\(table.name)' (about \(rows) rows, max_rewrite_rows "
                        + "\(options.maxRewriteRows)) under ACCESS EXCLUSIVE",
                    rewrite: true, lock: .accessExclusive, origin: origin))
            return
        }
        addedColumns.insert("\(table.name).\(column.name)")
        columnChanges.append(
            PlannedChange(
                kind: .addColumn, table: table.name, column: column.name, to: column.type.sql, statements: [statement],
                rewrite: rewrite, lock: .accessExclusive))
    }

    mutating func planType(
        of column: Column, table: Table, live liveColumn: Column, liveTable: Table,
        snapshotColumn: Column?, origin: ChangeOrigin?
    ) {
        let change = TypeChange.classify(from: liveColumn.type, to: column.type)
        if change == .same { return }
        let from = liveColumn.type.sql
        let to = column.type.sql
        switch change {
        case .same:
            return
        case .widening(let rewrite):
            var statements = [ddl.alterColumnType(table: table.name, column: column.name, to: column.type)]
            if column.type == .bigint, liveColumn.isAutoIncrement || column.isAutoIncrement,
                let sequence = liveColumn.sequence
            {
                statements.append(ddl.alterSequenceAsBigint(sequence))
            }
            if let views = viewsByColumn["\(table.name).\(column.name)"], !views.isEmpty {
                func kind(_ view: ViewDependency) -> SQL { view.isMaterialized ? "MATERIALIZED VIEW" : "VIEW" }
                var migration: [SQL] = views.map { "DROP " + kind($0) + " \(ident: $0.viewSchema).\(ident: $0.view)" }
                migration.append(contentsOf: statements)
                for view in views {
                    if let definition = view.definition {
                        // pg_get_viewdef ends with ";", which the statement separator already provides.
                        var body = Substring(definition)
                        while body.last == ";" || body.last?.isWhitespace == true { body = body.dropLast() }
                        migration.append(
                            "CREATE " + kind(view)
                                + " \(ident: view.viewSchema).\(ident: view.view) AS \(unsafeRaw: String(body))")
                    }
                }
                block(
                    PlannedChange(
                        kind: .dependentView, table: table.name, column: column.name, from: from, to: to,
                        statements: migration,
                        reason:
                            "views depend on '\(table.name).\(column.name)' (\(views.map(\.view).joined(separator: ", "))); "
                            + "ALTER TYPE would fail with 0A000",
                        rewrite: rewrite, lock: .accessExclusive, origin: origin))
            } else if rewrite, let rows = liveTable.estimatedRows, rows > options.maxRewriteRows {
                block(
                    PlannedChange(
                        kind: .rewriteTooLarge, table: table.name, column: column.name, from: from, to: to,
                        statements: statements,
                        reason: "the type change rewrites '\(table.name)' and all its indexes under ACCESS EXCLUSIVE; "
                            + "about \(rows) rows (max_rewrite_rows \(options.maxRewriteRows))",
                        rewrite: true, lock: .accessExclusive, origin: origin))
            } else if rewrite, let invalid = invalidUniqueIndexes[table.name], !invalid.isEmpty {
                // Issue 12 item 14: the rewrite rebuilds every index, and an invalid unique index may hold
                // duplicates (that is often why its build failed): ALTER TYPE would fail on every reconcile.
                let names = invalid.map(\.name).sorted()
                block(
                    PlannedChange(
                        kind: .invalidUniqueIndex, table: table.name, column: column.name, from: from, to: to,
                        statements: names.map { "DROP INDEX \(ddl.table($0))" } + statements,
                        reason:
                            "the type change rewrites '\(table.name)' and rebuilds its indexes, and the unique index"
                            + (names.count == 1 ? " " : "es ") + names.map { "'\($0)'" }.joined(separator: ", ")
                            + " \(names.count == 1 ? "is" : "are") invalid (a failed build; duplicates may exist): drop or "
                            + "rebuild \(names.count == 1 ? "it" : "them") first",
                        rewrite: true, lock: .accessExclusive, origin: origin))
            } else {
                wideningChanges.append(
                    PlannedChange(
                        kind: .widenColumn, table: table.name, column: column.name, from: from, to: to,
                        statements: statements, rewrite: rewrite, lock: .accessExclusive))
            }
        case .narrowing:
            if let snapshotColumn, snapshotColumn.type != liveColumn.type {
                drift.append(
                    DriftItem(
                        kind: .widenedByHand, table: table.name, column: column.name,
                        message:
                            "column '\(table.name).\(column.name)' is \(from) live but \(snapshotColumn.type.sql) in the snapshot"
                    ))
            }
            block(
                PlannedChange(
                    kind: .narrowColumn, table: table.name, column: column.name, from: from, to: to,
                    statements: [ddl.alterColumnType(table: table.name, column: column.name, to: column.type)],
                    reason: "a narrowing: existing values may be truncated or rejected",
                    rewrite: true, lock: .accessExclusive, origin: origin))
        case .other:
            block(
                PlannedChange(
                    kind: .changeColumnType, table: table.name, column: column.name, from: from, to: to,
                    statements: [
                        ddl.alterColumnType(table: table.name, column: column.name, to: column.type, using: true)
                    ],
                    reason: "not a widening: existing values may not convert",
                    rewrite: true, lock: .accessExclusive, origin: origin))
        }
    }

    mutating func planDefault(of column: Column, table: String, live liveColumn: Column) {
        if column.isAutoIncrement || liveColumn.isAutoIncrement { return }
        if DefaultComparison.equivalent(column.defaultValue, liveColumn.defaultValue) { return }
        let statement: SQL =
            column.defaultValue.map {
                "ALTER TABLE \(ddl.table(table)) ALTER COLUMN \(ident: column.name) SET DEFAULT "
                    + ddl.defaultExpression($0)
            } ?? "ALTER TABLE \(ddl.table(table)) ALTER COLUMN \(ident: column.name) DROP DEFAULT"
        manual.append(
            ManualItem(
                kind: .changeDefault, table: table, column: column.name,
                message:
                    "default of '\(table).\(column.name)' differs from the DSL; defaults of existing columns are not changed automatically",
                sql: [statement]))
    }

    /// Whether model `modelKey` of the desired DSL declares `fieldKey` with `save: false`.
    func desiredFieldIsVirtual(modelKey: String, fieldKey: String) -> Bool {
        desired.document[modelKey]?.objectValue?["fields"]?.objectValue?[fieldKey]?.objectValue?["save"]
            == .bool(false)
    }

    /// The DSL type changes EngineJS's own sync refuses (`EngineJSTypeCheck`) and the column planning above did
    /// not already block: blocked too, with any widening of that column taken back, so that both tools give a
    /// DSL the same verdict. Most leave the column as it is (`number` → `float`): the way out is the DSL. A
    /// change whose column a migration has already brought to the desired type is not refused.
    mutating func planEngineJSTypeRefusals() {
        let refusals = changedModels.flatMap {
            EngineJSTypeCheck.refusals(modelKey: $0.key, previous: $0.previous, next: $0.next)
        }
        guard !refusals.isEmpty else { return }
        let blockedOrigins = Set(blocked.compactMap(\.origin))
        for refusal in refusals {
            let origin = ChangeOrigin(modelKey: refusal.modelKey, fieldKey: refusal.fieldKey)
            guard !blockedOrigins.contains(origin), let old = snapshotTablesByModel[refusal.modelKey],
                let oldColumn = old.columns.first(where: { $0.fieldKey == refusal.fieldKey })
            else { continue }
            let newColumn = desired.schema.tables.first { $0.modelKey == refusal.modelKey }?.columns.first {
                $0.fieldKey == refusal.fieldKey
            }
            let table = old.name
            let column = newColumn?.name ?? oldColumn.name
            let sameColumn = newColumn.map { $0.type == oldColumn.type } ?? false
            // A column type change a migration already made (the live column is the desired one): in sync, as
            // SPEC 4.1 has it for every change a migration performs — EngineJS's check alone would refuse it for
            // ever.
            if !sameColumn, let newColumn, liveTables[table]?.column(named: column)?.type == newColumn.type {
                continue
            }
            wideningChanges.removeAll { $0.table == table && $0.column == column }
            block(
                PlannedChange(
                    kind: refusal.from.kind == refusal.to.kind ? .narrowColumn : .changeColumnType, table: table,
                    column: column, from: refusal.from.description, to: refusal.to.description,
                    reason: "EngineJS's sync refuses this DSL type change of '\(refusal.modelKey).\(refusal.fieldKey)' "
                        + "(\(refusal.from) → \(refusal.to): it compares the DSL's types, and this is no widening for "
                        + "it)" + (sameColumn ? "; the column stays \(oldColumn.type.sql) either way" : "")
                        + ". Give the field its previous type back in the DSL",
                    origin: origin))
        }
    }

    /// EngineJS's sync refuses any model or saved field whose key left the DSL ("model removed", "field
    /// removed"), comparing keys, not tables or columns. A removal whose table or column is gone from the DSL is
    /// already a blocked `drop_table`/`drop_column` (or, dropped by a migration, in sync as SPEC 4.1 says); this
    /// blocks the rest — a key renamed while another model or field takes over the same table or column — with
    /// no statement, so both tools give the DSL the same verdict. The old definition stays in the snapshot.
    mutating func planEngineJSKeyRemovals() {
        guard let snapshot, snapshot.contentHash != desired.contentHash else { return }
        let desiredKeys = Set(desired.document.keys)
        let blockedOrigins = Set(blocked.compactMap(\.origin))
        for entry in snapshot.document.entries where entry.key != "$schema" && !desiredKeys.contains(entry.key) {
            guard entry.value.objectValue?["fields"]?.objectValue != nil, let old = snapshotTablesByModel[entry.key],
                let table = desiredTables[old.name], let heir = table.modelKey,
                !blockedOrigins.contains(ChangeOrigin(modelKey: entry.key))
            else { continue }
            block(
                PlannedChange(
                    kind: .dropTable, table: old.name,
                    reason:
                        "EngineJS's sync refuses model '\(entry.key)' removed from the DSL although model '\(heir)' "
                        + "now maps to its table '\(old.name)' (it compares model keys). Keep the model key '\(entry.key)'",
                    origin: ChangeOrigin(modelKey: entry.key)))
        }
        for changed in changedModels {
            guard let previousFields = changed.previous["fields"]?.objectValue,
                let nextFields = changed.next["fields"]?.objectValue, let old = snapshotTablesByModel[changed.key],
                let table = desiredTables[old.name]
            else { continue }
            for field in previousFields.entries where nextFields[field.key] == nil {
                let origin = ChangeOrigin(modelKey: changed.key, fieldKey: field.key)
                guard field.value.objectValue?["save"] != .bool(false), !blockedOrigins.contains(origin),
                    let oldColumn = old.columns.first(where: { $0.fieldKey == field.key }),
                    let heir = table.columns.first(where: { $0.name == oldColumn.name && $0.fieldKey != field.key }),
                    let heirKey = heir.fieldKey
                else { continue }
                block(
                    PlannedChange(
                        kind: .dropColumn, table: old.name, column: oldColumn.name,
                        reason: "EngineJS's sync refuses field '\(changed.key).\(field.key)' removed from the DSL "
                            + "although field '\(heirKey)' now maps to its column '\(oldColumn.name)' (it compares field "
                            + "keys). Keep the field key '\(field.key)'",
                        origin: origin))
            }
        }
    }

    /// Fields whose `columnName` now names a live column that held another field of the model (two fields
    /// swapping columns, or one moving onto another's column). Both columns exist, so no column is added or
    /// renamed, and EngineJS does the same — but the application will read and write the other field's data
    /// under this field. Reported under `manual` once (the snapshot then records the new mapping), with the
    /// renames that make the data follow the fields when two fields swapped.
    mutating func planColumnRemaps() {
        for changed in changedModels {
            let modelKey = changed.key
            guard let old = snapshotTablesByModel[modelKey], let table = desiredTables[old.name],
                table.modelKey == modelKey, let liveTable = liveTables[table.name]
            else { continue }
            var oldColumnOfField: [String: String] = [:]
            var oldFieldOfColumn: [String: String] = [:]
            for column in old.columns {
                guard let fieldKey = column.fieldKey else { continue }
                oldColumnOfField[fieldKey] = column.name
                oldFieldOfColumn[column.name] = fieldKey
            }
            for column in table.columns {
                guard let fieldKey = column.fieldKey, let oldName = oldColumnOfField[fieldKey], oldName != column.name,
                    let otherField = oldFieldOfColumn[column.name], otherField != fieldKey,
                    liveTable.column(named: oldName) != nil, liveTable.column(named: column.name) != nil
                else { continue }
                // Two fields swapped columns: the renames that keep each field's data with it.
                let swapped = table.columns.contains { $0.fieldKey == otherField && $0.name == oldName }
                let temporary = EngineJSNaming.truncated("\(oldName)_enginesync_swap")
                let sql: [SQL] =
                    swapped && fieldKey < otherField
                    ? [
                        ddl.renameColumn(table: table.name, from: oldName, to: temporary),
                        ddl.renameColumn(table: table.name, from: column.name, to: oldName),
                        ddl.renameColumn(table: table.name, from: temporary, to: column.name),
                    ] : []
                manual.append(
                    ManualItem(
                        kind: .remapColumn, table: table.name, column: column.name,
                        message:
                            "field '\(fieldKey)' of model '\(modelKey)' now maps to column '\(column.name)', which "
                            + "held field '\(otherField)' until now (field '\(fieldKey)' was column '\(oldName)'): no "
                            + "column is renamed, so the application now reads and writes that column's data under '"
                            + fieldKey + "'"
                            + (sql.isEmpty
                                ? "" : "; to keep each field's data, swap the two columns' names in a migration"),
                        sql: sql))
            }
        }
    }

    mutating func planPrimaryKey(of table: Table, live liveTable: Table) {
        guard liveTable.primaryKey != table.primaryKey else { return }
        let constraint = liveTable.primaryKeyConstraint ?? EngineJSNaming.primaryKeyName(table: table.name)
        var statements: [SQL] = []
        if !liveTable.primaryKey.isEmpty { statements.append(ddl.dropConstraint(table: table.name, name: constraint)) }
        if !table.primaryKey.isEmpty {
            statements.append(
                "ALTER TABLE \(ddl.table(table.name)) ADD CONSTRAINT \(ident: EngineJSNaming.primaryKeyName(table: table.name)) PRIMARY KEY (\(idents: table.primaryKey))"
            )
        }
        block(
            PlannedChange(
                kind: .changePrimaryKey, table: table.name,
                from: liveTable.primaryKey.joined(separator: ", "), to: table.primaryKey.joined(separator: ", "),
                statements: statements,
                reason:
                    "primary key (\(liveTable.primaryKey.joined(separator: ", "))) → (\(table.primaryKey.joined(separator: ", "))) "
                    + "rebuilds the key and may fail on existing rows",
                lock: .accessExclusive, origin: table.modelKey.map { ChangeOrigin(modelKey: $0) }))
    }

    mutating func planRemovedTables() {
        // Filtered, then sorted: the conditions only read what the loop never writes.
        let leftOver = live.tables.filter { liveTable in
            let name = liveTable.name
            return !desiredTables.contains(name) && !options.ownedTables.contains(name)
                && !renamedAwayTables.contains(name)
        }
        for liveTable in leftOver.sorted(by: { $0.name < $1.name }) {
            let name = liveTable.name
            if let snapshotTable = snapshotTables[name] {
                block(
                    PlannedChange(
                        kind: .dropTable, table: name, statements: ["DROP TABLE \(ddl.table(name))"],
                        reason: "table '\(name)' is no longer in the DSL; dropping it destroys its data",
                        origin: origin(ofSnapshotTable: snapshotTable)))
            } else {
                drift.append(
                    DriftItem(
                        kind: .unmanagedTable, table: name,
                        message: "table '\(name)' is not in the DSL nor the snapshot; left alone"))
            }
        }
    }

    /// A model's table, or for a junction table (`owner__field__to__source__id`) the owner's field.
    func origin(ofSnapshotTable table: Table) -> ChangeOrigin? {
        if let modelKey = table.modelKey { return ChangeOrigin(modelKey: modelKey) }
        let parts = table.name.components(separatedBy: "__")
        guard parts.count == 5, parts[2] == "to", let snapshot else { return nil }
        for ownerTable in snapshot.schema.tables where ownerTable.name == parts[0] || ownerTable.modelKey == parts[0] {
            if let modelKey = ownerTable.modelKey { return ChangeOrigin(modelKey: modelKey, fieldKey: parts[1]) }
        }
        return nil
    }

    // MARK: - Indexes

    mutating func planIndexes() {
        // Positions, not copies: the first live index of each name, as a dictionary of the indexes would keep.
        let liveIndexes = Self.firstPositions(of: live.indexes.map(\.name))
        let snapshotIndexes = Set((snapshot?.schema.indexes ?? []).map(\.name))
        for index in desired.schema.indexes where !notCreatedTables.contains(index.table) {
            // On a column whose add or rename is blocked: the blocked change stands for it.
            guard index.columns.allSatisfy({ columnWillExist(table: index.table, column: $0) }) else { continue }
            let tableIsNew = createdTables.contains(index.table)
            let rows = liveTables.estimatedRows(of: index.table) ?? 0
            let concurrently = !tableIsNew && rows > options.concurrentIndexRows
            var statements: [SQL] = []
            if let liveIndex = liveIndexes[index.name].map({ live.indexes[$0] }) {
                if liveIndex.table != index.table || !Self.sameDefinition(liveIndex, index) {
                    keep(
                        PlannedChange(
                            kind: .changeIndex, table: index.table, index: index.name,
                            from: Self.describe(liveIndex), to: Self.describe(index),
                            statements: [ddl.dropIndex(index.name), ddl.createIndex(index)],
                            reason: "index '\(index.name)' exists with a different definition",
                            origin: modelOrigin(ofTable: index.table)))
                    continue
                }
                switch liveIndex.state {
                case .valid:
                    continue
                case .building:
                    manual.append(
                        ManualItem(
                            kind: .indexBuildInProgress, table: index.table, index: index.name,
                            message: "index '\(index.name)' is being built by another session; left alone",
                            sql: []))
                    continue
                case .invalid:
                    break
                }
                drift.append(
                    DriftItem(
                        kind: .invalidIndex, table: index.table, index: index.name,
                        message: "index '\(index.name)' is invalid (a failed concurrent build); dropped and rebuilt"))
                statements.append(ddl.dropIndex(index.name, concurrently: concurrently))
            } else if snapshotIndexes.contains(index.name) && !tableIsNew {
                drift.append(
                    DriftItem(
                        kind: .recreatedIndex, table: index.table, index: index.name,
                        message: "index '\(index.name)' was in the snapshot but missing; re-created"))
            }
            statements.append(ddl.createIndex(index, concurrently: concurrently))
            indexChanges.append(
                PlannedChange(
                    kind: .createIndex, table: index.table, index: index.name, to: Self.describe(index),
                    statements: statements, rewrite: false, lock: concurrently ? .shareUpdateExclusive : .share,
                    // A table created by this plan is empty: its unique index cannot meet duplicates, so it needs
                    // no savepoint (a subtransaction each: past 64 in one transaction, PostgreSQL's snapshots
                    // overflow and visibility checks consult pg_subtrans).
                    concurrently: concurrently, isUniqueIndexBuild: index.isUnique && !tableIsNew))
        }
        let desiredNames = Set(desired.schema.indexes.map(\.name))
        // Filtered, then sorted: the conditions only read what the loop never writes.
        let leftOver = live.indexes.filter { liveIndex in
            !liveIndex.isConstraint && !desiredNames.contains(liveIndex.name)
                && desiredTables.contains(liveIndex.table) && !renamedAwayIndexes.contains(liveIndex.name)
        }
        for liveIndex in leftOver.sorted(by: { $0.name < $1.name }) {
            if snapshotIndexes.contains(liveIndex.name) {
                keep(
                    PlannedChange(
                        kind: .dropIndex, table: liveIndex.table, index: liveIndex.name, from: Self.describe(liveIndex),
                        statements: [ddl.dropIndex(liveIndex.name)],
                        reason: "index '\(liveIndex.name)' is no longer in the DSL",
                        origin: modelOrigin(ofTable: liveIndex.table)))
            } else {
                drift.append(
                    DriftItem(
                        kind: .unmanagedIndex, table: liveIndex.table, index: liveIndex.name,
                        message: "index '\(liveIndex.name)' is not in the DSL nor the snapshot; left alone"))
            }
        }
    }

    func modelOrigin(ofTable table: String) -> ChangeOrigin? {
        (desiredTables[table]?.modelKey ?? snapshotTables[table]?.modelKey).map { ChangeOrigin(modelKey: $0) }
    }

    static func sameDefinition(_ live: Index, _ desired: Index) -> Bool {
        live.definition == nil && live.columns == desired.columns && live.isUnique == desired.isUnique
            && live.predicate == desired.predicate
    }

    static func describe(_ index: Index) -> String {
        if let definition = index.definition { return definition }
        var text = (index.isUnique ? "UNIQUE " : "") + "(" + index.columns.joined(separator: ", ") + ")"
        if let predicate = index.predicate { text += " WHERE " + predicate.sql }
        return text
    }

    // MARK: - Foreign keys

    mutating func planForeignKeys() {
        // Each key's text once per side (it was built up to three times per key).
        let liveKeyTexts = live.foreignKeys.map(Self.columnsKey)
        let desiredKeyTexts = desired.schema.foreignKeys.map(Self.columnsKey)
        let liveKeys = Self.firstPositions(of: liveKeyTexts)
        let snapshotKeys = Set((snapshot?.schema.foreignKeys ?? []).map(Self.columnsKey))
        for (key, keyText) in zip(desired.schema.foreignKeys, desiredKeyTexts)
        where !notCreatedTables.contains(key.table) && !notCreatedTables.contains(key.referencedTable) {
            guard key.columns.allSatisfy({ columnWillExist(table: key.table, column: $0) }),
                key.referencedColumns.allSatisfy({ columnWillExist(table: key.referencedTable, column: $0) })
            else { continue }
            // Only a change needs it.
            var origin: ChangeOrigin? { fieldOrigin(table: key.table, column: key.columns.first) }
            if let liveKey = liveKeys[keyText].map({ live.foreignKeys[$0] }) {
                if liveKey.referencedTable != key.referencedTable || liveKey.referencedColumns != key.referencedColumns
                    || liveKey.onDelete != key.onDelete || liveKey.onUpdate != key.onUpdate
                {
                    keep(
                        PlannedChange(
                            kind: .changeForeignKey, table: key.table, column: key.columns.first,
                            from: Self.describe(liveKey), to: Self.describe(key),
                            statements: [ddl.dropConstraint(table: key.table, name: liveKey.name)]
                                + validatedAdd(key),
                            reason: "the relation's target or actions changed; existing rows may violate the new key",
                            origin: origin))
                }
                continue
            }
            let isNew =
                createdTables.contains(key.table)
                || key.columns.allSatisfy { addedColumns.contains("\(key.table).\($0)") }
            if isNew {
                foreignKeyChanges.append(
                    PlannedChange(
                        kind: .addForeignKey, table: key.table, column: key.columns.first, to: Self.describe(key),
                        statements: [ddl.addForeignKey(key)], rewrite: false, lock: .shareRowExclusive))
            } else if snapshotKeys.contains(keyText), !snapshotWrittenByEngineJS {
                // Dropped by hand (SPEC 4.1): re-created, under a savepoint; rows that violate it turn it into a
                // blocked add_foreign_key instead of failing the reconcile.
                drift.append(
                    DriftItem(
                        kind: .missingForeignKey, table: key.table, column: key.columns.first,
                        message: "foreign key '\(key.name)' was in the snapshot but is missing; re-created"))
                foreignKeyChanges.append(
                    PlannedChange(
                        kind: .addForeignKey, table: key.table, column: key.columns.first, to: Self.describe(key),
                        statements: validatedAdd(key), rewrite: false, lock: .shareRowExclusive,
                        isForeignKeyRestore: true, origin: origin))
            } else {
                // A relation added to an existing column — or one EngineJS's snapshot declares, which EngineJS never
                // keyed (it adds a key only with a new table or column): left to a migration.
                let columns = "'\(key.table).\(key.columns.joined(separator: ", "))'"
                keep(
                    PlannedChange(
                        kind: .addForeignKey, table: key.table, column: key.columns.first, to: Self.describe(key),
                        statements: validatedAdd(key),
                        reason: snapshotKeys.contains(keyText)
                            ? "the relation on \(columns) has no foreign key; EngineJS creates one only with a new "
                                + "table or column, so it was never added here; existing rows may violate it"
                            : "relation added to the existing column \(columns); existing rows may violate it",
                        origin: origin))
            }
        }
        let desiredKeys = Set(desiredKeyTexts)
        // Filtered, then sorted: the conditions only read what the loop never writes.
        let leftOver = zip(live.foreignKeys, liveKeyTexts).filter { liveKey, keyText in
            !desiredKeys.contains(keyText) && desiredTables.contains(liveKey.table)
        }
        for (liveKey, keyText) in leftOver.sorted(by: { ($0.0.table, $0.0.name) < ($1.0.table, $1.0.name) }) {
            if snapshotKeys.contains(keyText) {
                keep(
                    PlannedChange(
                        kind: .dropForeignKey, table: liveKey.table, column: liveKey.columns.first,
                        from: Self.describe(liveKey),
                        statements: [ddl.dropConstraint(table: liveKey.table, name: liveKey.name)],
                        reason: "the relation was removed from the DSL",
                        origin: fieldOrigin(table: liveKey.table, column: liveKey.columns.first, inSnapshot: true)))
            } else {
                drift.append(
                    DriftItem(
                        kind: .unmanagedForeignKey, table: liveKey.table, column: liveKey.columns.first,
                        message: "foreign key '\(liveKey.name)' is not in the DSL nor the snapshot; left alone"))
            }
        }
    }

    /// `ADD … NOT VALID`, then `VALIDATE`: the long scan does not block writes.
    func validatedAdd(_ key: ForeignKey) -> [SQL] {
        [ddl.addForeignKey(key, notValid: true), ddl.validateConstraint(table: key.table, name: key.name)]
    }

    /// The position of the first of `keys` equal to each key.
    static func firstPositions(of keys: [String]) -> [String: Int] {
        var positions: [String: Int] = [:]
        positions.reserveCapacity(keys.count)
        // Backwards, so that the first position is the one that stays.
        for position in keys.indices.reversed() { positions[keys[position]] = position }
        return positions
    }

    /// What a foreign key is matched on: `table(column,…)`.
    static func columnsKey(_ key: ForeignKey) -> String {
        var text = key.table
        text.append("(")
        for (position, column) in key.columns.enumerated() {
            if position > 0 { text.append(",") }
            text.append(column)
        }
        text.append(")")
        return text
    }

    func fieldOrigin(table: String, column: String?, inSnapshot: Bool = false) -> ChangeOrigin? {
        let source = inSnapshot ? snapshotTables[table] : desiredTables[table]
        guard let source, let modelKey = source.modelKey else { return nil }
        return ChangeOrigin(modelKey: modelKey, fieldKey: column.flatMap { source.column(named: $0)?.fieldKey })
    }

    static func describe(_ key: ForeignKey) -> String {
        "(\(key.columns.joined(separator: ", "))) REFERENCES \(key.referencedTable)(\(key.referencedColumns.joined(separator: ", "))) "
            + "ON DELETE \(key.onDelete.rawValue) ON UPDATE \(key.onUpdate.rawValue)"
    }

    // MARK: - auto_name and manual items

    mutating func planAutoNames() {
        for table in desired.schema.tables {
            // As EngineJS: only when the snapshot has the model and its list differs. Without a snapshot (a first
            // run, or one withheld while changes are blocked) nothing is recomputed: every reconcile would
            // otherwise rewrite every visible row of every table. (Checked first: it usually ends the guard.)
            guard let snapshot, let modelKey = table.modelKey, let columns = desired.autoNameColumns[modelKey],
                snapshot.autoNameColumns[modelKey] != columns, !columns.isEmpty,
                snapshotTablesByModel.contains(modelKey),
                !createdTables.contains(table.name), !notCreatedTables.contains(table.name),
                table.column(named: "auto_name") != nil,
                (columns + ["auto_name"]).allSatisfy({ columnWillExist(table: table.name, column: $0) })
            else { continue }
            backfillChanges.append(
                PlannedChange(
                    kind: .backfillAutoName, table: table.name, column: "auto_name",
                    to: columns.joined(separator: ", "),
                    statements: [ddl.backfillAutoName(table: table.name, columns: columns)],
                    rewrite: false, lock: .rowExclusive))
        }
    }

    mutating func planManualIndexes() {
        for item in desired.manualIndexes {
            let name = "idx_\(item.table)_\(item.kind)_\(item.columns.joined(separator: "_"))"
            let expressions = item.columns.map { column -> SQL in "\(unsafeRaw: item.kind)(\(ident: column))" }
            manual.append(
                ManualItem(
                    kind: .lowerIndex, table: item.table, index: name,
                    message:
                        "indexes.\(item.kind) on (\(item.columns.joined(separator: ", "))) is never created automatically",
                    sql: [
                        "CREATE INDEX \(ident: name) ON \(ddl.table(item.table)) ("
                            + SQL.joined(expressions, separator: ", ") + ")"
                    ]))
        }
    }

    // MARK: - Result

    /// An index or foreign key change EngineJS's sync never makes nor refuses (it only creates, `IF NOT
    /// EXISTS`): the live object is kept and the reconcile is not `blocked` (EngineJS parity, SPEC 2.0); the
    /// change is listed under `manual` with the migration that would make it.
    mutating func keep(_ change: PlannedChange) {
        var change = change
        change.migrationName = Self.migrationName(for: change)
        kept.append(change)
        let kind: ManualItem.Kind =
            switch change.kind {
            case .dropIndex: .dropIndex
            case .changeIndex: .changeIndex
            case .dropForeignKey: .dropForeignKey
            case .changeForeignKey: .changeForeignKey
            default: .addForeignKey
            }
        manual.append(
            ManualItem(
                kind: kind, table: change.table, column: change.column, index: change.index,
                message: (change.reason ?? change.kind.rawValue)
                    + "; left as it is (EngineJS's sync does not change it either): "
                    + "write a migration (\(change.migrationName ?? "…").sql) to make the change",
                sql: change.statements))
    }

    mutating func block(_ change: PlannedChange) {
        var change = change
        // No statements, no migration: the way out is in the DSL (an EngineJS type refusal).
        change.migrationName = change.statements.isEmpty ? nil : Self.migrationName(for: change)
        blocked.append(change)
    }

    static func migrationName(for change: PlannedChange) -> String {
        let subject = [change.table, change.column ?? change.index].compactMap { $0 }.joined(separator: "_")
        let raw = "\(change.kind.rawValue)_\(subject)"
        return String(
            raw.unicodeScalars.map { scalar in
                scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_"
                    ? Character(scalar) : "_"
            }.prefix(100))
    }

    func finish() -> Plan {
        let safe = tableChanges + columnChanges + wideningChanges + foreignKeyChanges + indexChanges + backfillChanges
        // A change left to a migration (blocked, or kept as it is and listed under `manual`) keeps its old
        // definition in the stored snapshot, so the next reconcile reports it again instead of "repairing" it.
        let effective = EffectiveSnapshot.merge(
            desired: desired.document, snapshot: snapshot?.document,
            blocked: blocked + kept)
        return Plan(safe: safe, blocked: blocked, drift: drift, manual: manual, effectiveDocument: effective)
    }
}

/// Tables by name (or model key) without copying them up front: positions into the schema's list, the first table
/// of each key winning (as `Dictionary(_:uniquingKeysWith: { first, _ in first })` did). Built for each plan, so its
/// cost is one hash per table.
struct TableLookup {
    let tables: [Table]
    let positions: [String: Int]

    init(_ tables: [Table], by key: (Table) -> String?) {
        self.tables = tables
        var positions: [String: Int] = [:]
        positions.reserveCapacity(tables.count)
        // Backwards, so that the first position is the one that stays.
        for position in tables.indices.reversed() {
            if let name = key(tables[position]) { positions[name] = position }
        }
        self.positions = positions
    }

    subscript(key: String) -> Table? { positions[key].map { tables[$0] } }

    func contains(_ key: String) -> Bool { positions[key] != nil }

    /// Whether the table has a column of that name (the table read in place).
    func hasColumn(_ column: String, inTable key: String) -> Bool {
        guard let position = positions[key] else { return false }
        return tables[position].columns.contains { $0.name == column }
    }

    func estimatedRows(of key: String) -> Int? { positions[key].flatMap { tables[$0].estimatedRows } }
}
