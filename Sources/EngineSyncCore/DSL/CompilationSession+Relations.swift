extension CompilationSession {
    /// The resolved target of a relation: the source model and its referenced column.
    struct RelationTarget {
        var model: CompiledModel
        var column: Column
    }

    /// Resolves `source` + `sourceid` (SPEC 2.4): the model and field must exist and be saved, and the field's
    /// column must be the source table's single-column primary key.
    func resolveTarget(of field: CompiledModel.Field, in model: CompiledModel,
                       models: [CompiledModel], index: [String: Int]) -> RelationTarget? {
        guard let sourceKey = field.source else { return nil }
        let pointer = field.pointer
        guard let sourceIndex = index[sourceKey] else {
            let suggestion = DSLFieldType.closest(to: sourceKey, among: models.map(\.key))
            error(.unknownSourceModel, at: model.origin, pointer + "/source",
                  "field '\(field.key)' refers to unknown model \(Self.quoted(sourceKey))"
                    + (suggestion.map { " — did you mean '\($0)'?" } ?? ""))
            return nil
        }
        let source = models[sourceIndex]
        guard let target = source.field(field.sourceField) else {
            let suggestion = DSLFieldType.closest(to: field.sourceField, among: source.fields.map(\.key))
            error(.unknownSourceField, at: model.origin, pointer + (field.definition["sourceid"] == nil ? "/source" : "/sourceid"),
                  "field '\(field.key)' refers to \(Self.quoted(field.sourceField)), which is not a field of model '\(sourceKey)'"
                    + (suggestion.map { " — did you mean '\($0)'?" } ?? ""))
            return nil
        }
        if case .invalid = target.storage { return nil }
        guard let column = source.column(of: target) else {
            error(.sourceFieldNotSaved, at: model.origin, pointer + "/sourceid",
                  "field '\(field.key)' refers to '\(sourceKey).\(target.key)', which has no column (virtual, embed or multi)")
            return nil
        }
        guard source.primaryKey == [column.name] else {
            error(.sourceNotPrimaryKey, at: model.origin, pointer + "/sourceid",
                  "field '\(field.key)' refers to '\(sourceKey).\(target.key)', which is not the single-column primary key of table '\(source.table)'",
                  hint: "PostgreSQL needs a non-partial unique constraint on the referenced column; DSL unique indexes are partial")
            return nil
        }
        return RelationTarget(model: source, column: column)
    }

    func typesAreCompatible(_ a: ColumnType, _ b: ColumnType) -> Bool {
        (a.isIntegerFamily && b.isIntegerFamily) || a == b
    }

    /// Foreign keys of plain relations (SPEC 2.4) and the junction tables of multi relations (SPEC 2.5).
    func resolveRelations(models: [CompiledModel], index: [String: Int], schema: inout Schema) {
        for model in models {
            for field in model.fields where field.source != nil {
                switch field.storage {
                case .column(let columnIndex):
                    guard let target = resolveTarget(of: field, in: model, models: models, index: index) else { continue }
                    let column = model.columns[columnIndex]
                    guard typesAreCompatible(column.type, target.column.type) else {
                        error(.relationTypeMismatch, at: model.origin, field.pointer,
                              "field '\(field.key)' is \(column.type.sql) but refers to '\(target.model.table).\(target.column.name)' of type \(target.column.type.sql)",
                              hint: "both must be integer types, or the same type")
                        continue
                    }
                    schema.foreignKeys.append(ForeignKey(
                        name: EngineJSNaming.foreignKeyName(table: model.table, column: column.name), table: model.table,
                        columns: [column.name], referencedTable: target.model.table,
                        referencedColumns: [target.column.name], onDelete: field.onDelete, onUpdate: field.onUpdate))
                case .junction:
                    addJunction(for: field, of: model, models: models, index: index, schema: &schema)
                case .virtual, .embed, .invalid:
                    continue
                }
            }
        }
    }

    private func addJunction(for field: CompiledModel.Field, of owner: CompiledModel, models: [CompiledModel],
                             index: [String: Int], schema: inout Schema) {
        guard let sourceKey = field.source else { return }
        let name = EngineJSNaming.junctionTableName(owner: owner.key, field: field.key, source: sourceKey,
                                                    sourceField: field.sourceField)
        if name.utf8.count > 63 {
            error(.junctionNameTooLong, at: owner.origin, field.pointer,
                  "junction table '\(name)' is \(name.utf8.count) bytes; PostgreSQL identifiers are at most 63 bytes",
                  hint: "PostgreSQL would silently truncate it; shorten the model or field keys")
            return
        }
        // The name is built from the field key (and `sourceid`), which nothing else checks for a junction field.
        guard checkIdentifier(name, what: "junction table name (from field key '\(field.key)')", at: owner.origin,
                              field.pointer) else { return }
        guard let target = resolveTarget(of: field, in: owner, models: models, index: index) else { return }
        guard owner.primaryKey.count == 1, let ownerKey = owner.columns.first(where: { $0.name == owner.primaryKey[0] }),
              ownerKey.type.isIntegerFamily else {
            error(.relationTypeMismatch, at: owner.origin, field.pointer,
                  "field '\(field.key)' needs a junction table, which needs model '\(owner.key)' to have a single integer primary key")
            return
        }
        guard target.column.type.isIntegerFamily else {
            error(.relationTypeMismatch, at: owner.origin, field.pointer,
                  "junction field '\(field.key)' refers to '\(target.model.table).\(target.column.name)' of type \(target.column.type.sql); junction columns are integers")
            return
        }
        let ownerColumn = owner.key + "Id"
        let sourceColumn = sourceKey + "Id"
        guard checkIdentifier(ownerColumn, what: "junction column", at: owner.origin, field.pointer),
              checkIdentifier(sourceColumn, what: "junction column", at: owner.origin, field.pointer) else { return }
        guard ownerColumn != sourceColumn else {
            error(.duplicateColumn, at: owner.origin, field.pointer,
                  "junction table '\(name)' would have two columns named '\(ownerColumn)' (a model related to itself)")
            return
        }
        let columns = [
            Column(name: "id", type: .integer, isNotNull: true, isAutoIncrement: true),
            Column(name: ownerColumn, type: .integer, isNotNull: true),
            Column(name: sourceColumn, type: .integer, isNotNull: true),
            Column(name: "created_at", type: .timestamptz),
            Column(name: "updated_at", type: .timestamptz),
            Column(name: "deleted", type: .boolean, defaultValue: .boolean(false)),
            Column(name: "deleted_at", type: .timestamptz),
            Column(name: "archived", type: .boolean, defaultValue: .boolean(false)),
            Column(name: "archived_at", type: .timestamptz),
        ]
        if let existing = tableOrigins[name] {
            error(.duplicateTable, at: owner.origin, field.pointer,
                  "junction table '\(name)' is also defined in \(fileName(existing.origin)) at \(existing.origin.pointer + existing.pointer)")
            return
        }
        schema.tables.append(Table(name: name, columns: columns, primaryKey: ["id"], modelKey: nil))
        tableOrigins[name] = (owner.origin, field.pointer)
        schema.foreignKeys.append(ForeignKey(
            name: EngineJSNaming.foreignKeyName(table: name, column: ownerColumn), table: name, columns: [ownerColumn],
            referencedTable: owner.table, referencedColumns: [ownerKey.name], onDelete: field.onDelete,
            onUpdate: field.onUpdate))
        schema.foreignKeys.append(ForeignKey(
            name: EngineJSNaming.foreignKeyName(table: name, column: sourceColumn), table: name, columns: [sourceColumn],
            referencedTable: target.model.table, referencedColumns: [target.column.name], onDelete: field.onDelete,
            onUpdate: field.onUpdate))
        let hash = EngineJSNaming.hash(name)
        var indexes = [
            Index(name: EngineJSNaming.visibleIndexName(table: name), table: name, columns: ["id"], isUnique: false,
                  predicate: .visibleRows),
            Index(name: "idx_\(hash)_owner", table: name, columns: [ownerColumn], isUnique: false),
            Index(name: "idx_\(hash)_source", table: name, columns: [sourceColumn], isUnique: false),
        ]
        if field.isUnique {
            indexes.append(Index(name: "uq_\(hash)_active", table: name, columns: [ownerColumn, sourceColumn],
                                 isUnique: true, predicate: .visibleRows))
        }
        for index in indexes { addIndex(index, at: owner.origin, field.pointer, to: &schema) }
    }
}
