extension CompilationSession {
    /// Adds an index unless one with the same name exists: EngineJS's `CREATE INDEX IF NOT EXISTS` keeps the
    /// first, so a different index under the same name is a warning (an error under `strict`).
    func addIndex(_ index: Index, at origin: Origin, _ pointer: String, to schema: inout Schema) {
        if let existing = indexesByName[index.name] {
            if existing != index {
                surprise(
                    .duplicateIndexName, at: origin, pointer,
                    "index name '\(index.name)' is generated for two different indexes (on '\(existing.table)' and '\(index.table)'); EngineJS keeps only the first",
                    hint: "PostgreSQL index names are unique per schema; rename a table or column")
            }
            return
        }
        indexesByName[index.name] = index
        schema.indexes.append(index)
    }

    /// One model's indexes and `auto_name` before they meet the other models' indexes: everything that depends on
    /// the model alone, so an incremental compile keeps it (`DSLCompileCache`). `apply` adds it to the schema.
    struct IndexPlan: Sendable {
        /// The visible index on the first primary key column.
        var visible: Index?
        /// What checking `indexes` reported (after the visible index is added, before the others).
        var diagnostics: [Diagnostic] = []
        /// `indexes.unique`, then `indexes.many`, with their pointers.
        var indexes: [(index: Index, pointer: String)] = []
        var autoName: [String]?
        var autoNameDiagnostics: [Diagnostic] = []
    }

    /// The indexes EngineJS's Safe Sync builds on one model's table (SPEC 2.6): the visible index on the first
    /// primary key column, then `indexes.unique` and `indexes.many`; `indexes.lower` is never built. And the model's
    /// `auto_name` columns. Diagnostics are kept in the plan, in the order `apply` gives them.
    func planIndexes(of model: CompiledModel) -> IndexPlan {
        var plan = IndexPlan()
        if model.hasVisibilityColumns, let key = model.primaryKeyColumn {
            plan.visible = Index(
                name: EngineJSNaming.visibleIndexName(table: model.table), table: model.table,
                columns: [key.name], isUnique: false, predicate: .visibleRows)
        }
        (plan.indexes, plan.diagnostics) = capturingDiagnostics { modelIndexes(of: model) }
        (plan.autoName, plan.autoNameDiagnostics) = capturingDiagnostics { compileAutoName(of: model) }
        return plan
    }

    /// Adds a model's planned indexes to the schema (where two models' index names meet) and its `auto_name`.
    func apply(
        _ plan: IndexPlan, of model: CompiledModel, to schema: inout Schema, autoNames: inout [String: [String]]
    ) {
        if let visible = plan.visible { addIndex(visible, at: model.origin, "", to: &schema) }
        plan.diagnostics.forEach(append)
        for item in plan.indexes { addIndex(item.index, at: model.origin, item.pointer, to: &schema) }
        plan.autoNameDiagnostics.forEach(append)
        if let columns = plan.autoName { autoNames[model.key] = columns }
    }

    /// Runs `body`, and returns what it reported instead of reporting it.
    private func capturingDiagnostics<Value>(_ body: () -> Value) -> (Value, [Diagnostic]) {
        let start = diagnostics.count
        let errorsBefore = errorCount
        let value = body()
        let captured = Array(diagnostics[start...])
        diagnostics.removeSubrange(start...)
        errorCount = errorsBefore
        return (value, captured)
    }

    /// `indexes.unique` then `indexes.many` of one model, checked.
    private func modelIndexes(of model: CompiledModel) -> [(index: Index, pointer: String)] {
        let origin = model.origin
        let predicate: IndexPredicate? = model.hasVisibilityColumns ? .visibleRows : nil
        var unique: [(columns: [String], pointer: String)] = []
        var many: [(columns: [String], pointer: String)] = []
        // The shapes were checked against EngineJS's schema before this runs.
        if case .object(let indexes)? = model.object["indexes"] {
            for entry in indexes.entries {
                let pointer = JSONPointer.appending(entry.key, to: "/indexes")
                switch entry.key {
                case "unique", "many", "lower":
                    for (lists, position) in indexLists(entry.value, model: model, pointer: pointer) {
                        let item = (columns: lists, pointer: pointer + "/\(position)")
                        if entry.key == "unique" {
                            unique.append(item)
                        } else if entry.key == "many" {
                            many.append(item)
                        } else {
                            warning(
                                .lowerIndexIgnored, at: origin, item.pointer,
                                "indexes.lower on (\(lists.joined(separator: ", "))) is not built: EngineJS's sync never creates lower() indexes",
                                hint: "create it with a migration (CREATE INDEX … (lower(col))) if queries need it")
                        }
                    }
                default:
                    surprise(
                        .unknownIndexKind, at: origin, pointer,
                        "index kind '\(entry.key)' is not known and is ignored",
                        hint: "known kinds: unique, many, lower")
                }
            }
        }
        var result: [(index: Index, pointer: String)] = []
        for item in unique {
            result.append(
                (
                    Index(
                        name: EngineJSNaming.uniqueIndexName(table: model.table, columns: item.columns),
                        table: model.table, columns: item.columns, isUnique: true, predicate: predicate),
                    item.pointer
                ))
        }
        for item in many {
            result.append(
                (
                    Index(
                        name: EngineJSNaming.indexName(table: model.table, columns: item.columns),
                        table: model.table, columns: item.columns, isUnique: false, predicate: predicate),
                    item.pointer
                ))
        }
        return result
    }

