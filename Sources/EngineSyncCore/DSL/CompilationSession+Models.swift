extension CompilationSession {
    /// The fields every model gets when missing (SPEC 2.2), in this order.
    static let systemFields: [(String, JSONObject)] = [
        ("created_at", JSONObject(["type": .string("datetime")])),
        ("updated_at", JSONObject(["type": .string("datetime")])),
        ("deleted", JSONObject(["type": .string("boolean"), "default": .bool(false)])),
        ("deleted_at", JSONObject(["type": .string("datetime")])),
        ("archived", JSONObject(["type": .string("boolean"), "default": .bool(false)])),
        ("archived_at", JSONObject(["type": .string("datetime")])),
        ("auto_name", JSONObject(["type": .string("string"), "length": .number("512")])),
    ]

    /// Properties a virtual field may not define, even as `false` or `null` (EngineJS checks `!== undefined`).
    static let virtualForbidden = [
        "source", "sourceid", "columnName", "multi", "unique", "primary", "autoIncrement",
        "canfind",
    ]

    /// EngineJS's `augmentDslWithSystemFields`: `ui.sort` and the system fields, appended when missing or
    /// `null` (JavaScript `??=`). The result is what EngineJS stores in its snapshot, so nothing else is added.
    func augment(_ object: JSONObject) -> JSONObject {
        var object = object
        switch object["ui"] {
        case .object(var ui)?:
            if ui["sort"] == nil {
                ui["sort"] = .array([.string("-created_at")])
                object["ui"] = .object(ui)
            }
        default:
            // EngineJS replaces a missing, null, array or scalar `ui` by `{sort: ["-created_at"]}`.
            object["ui"] = .object(JSONObject(["sort": .array([.string("-created_at")])]))
        }
        var fields = object["fields"]?.objectValue ?? JSONObject()
        for (key, definition) in Self.systemFields where fields[key] == nil || fields[key] == .null {
            fields[key] = .object(definition)
        }
        object["fields"] = .object(fields)
        return object
    }

    /// Compiles one augmented model into columns the way EngineJS's Sequelize adapter defines its attributes
    /// (`initSequelizeModelsFromDsl`): declared fields in order, then `id` when no saved field is keyed `id`.
    func compileModel(_ source: ModelSource) -> CompiledModel {
        let origin = source.origin
        let object = source.object
        // `spec.table || modelKey`: an empty table name falls back to the key.
        let table = object["table"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? source.key
        // The key's characters were checked by EngineJS's schema; its length matters when it names the table.
        checkIdentifier(
            table, what: table == source.key ? "table name (the model key)" : "table name", at: origin,
            table == source.key ? "" : "/table")

        var model = CompiledModel(key: source.key, origin: origin, table: table, object: object)
        var columnOwners = NameIndex()
        let fields = object["fields"]?.objectValue ?? JSONObject()
        for entry in fields.entries {
            if let source = entry.value.objectValue?["source"]?.stringValue { model.fieldSources.append(source) }
            compileField(key: entry.key, value: entry.value, into: &model, columnOwners: &columnOwners)
        }
        let hasIDAttribute = model.fields.contains { $0.key == "id" && $0.isAttribute }
        if !hasIDAttribute {
            if let owner = columnOwners["id"] {
                let field = model.columns[owner].fieldKey ?? "id"
                error(
                    .duplicateColumn, at: origin, JSONPointer.appending(field, to: "/fields"),
                    "field '\(field)' maps to column 'id', which EngineJS adds itself as the primary key of '\(table)'",
                    hint: "declare the key field as \"id\", or give '\(field)' another columnName")
            } else {
                columnOwners.insert("id", at: model.columns.count)
                model.primaryKey.append("id")
                model.columns.append(Column(name: "id", type: .integer, isNotNull: true, isAutoIncrement: true))
            }
        } else if model.primaryKey.isEmpty {
            // Sequelize's own check: an `id` attribute that is not the primary key, and no other primary key.
            error(
                .idNotPrimary, at: origin, "/fields/id",
                "field 'id' of model '\(source.key)' is not marked primary, and no other field is (Sequelize: \"A column called 'id' was added to the attributes of '\(table)' but not marked with 'primaryKey: true'\")",
                hint: "add \"primary\": true to 'id', or mark another field primary")
        }
        let autoIncrement = model.columns.filter(\.isAutoIncrement)
        if autoIncrement.count > 1 {
            error(
                .multipleAutoIncrement, at: origin, "/fields",
                "model '\(source.key)' has more than one autoIncrement column ("
                    + autoIncrement.map { "'\($0.name)'" }.joined(separator: ", ")
                    + "); Sequelize refuses it: \"Only one autoincrement field allowed\"",
                hint: model.fields.contains { $0.key == "id" }
                    ? "keep autoIncrement on one field"
                    : "EngineJS adds an autoIncrement 'id' to a model without one: declare 'id' yourself, or drop autoIncrement"
            )
        }
        return model
    }

    // MARK: - Fields

    func compileField(
        key: String, value: JSONValue, into model: inout CompiledModel,
        columnOwners: inout NameIndex
    ) {
        let origin = model.origin
        var pointer: String { JSONPointer.appending(key, to: "/fields") }
        guard case .object(let definition) = value else {
            // Reported by the schema validation.
            addInvalidField(key, definition: JSONObject(), to: &model)
            return
        }
        // JavaScript truthiness of a string property: `""` counts as absent.
        func text(_ name: String) -> String? {
            guard case .string(let text)? = definition[name], !text.isEmpty else { return nil }
            return text
        }
        func isTrue(_ name: String) -> Bool { definition[name] == .bool(true) }

        var field = CompiledModel.Field(key: key, definition: definition, typeName: "", storage: .virtual)
        if definition["save"] == .bool(false) {
            addField(field, to: &model)
            return
        }
        let declaredType = definition["type"]?.stringValue ?? ""
        let typeName = declaredType.lowercased()
        field.typeName = typeName
        field.source = text("source")
        field.sourceField = text("sourceid")
        field.alias = text("as") ?? field.source
        field.onDelete = referentialAction("onDelete", in: definition, at: origin, pointer) ?? .restrict
        field.onUpdate = referentialAction("onUpdate", in: definition, at: origin, pointer) ?? .cascade
        let isMulti = isTrue("multi")
        let isIntegerType = DSLFieldType.integerNames.contains(typeName)

        if isMulti, field.source != nil, field.sourceField != nil, isIntegerType {
            field.storage = .junction
            if isTrue("unique") {
                surprise(
                    .scalarUniqueIgnored, at: origin, pointer + "/unique",
                    "'unique' on the many-to-many field '\(key)' creates no index (EngineJS ignores it)",
                    hint: "remove it, or enforce it with a migration that adds a unique index to the junction table")
            }
            addField(field, to: &model)
            return
        }

        let type: ColumnType
        var columnName = key
        var ignoresColumnProperties = false
        if isMulti, typeName == "string" {
            if field.source != nil || field.sourceField != nil {
                error(
                    .multiStringWithSource, at: origin, pointer,
                    "field '\(key)' is a string with multi: true and a source; EngineJS refuses it (\"string multi fields cannot be foreign keys\")",
                    hint:
                        "use \"type\": \"int\" with \"sourceid\" for a many-to-many relation (junction table), or drop 'source'"
                )
                addInvalidField(key, definition: definition, to: &model)
                return
            }
            type = .array(.varchar(length: 255))
            ignoresColumnProperties = true
            for property in ["columnName", "default", "unique", "length", "max", "size", "primary"]
            where definition[property] != nil && definition[property] != .null {
                surprise(
                    .multiStringIgnoredProperty, at: origin, pointer + "/" + property,
                    "'\(property)' on the multi string field '\(key)' is ignored: EngineJS stores it as varchar(255)[] named '\(key)'",
                    hint: "remove '\(property)'")
            }
        } else {
            guard let length = stringLength(definition, field: key, at: origin, pointer) else {
                addInvalidField(key, definition: definition, to: &model)
                return
            }
            type = columnType(declaredType: declaredType, length: length, field: key, at: origin, pointer)
            if isMulti {
                surprise(
                    .multiIgnored, at: origin, pointer + "/multi",
                    "multi: true on the \(declaredType.isEmpty ? "untyped" : "'\(declaredType)'") field '\(key)' is ignored: EngineJS stores one \(type.sql) value",
                    hint: isIntegerType && field.source != nil
                        ? "add \"sourceid\" for a many-to-many relation (junction table)"
                        : "only string fields hold several values (varchar(255)[]); remove 'multi'")
            }
            if let name = text("columnName"), name != key {
                columnName = name
                checkIdentifier(name, what: "column name", at: origin, pointer + "/columnName")
            } else {
                checkIdentifier(key, what: "field key", at: origin, pointer)
            }
        }

        let isPrimary = !ignoresColumnProperties && isTrue("primary")
        var isAutoIncrement = false
        if isTrue("autoIncrement"), !ignoresColumnProperties {
            if isIntegerType {
                isAutoIncrement = true
            } else {
                surprise(
                    .autoIncrementIgnored, at: origin, pointer + "/autoIncrement",
                    "autoIncrement on the \(type.sql) field '\(key)' is ignored (EngineJS applies it to int, integer and bigint only)",
                    hint: "remove autoIncrement, or use \"type\": \"int\"")
            }
        }
        var column = Column(
            name: columnName, type: type, isNotNull: isPrimary, isAutoIncrement: isAutoIncrement,
            fieldKey: key)
        if !ignoresColumnProperties, definition["default"] == .null, !isAutoIncrement {
            // Sequelize writes `DEFAULT NULL`, which PostgreSQL keeps as `NULL::<type>`: the same "no value" as no
            // default at all (the planner treats both alike), but EngineJS's catalog has it.
            column.defaultValue = .expression("NULL")
        } else if !ignoresColumnProperties, let value = definition["default"], value != .null {
            if isAutoIncrement {
                error(
                    .invalidDefault, at: origin, pointer + "/default",
                    "field '\(key)' is autoIncrement: its default is the sequence and cannot be set",
                    hint: "remove the default or autoIncrement")
            } else {
                column.defaultValue = columnDefault(value, for: type, field: key, at: origin, pointer + "/default")
            }
        }
        if isTrue("unique"), !ignoresColumnProperties {
            surprise(
                .scalarUniqueIgnored, at: origin, pointer + "/unique",
                "'unique: true' on field '\(key)' creates no index: EngineJS ignores it",
                hint: "to enforce it, declare \"indexes\": {\"unique\": [[\"\(key)\"]]} on the model")
        }
        if let ownerPosition = columnOwners[columnName] {
            let owner = model.columns[ownerPosition].fieldKey ?? columnName
            error(
                .duplicateColumn, at: origin, pointer,
                "fields '\(owner)' and '\(key)' both map to column '\(columnName)' of table '\(model.table)'",
                hint: "rename one of them or give it another columnName")
            addInvalidField(key, definition: definition, to: &model)
            return
        }
        columnOwners.insert(columnName, at: model.columns.count)
        if isPrimary { model.primaryKey.append(columnName) }
        field.storage = .column(model.columns.count)
        model.columns.append(column)
        addField(field, to: &model)
    }

    /// EngineJS's `f.max || f.length || f.size` (JavaScript `||`: 0 falls through), 255 when none is set.
    /// Only strings use it, but EngineJS passes it to unknown types too (they become varchar of that length).
    private func stringLength(
        _ definition: JSONObject, field: String, at origin: Origin,
        _ pointer: @autoclosure () -> String
    ) -> Int? {
        for property in ["max", "length", "size"] {
            guard case .number(let lexeme)? = definition[property] else { continue }
            guard let number = Double(lexeme), number != 0 else { continue }
            guard let length = Int(exactly: number), length >= 1, length <= 10_485_760 else {
                error(
                    .invalidLength, at: origin, pointer() + "/" + property,
                    "'\(property)' must be a whole number from 1 to 10485760, not \(lexeme)",
                    hint: "PostgreSQL's varchar(n) takes 1 ≤ n ≤ 10485760")
                return nil
            }
            return length
        }
        return 255
    }

    /// EngineJS's `mapType`: the type name lower-cased, unknown names (and `embed`, and no type) as varchar.
    private func columnType(
        declaredType: String, length: Int, field: String, at origin: Origin,
        _ pointer: @autoclosure () -> String
    ) -> ColumnType {
        let lowered = declaredType.lowercased()
        if let type = DSLFieldType.scalarType(lowered, length: length) {
            if lowered != declaredType {
                surprise(
                    .typeCase, at: origin, pointer() + "/type",
                    "type '\(declaredType)' of field '\(field)' is read as '\(lowered)' (EngineJS lower-cases type names)",
                    hint: "write \"type\": \"\(lowered)\"")
            }
            return type
        }
        let type = ColumnType.varchar(length: length)
        if declaredType.isEmpty {
            surprise(
                .missingType, at: origin, pointer(),
                "field '\(field)' has no type; EngineJS stores it as \(type.sql)",
                hint: "add \"type\": \"string\" to make it explicit")
        } else if lowered == "embed" {
            surprise(
                .embedColumn, at: origin, pointer() + "/type",
                "type 'embed' of field '\(field)' becomes a \(type.sql) column (EngineJS maps unknown types to varchar)",
                hint: "use \"type\": \"json\" to store a document, or \"save\": false for a field without a column")
        } else {
            let suggestion = DSLFieldType.suggestion(for: declaredType)
            surprise(
                .unknownType, at: origin, pointer() + "/type",
                "unknown type \(Self.quoted(declaredType)) of field '\(field)' becomes \(type.sql), as in EngineJS"
                    + (suggestion.map { " — did you mean '\($0)'?" } ?? ""),
                hint: "known types: " + DSLFieldType.names.joined(separator: ", "))
        }
        return type
    }

    /// Registers a field whose definition had an error, so later references to it do not report it again.
    private func addInvalidField(_ key: String, definition: JSONObject, to model: inout CompiledModel) {
        addField(CompiledModel.Field(key: key, definition: definition, typeName: "", storage: .invalid), to: &model)
    }

    private func addField(_ field: CompiledModel.Field, to model: inout CompiledModel) {
        model.fieldIndex.insert(field.key, at: model.fields.count)
        model.fields.append(field)
    }

    func referentialAction(
        _ name: String, in definition: JSONObject, at origin: Origin,
        _ pointer: @autoclosure () -> String
    ) -> ReferentialAction? {
        // `f.onDelete || 'RESTRICT'`: absent, null and "" take the default.
        guard let value = definition[name], value != .null, value != .string("") else { return nil }
        if case .string(let text) = value {
            let normalised = text.uppercased().split(separator: " ").joined(separator: " ")
            if let action = ReferentialAction(rawValue: normalised) { return action }
        }
        error(
            .invalidReferentialAction, at: origin, pointer() + "/" + name,
            "\(name) \(Self.describe(value)) is not a referential action",
            hint: "use one of " + ReferentialAction.allCases.map(\.rawValue).joined(separator: ", "))
        return nil
    }

    /// A short rendering of a value for messages.
    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): "\"" + String(quoted(text).dropFirst().dropLast()) + "\" (a string)"
        case .number(let lexeme): lexeme
        case .bool(let flag): flag ? "true" : "false"
        case .null: "null"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
