extension CompilationSession {
    /// Foreign keys of plain relations (SPEC 2.4) as EngineJS's `belongsTo` calls make them: a field with
    /// `source` and `sourceid` (not a junction) whose target model and attribute exist, and whose alias
    /// (`as ?? source`) is not yet used on the model. Everything EngineJS skips silently is a warning here.
    func resolveRelations(models: [CompiledModel], index: [String: Int], schema: inout Schema) {
        for model in models {
            var aliases: Set<String> = []
            for field in model.fields where field.source != nil {
                guard case .column(let columnIndex) = field.storage, let sourceKey = field.source else { continue }
                // For diagnostics only: built when one is reported.
                var pointer: String { field.pointer }
                guard let sourceField = field.sourceField else {
                    surprise(
                        .relationWithoutSourceID, at: model.origin, pointer + "/source",
                        "field '\(field.key)' names source '\(sourceKey)' but no sourceid: EngineJS makes it a plain column without a foreign key",
                        hint: "add \"sourceid\": \"id\" for a foreign key to '\(sourceKey)'")
                    continue
                }
                guard let source = index[sourceKey].map({ models[$0] }) else {
                    let suggestion = DSLFieldType.closest(to: sourceKey, among: models.map(\.key))
                    surprise(
                        .unknownSourceModel, at: model.origin, pointer + "/source",
                        "field '\(field.key)' refers to unknown model \(Self.quoted(sourceKey)): EngineJS makes it a plain column without a foreign key"
                            + (suggestion.map { " — did you mean '\($0)'?" } ?? ""))
                    continue
                }
                let alias = field.alias ?? sourceKey
                guard !aliases.contains(alias) else {
                    surprise(
                        .duplicateRelationAlias, at: model.origin, pointer,
                        "field '\(field.key)' is a second relation of model '\(model.key)' with the alias '\(alias)': EngineJS (Sequelize) refuses the association and creates no foreign key for it",
                        hint: "give it its own \"as\", e.g. \"as\": \"\(field.key)\"")
                    continue
                }
                guard let target = source.attributeColumn(sourceField) else {
                    surprise(
                        .unknownSourceField, at: model.origin, pointer + "/sourceid",
                        "field '\(field.key)' refers to \(Self.quoted(sourceField)), which is not a saved field of model '\(sourceKey)': EngineJS creates no foreign key"
                    )
                    continue
                }
                aliases.insert(alias)
                guard source.primaryKey == [target.name] else {
                    error(
                        .sourceNotPrimaryKey, at: model.origin, pointer + "/sourceid",
                        "field '\(field.key)' refers to '\(sourceKey).\(sourceField)', which is not the single-column primary key of table '\(source.table)' (PostgreSQL refuses the foreign key, and so EngineJS's sync fails)",
                        hint:
                            "PostgreSQL needs a non-partial unique constraint on the referenced column; DSL unique indexes are partial"
                    )
                    continue
                }
                let column = model.columns[columnIndex]
                guard typesAreCompatible(column.type, target.type) else {
                    error(
                        .relationTypeMismatch, at: model.origin, pointer,
                        "field '\(field.key)' is \(column.type.sql) but refers to '\(source.table).\(target.name)' of type \(target.type.sql)",
                        hint: "both must be integer types, or the same type")
                    continue
                }
                schema.foreignKeys.append(
                    ForeignKey(
                        name: EngineJSNaming.foreignKeyName(table: model.table, column: column.name),
                        table: model.table,
                        columns: [column.name], referencedTable: source.table, referencedColumns: [target.name],
                        onDelete: field.onDelete, onUpdate: field.onUpdate))
            }
        }
    }

    func typesAreCompatible(_ a: ColumnType, _ b: ColumnType) -> Bool {
        (a.isIntegerFamily && b.isIntegerFamily) || a == b
    }

    /// The junction tables of `multi` int relations with `source` and `sourceid`, as EngineJS defines them:
    /// `id`, `<owner>Id` and `<source>Id` typed like the two primary keys (one column when a model is related to
    /// itself), the system columns but `auto_name`, foreign keys to both primary keys, and the visible index.
    /// EngineJS creates neither `idx_<h>_owner`/`idx_<h>_source` nor `uq_<h>_active` (its Safe Sync never builds
    /// model indexes), so neither does enginesync.
    func addJunctions(models: [CompiledModel], index: [String: Int], schema: inout Schema) {
        for owner in models {
            for field in owner.fields {
                guard case .junction = field.storage, let sourceKey = field.source,
                    let sourceField = field.sourceField
                else { continue }
                addJunction(
                    for: field, of: owner, sourceKey: sourceKey, sourceField: sourceField, models: models,
                    index: index, schema: &schema)
            }
        }
    }

