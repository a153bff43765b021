/// Builds the effective DSL stored as the snapshot: D plus, for every change left to a migration (blocked, or
/// kept and listed under `manual`), the old definition from S, so it stays managed (and reported) until a
/// migration performs it (SPEC 4.5).
public enum EffectiveSnapshot {
    static func merge(desired: JSONObject, snapshot: JSONObject?, blocked: [PlannedChange]) -> JSONObject {
        var effective = desired
        for change in blocked {
            // A relation added to an existing column that was never made a foreign key: the stored field has no
            // relation (the old field when the snapshot has one), with or without a snapshot — otherwise the next
            // reconcile would take the missing key for one dropped by hand and add it.
            if change.kind == .addForeignKey, let origin = change.origin, let fieldKey = origin.fieldKey,
                var model = effective[origin.modelKey]?.objectValue, var fields = model["fields"]?.objectValue
            {
                // The old field, unless it declares the relation too (EngineJS's snapshot of a key it never
                // created): then the new field without the relation.
                if let oldField = snapshot?[origin.modelKey]?.objectValue?["fields"]?.objectValue?[fieldKey],
                    oldField.objectValue?["source"] == nil
                {
                    fields[fieldKey] = oldField
                } else if var field = fields[fieldKey]?.objectValue {
                    for key in ["source", "sourceid", "onDelete", "onUpdate"] { field[key] = nil }
                    fields[fieldKey] = .object(field)
                }
                model["fields"] = .object(fields)
                effective[origin.modelKey] = .object(model)
                continue
            }
            guard let snapshot, let origin = change.origin, let oldModel = snapshot[origin.modelKey]?.objectValue else {
                continue
            }
            switch change.kind {
            case .renameTable:
                guard var model = effective[origin.modelKey]?.objectValue else { continue }
                model["table"] = oldModel["table"]
                effective[origin.modelKey] = .object(model)
            case .dropTable where origin.fieldKey == nil, .changePrimaryKey:
                if change.kind == .dropTable, change.statements.isEmpty {
                    // A model key EngineJS refuses to see removed while another model took its table over: the
                    // old model comes back instead of that one, so putting the old key back in the DSL ends it.
                    let table = Self.tableName(of: .object(oldModel), key: origin.modelKey)
                    for entry in effective.entries where entry.key != origin.modelKey && entry.key != "$schema" {
                        if Self.tableName(of: entry.value, key: entry.key) == table,
                            entry.value.objectValue?["fields"] != nil
                        {
                            effective[entry.key] = nil
                        }
                    }
                }
                effective[origin.modelKey] = .object(oldModel)
            case .dropIndex, .changeIndex:
                guard var model = effective[origin.modelKey]?.objectValue else { continue }
                var current = model["indexes"]?.objectValue
                if change.kind == .changeIndex, let name = change.index {
                    // The live index keeps its old definition: the new list of that name gives way, or the
                    // snapshot would hold two definitions of one name and no longer compile.
                    current = removingLists(named: name, from: current, model: model, modelKey: origin.modelKey)
                }
                model["indexes"] = unionIndexes(current, oldModel["indexes"]?.objectValue).map(JSONValue.object)
                if var fields = model["fields"]?.objectValue, let oldFields = oldModel["fields"]?.objectValue {
                    for entry in oldFields.entries where entry.value.objectValue?["unique"] == .bool(true) {
                        if var field = fields[entry.key]?.objectValue, field["unique"] != .bool(true) {
                            field["unique"] = .bool(true)
                            fields[entry.key] = .object(field)
                        }
                    }
                    model["fields"] = .object(fields)
                }
                effective[origin.modelKey] = .object(model)
            case .uniqueConflict, .addForeignKey:
                continue
            default:
                guard let fieldKey = origin.fieldKey else {
                    if effective[origin.modelKey] == nil { effective[origin.modelKey] = .object(oldModel) }
                    continue
                }
                guard let oldField = oldModel["fields"]?.objectValue?[fieldKey] else { continue }
                guard var model = effective[origin.modelKey]?.objectValue else {
                    effective[origin.modelKey] = .object(oldModel)
                    continue
                }
                var fields = model["fields"]?.objectValue ?? JSONObject()
                if change.kind == .dropColumn, change.statements.isEmpty {
                    // A field key EngineJS refuses to see removed while another field took its column over: the
                    // old field comes back instead of that one (one column, one field), so the document compiles.
                    let column = Self.columnName(of: oldField, key: fieldKey)
                    for entry in fields.entries
                    where entry.key != fieldKey && Self.columnName(of: entry.value, key: entry.key) == column {
                        fields[entry.key] = nil
                    }
                }
                fields[fieldKey] = oldField
                model["fields"] = .object(fields)
                effective[origin.modelKey] = .object(model)
            }
        }
        return effective
    }