    /// Validates `[[field, …], …]` and maps each list to column names; bad lists are reported and skipped.
    private func indexLists(_ value: JSONValue, model: CompiledModel, pointer: String) -> [([String], Int)] {
        guard case .array(let lists) = value else {
            error(
                .invalidValue, at: model.origin, pointer,
                "an index kind must be an array of field lists, not \(value.kindName)", hint: "write [[\"field\"]]")
            return []
        }
        var result: [([String], Int)] = []
        for (position, list) in lists.enumerated() {
            let listPointer = pointer + "/\(position)"
            guard case .array(let items) = list else {
                error(
                    .invalidValue, at: model.origin, listPointer,
                    "an index must be an array of field keys, not \(list.kindName)", hint: "write [\"field\"]")
                continue
            }
            if items.isEmpty {
                error(.emptyIndex, at: model.origin, listPointer, "an index must list at least one field")
                continue
            }
            var columns: [String] = []
            var valid = true
            for (itemPosition, item) in items.enumerated() {
                let itemPointer = listPointer + "/\(itemPosition)"
                guard case .string(let key) = item else {
                    error(
                        .invalidValue, at: model.origin, itemPointer,
                        "an index entry must be a field key string, not \(item.kindName)")
                    valid = false
                    continue
                }
                if let column = savedColumn(
                    key, in: model, pointer: itemPointer, virtualCode: .indexOnVirtualField,
                    unknownCode: .unknownIndexField, use: "an index")
                {
                    columns.append(column)
                } else {
                    valid = false
                }
            }
            if valid { result.append((columns, position)) }
        }
        return result
    }

    /// The column of a saved field (or EngineJS's own `id`) named by an index or `auto_name`, or an error.
    func savedColumn(
        _ key: String, in model: CompiledModel, pointer: String, virtualCode: DSLDiagnosticCode,
        unknownCode: DSLDiagnosticCode, use: String
    ) -> String? {
        if model.field(key) == nil, let column = model.attributeColumn(key) { return column.name }
        guard let field = model.field(key) else {
            let suggestion = DSLFieldType.closest(to: key, among: model.fields.map(\.key))
            error(
                unknownCode, at: model.origin, pointer,
                "\(use) lists \(Self.quoted(key)), which is not a field of model '\(model.key)'"
                    + (suggestion.map { " — did you mean '\($0)'?" } ?? ""))
            return nil
        }
        if case .invalid = field.storage { return nil }
        guard let column = model.column(of: field) else {
            error(
                virtualCode, at: model.origin, pointer,
                "\(use) lists field '\(key)', which has no column (virtual or many-to-many)",
                hint: "only saved fields can be used here")
            return nil
        }
        return column.name
    }

    /// `auto_name`: the column names it is built from (SPEC 2.7); every entry must be a saved field.
    func compileAutoName(of model: CompiledModel) -> [String]? {
        guard let value = model.object["auto_name"], value != .null else { return nil }
        guard case .array(let items) = value else {
            error(
                .invalidValue, at: model.origin, "/auto_name",
                "'auto_name' must be an array of field keys, not \(value.kindName)")
            return nil
        }
        var columns: [String] = []
        for (position, item) in items.enumerated() {
            let pointer = "/auto_name/\(position)"
            guard case .string(let key) = item else {
                error(
                    .invalidValue, at: model.origin, pointer,
                    "an auto_name entry must be a field key string, not \(item.kindName)")
                continue
            }
            if let column = savedColumn(
                key, in: model, pointer: pointer, virtualCode: .autoNameOnVirtualField,
                unknownCode: .unknownAutoNameField, use: "auto_name")
            {
                columns.append(column)
            }
        }
        return columns.isEmpty ? nil : columns
    }
}