    private func addJunction(
        for field: CompiledModel.Field, of owner: CompiledModel, sourceKey: String,
        sourceField: String, models: [CompiledModel], index: [String: Int], schema: inout Schema
    ) {
        let name = EngineJSNaming.junctionTableName(
            owner: owner.key, field: field.key, source: sourceKey,
            sourceField: sourceField)
        if name.utf8.count > 63 {
            error(
                .junctionNameTooLong, at: owner.origin, field.pointer,
                "junction table '\(name)' is \(name.utf8.count) bytes; PostgreSQL identifiers are at most 63 bytes",
                hint: "PostgreSQL would silently truncate it; shorten the model or field keys")
            return
        }
        checkIdentifier(
            name, what: "junction table name (from field key '\(field.key)')", at: owner.origin, field.pointer)
        let source = index[sourceKey].map { models[$0] }
        if source == nil {
            surprise(
                .unknownSourceModel, at: owner.origin, field.pointer + "/source",
                "junction field '\(field.key)' refers to unknown model \(Self.quoted(sourceKey)): EngineJS creates the junction table '\(name)' without foreign keys"
            )
        }
        let ownerColumn = owner.key + "Id"
        let sourceColumn = sourceKey + "Id"
        let ownerKey = owner.primaryKeyColumn
        let sourceKeyColumn = source?.primaryKeyColumn
        var columns = [
            Column(name: "id", type: .integer, isNotNull: true, isAutoIncrement: true),
            Column(name: ownerColumn, type: source == nil ? .integer : ownerKey?.type ?? .integer, isNotNull: true),
        ]
        if sourceColumn != ownerColumn {
            columns.append(
                Column(
                    name: sourceColumn, type: source == nil ? .integer : sourceKeyColumn?.type ?? .integer,
                    isNotNull: true))
        }
        columns += [
            Column(name: "created_at", type: .timestamptz),
            Column(name: "updated_at", type: .timestamptz),
            Column(name: "deleted", type: .boolean, defaultValue: .boolean(false)),
            Column(name: "deleted_at", type: .timestamptz),
            Column(name: "archived", type: .boolean, defaultValue: .boolean(false)),
            Column(name: "archived_at", type: .timestamptz),
        ]
        // Model tables and earlier junctions are all in `tableOrigins`.
        if let existing = tableOrigins[name] {
            error(
                .duplicateTable, at: owner.origin, field.pointer,
                "junction table '\(name)' is also defined in \(fileName(existing.origin)) at \(existing.origin.pointer + existing.pointer)"
            )
            return
        }
        schema.tables.append(Table(name: name, columns: columns, primaryKey: ["id"], modelKey: nil))
        tableOrigins[name] = (owner.origin, field.pointer)
        addIndex(
            Index(
                name: EngineJSNaming.visibleIndexName(table: name), table: name, columns: ["id"],
                isUnique: false, predicate: .visibleRows), at: owner.origin, field.pointer, to: &schema)
        guard let source, let ownerKey, let sourceKeyColumn else { return }
        // The foreign keys reference one column of each primary key: PostgreSQL refuses that column when the key
        // has more (it is not unique alone), and so EngineJS's sync fails.
        for related in [owner, source] where related.primaryKey.count > 1 {
            error(
                .sourceNotPrimaryKey, at: owner.origin, field.pointer,
                "junction field '\(field.key)' relates to model '\(related.key)', whose primary key has "
                    + "\(related.primaryKey.count) columns (\(related.primaryKey.joined(separator: ", "))): PostgreSQL refuses "
                    + "a foreign key to one of them (it is not unique alone), and so EngineJS's sync fails",
                hint: "give model '\(related.key)' a single-column primary key")
            return
        }
        // Sequelize's join-model belongsTo(source, {targetKey: sourceid}) fails when `sourceid` is not an attribute
        // of the source; belongsToMany then gives that key its own default actions, CASCADE.
        let sourceActions =
            source.attributeColumn(sourceField) == nil
            ? (ReferentialAction.cascade, ReferentialAction.cascade) : (field.onDelete, field.onUpdate)
        schema.foreignKeys.append(
            ForeignKey(
                name: EngineJSNaming.foreignKeyName(table: name, column: ownerColumn), table: name,
                columns: [ownerColumn],
                referencedTable: owner.table, referencedColumns: [ownerKey.name], onDelete: field.onDelete,
                onUpdate: field.onUpdate))
        if sourceColumn != ownerColumn {
            schema.foreignKeys.append(
                ForeignKey(
                    name: EngineJSNaming.foreignKeyName(table: name, column: sourceColumn), table: name,
                    columns: [sourceColumn], referencedTable: source.table, referencedColumns: [sourceKeyColumn.name],
                    onDelete: sourceActions.0, onUpdate: sourceActions.1))
        }
    }

}