    /// The column a field definition maps to: `columnName` when set, else the key.
    private static func columnName(of field: JSONValue, key: String) -> String {
        nonEmpty(field.objectValue?["columnName"]) ?? key
    }

    /// The table a model definition maps to: `table || key`, as EngineJS reads it.
    private static func tableName(of model: JSONValue, key: String) -> String {
        nonEmpty(model.objectValue?["table"]) ?? key
    }

    private static func nonEmpty(_ value: JSONValue?) -> String? {
        value?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `indexes` without the `unique`/`many` lists whose EngineJS name is `name`.
    private static func removingLists(
        named name: String, from indexes: JSONObject?, model: JSONObject,
        modelKey: String
    ) -> JSONObject? {
        guard var indexes else { return nil }
        let table = model["table"]?.stringValue ?? modelKey
        let fields = model["fields"]?.objectValue
        for kind in ["unique", "many"] {
            guard let lists = indexes[kind]?.arrayValue else { continue }
            let kept = lists.filter { list in
                guard let keys = list.arrayValue?.compactMap(\.stringValue) else { return true }
                let columns = keys.map { fields?[$0]?.objectValue?["columnName"]?.stringValue ?? $0 }
                let listName =
                    kind == "unique"
                    ? EngineJSNaming.uniqueIndexName(table: table, columns: columns)
                    : EngineJSNaming.indexName(table: table, columns: columns)
                return listName != name
            }
            indexes[kind] = .array(kept)
        }
        return indexes
    }

    /// Lists of `indexes.unique` / `indexes.many` / … from both sides, without duplicates, new ones first.
    private static func unionIndexes(_ current: JSONObject?, _ old: JSONObject?) -> JSONObject? {
        guard let old else { return current }
        var merged = current ?? JSONObject()
        for entry in old.entries {
            guard let oldLists = entry.value.arrayValue else { continue }
            var lists = merged[entry.key]?.arrayValue ?? []
            for list in oldLists where !lists.contains(list) { lists.append(list) }
            merged[entry.key] = .array(lists)
        }
        return merged
    }

    /// The effective document without the unique indexes whose build met duplicate rows (`unique_conflict`).
    ///
    /// Those indexes were never built; leaving them in the stored snapshot would make the next reconcile
    /// report them as dropped outside enginesync (`recreated_index` drift) instead of trying them again.
    /// Both spellings are removed: a field's `unique: true` and an `indexes.unique` list of the same columns.
    public static func removingUniqueIndexes(
        named names: [String], from document: JSONObject,
        desired: CompiledDSL
    ) -> JSONObject {
        var effective = document
        for name in names {
            guard let index = desired.schema.indexes.first(where: { $0.name == name && $0.isUnique }),
                let table = desired.schema.table(named: index.table), let modelKey = table.modelKey,
                var model = effective[modelKey]?.objectValue
            else { continue }
            let fieldKeys = index.columns.map { column in table.column(named: column)?.fieldKey ?? column }
            if fieldKeys.count == 1, var fields = model["fields"]?.objectValue,
                var field = fields[fieldKeys[0]]?.objectValue, field["unique"] == .bool(true)
            {
                field["unique"] = nil
                fields[fieldKeys[0]] = .object(field)
                model["fields"] = .object(fields)
            }
            if var indexes = model["indexes"]?.objectValue, let lists = indexes["unique"]?.arrayValue {
                let kept = lists.filter { list in
                    guard let entries = list.arrayValue?.compactMap(\.stringValue), entries.count == index.columns.count
                    else { return true }
                    return !zip(entries, zip(index.columns, fieldKeys)).allSatisfy { $0 == $1.0 || $0 == $1.1 }
                }
                indexes["unique"] = kept.isEmpty ? nil : .array(kept)
                model["indexes"] = indexes.isEmpty ? nil : .object(indexes)
            }
            effective[modelKey] = .object(model)
        }
        return effective
    }
}
