/// Builds the effective DSL stored as the snapshot: D plus, for every blocked change, the old
/// definition from S, so a blocked removal stays managed (and reported) until a migration performs it
/// (SPEC 4.5).
enum EffectiveSnapshot {
    static func merge(desired: JSONObject, snapshot: JSONObject?, blocked: [PlannedChange]) -> JSONObject {
        var effective = desired
        guard let snapshot else { return effective }
        for change in blocked {
            guard let origin = change.origin, let oldModel = snapshot[origin.modelKey]?.objectValue else { continue }
            switch change.kind {
            case .renameTable:
                guard var model = effective[origin.modelKey]?.objectValue else { continue }
                model["table"] = oldModel["table"]
                effective[origin.modelKey] = .object(model)
            case .dropTable where origin.fieldKey == nil, .changePrimaryKey:
                effective[origin.modelKey] = .object(oldModel)
            case .dropIndex, .changeIndex:
                guard var model = effective[origin.modelKey]?.objectValue else { continue }
                model["indexes"] = unionIndexes(model["indexes"]?.objectValue, oldModel["indexes"]?.objectValue)
                    .map(JSONValue.object)
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
            case .addForeignKey:
                guard let fieldKey = origin.fieldKey, var model = effective[origin.modelKey]?.objectValue,
                      var fields = model["fields"]?.objectValue else { continue }
                if let oldField = oldModel["fields"]?.objectValue?[fieldKey] {
                    fields[fieldKey] = oldField
                } else if var field = fields[fieldKey]?.objectValue {
                    for key in ["source", "sourceid", "onDelete", "onUpdate"] { field[key] = nil }
                    fields[fieldKey] = .object(field)
                }
                model["fields"] = .object(fields)
                effective[origin.modelKey] = .object(model)
            case .uniqueConflict:
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
                fields[fieldKey] = oldField
                model["fields"] = .object(fields)
                effective[origin.modelKey] = .object(model)
            }
        }
        return effective
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
}
