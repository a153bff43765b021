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

    static let autoIDField = JSONObject(["type": .string("int"), "primary": .bool(true), "autoIncrement": .bool(true)])

    /// Properties a virtual field may not define (SPEC 2.3).
    static let virtualForbidden = ["source", "sourceid", "columnName", "multi", "unique", "primary", "autoIncrement",
                                   "canfind"]

    /// Augments and compiles one model's own fields into columns.
    func compileModel(_ source: ModelSource) -> CompiledModel {
        let origin = source.origin
        var object = source.object
        checkIdentifier(source.key, what: "model key", at: origin, "")

        var table = source.key
        if let tableValue = object["table"] {
            if case .string(let name) = tableValue {
                table = name
                checkIdentifier(name, what: "table name", at: origin, "/table")
            } else {
                error(.invalidValue, at: origin, "/table", "'table' must be a string, not \(tableValue.kindName)")
            }
        }

        // Augmentation (SPEC 2.2): system fields, the snapshot model's commit, ui.sort.
        let declared = object["fields"]?.objectValue ?? JSONObject()
        var entries = declared.entries
        entries.reserveCapacity(entries.count + Self.systemFields.count + 2)
        var extra = Self.systemFields
        if source.key == options.snapshotModelKey {
            extra.append(("commit", JSONObject(["type": .string("string"), "length": .number("64")])))
        }
        for (key, definition) in extra where !declared.entries.contains(where: { $0.key == key }) {
            entries.append(.init(key: key, value: .object(definition)))
        }
        // The auto id (SPEC 2.3): added, first, whenever no saved field is keyed `id` (a virtual `id` gives way).
        let hasSavedID = declared["id"].map { !Self.isVirtual($0) } ?? false
        if !hasSavedID {
            entries.removeAll { $0.key == "id" }
            entries.insert(.init(key: "id", value: .object(Self.autoIDField)), at: 0)
        }
        object["fields"] = .object(JSONObject(entries))

        switch object["ui"] {
        case nil:
            object["ui"] = .object(JSONObject(["sort": .array([.string("-created_at")])]))
        case .object(var ui)?:
            if ui["sort"] == nil {
                ui["sort"] = .array([.string("-created_at")])
                object["ui"] = .object(ui)
            }
        case let other?:
            error(.invalidValue, at: origin, "/ui", "'ui' must be an object, not \(other.kindName)")
        }

        var model = CompiledModel(key: source.key, origin: origin, table: table, object: object)
        var columnOwners = NameIndex()
        for entry in entries {
            compileField(key: entry.key, value: entry.value, into: &model, columnOwners: &columnOwners)
        }
        return model
    }

    static func isVirtual(_ value: JSONValue) -> Bool {
        value.objectValue?["save"]?.boolValue == false
    }

    // MARK: - Fields

    func compileField(key: String, value: JSONValue, into model: inout CompiledModel,
                      columnOwners: inout NameIndex) {
        let origin = model.origin
        var pointer: String { JSONPointer.appending(key, to: "/fields") }
        guard case .object(let definition) = value else {
            error(.invalidValue, at: origin, pointer, "field '\(key)' must be an object, not \(value.kindName)",
                  hint: "write {\"type\": \"string\"}")
            addInvalidField(key, definition: JSONObject(), to: &model)
            return
        }
        func flag(_ name: String) -> Bool {
            guard let value = definition[name] else { return false }
            switch value {
            case .bool(let flag): return flag
            case .null: return false
            default:
                error(.invalidValue, at: origin, pointer + "/" + name,
                      "'\(name)' must be true or false, not \(value.kindName)")
                return false
            }
        }
        func string(_ name: String) -> String? {
            guard let value = definition[name] else { return nil }
            switch value {
            case .string(let text): return text
            case .null: return nil
            default:
                error(.invalidValue, at: origin, pointer + "/" + name, "'\(name)' must be a string, not \(value.kindName)")
                return nil
            }
        }

        // Type.
        var typeName = "string"
        switch definition["type"] {
        case nil, .null?:
            warning(.missingType, at: origin, pointer, "field '\(key)' has no type; it is stored as a string (varchar(255))",
                    hint: "add \"type\": \"string\" to make it explicit")
        case .string(let name)?:
            if DSLFieldType.names.contains(name) {
                typeName = name
            } else {
                let suggestion = DSLFieldType.suggestion(for: name)
                error(.unknownType, at: origin, pointer + "/type",
                      "unknown type \(Self.quoted(name))" + (suggestion.map { " — did you mean '\($0)'?" } ?? ""),
                      hint: "known types: " + DSLFieldType.names.joined(separator: ", "))
                addInvalidField(key, definition: definition, to: &model)
                return
            }
        case let other?:
            error(.invalidValue, at: origin, pointer + "/type", "'type' must be a string, not \(other.kindName)")
            addInvalidField(key, definition: definition, to: &model)
            return
        }

        let isVirtual = flag("save") == false && definition["save"] != nil && definition["save"] != .null
        var field = CompiledModel.Field(key: key, definition: definition, typeName: typeName,
                                        storage: .virtual, source: nil, sourceField: "id", onDelete: .restrict,
                                        onUpdate: .cascade, isUnique: false)
        if isVirtual {
            for property in Self.virtualForbidden {
                if let value = definition[property], value != .null, value != .bool(false) {
                    error(.virtualFieldProperty, at: origin, pointer + "/" + property,
                          "virtual field '\(key)' (save: false) may not define '\(property)'",
                          hint: "remove '\(property)' or make the field saved")
                }
            }
            addField(field, to: &model)
            return
        }
        if typeName == "embed" {
            field.storage = .embed
            addField(field, to: &model)
            return
        }

        let isMulti = flag("multi")
        let isPrimary = flag("primary")
        let isAutoIncrement = flag("autoIncrement")
        field.isUnique = flag("unique")
        field.source = string("source")
        field.sourceField = string("sourceid") ?? "id"
        if let action = referentialAction("onDelete", in: definition, at: origin, pointer) { field.onDelete = action }
        if let action = referentialAction("onUpdate", in: definition, at: origin, pointer) { field.onUpdate = action }

        if isMulti, field.source != nil {
            if DSLFieldType.integerNames.contains(typeName) {
                field.storage = .junction
                addField(field, to: &model)
                return
            }
            if typeName == "string" {
                error(.multiStringWithSource, at: origin, pointer,
                      "field '\(key)' is a string with multi: true and a source; EngineJS refuses this too",
                      hint: "use \"type\": \"int\" for a many-to-many relation (junction table), or drop 'source'")
            } else {
                error(.unsupportedMulti, at: origin, pointer,
                      "field '\(key)': multi: true with a source needs type int or integer, not '\(typeName)'")
            }
            addInvalidField(key, definition: definition, to: &model)
            return
        }

        // Column type.
        var length = 255
        if typeName == "string" {
            for property in ["length", "max", "size"] {
                guard let value = definition[property], value != .null else { continue }
                if case .number(let lexeme) = value, let number = Int(CanonicalJSON.canonicalNumber(lexeme)),
                   number >= 1, number <= 10_485_760 {
                    length = number
                } else {
                    error(.invalidLength, at: origin, pointer + "/" + property,
                          "'\(property)' must be an integer from 1 to 10485760, not \(Self.describe(value))",
                          hint: value.stringValue.map { "write \($0) without quotes" })
                }
                break
            }
        }
        guard var type = DSLFieldType.scalarType(typeName, length: length) else { return }
        if isMulti {
            type = typeName == "string" ? .array(.varchar(length: 255)) : .array(type)
        }
        if isAutoIncrement && !(type == .integer || type == .bigint) {
            error(.autoIncrementType, at: origin, pointer + "/autoIncrement",
                  "autoIncrement needs an int, integer or bigint field, not '\(typeName)'\(isMulti ? " multi" : "")")
        }

        let columnName: String
        if let name = string("columnName") {
            columnName = name
            checkIdentifier(name, what: "column name", at: origin, pointer + "/columnName")
        } else {
            columnName = key
            checkIdentifier(key, what: "field key", at: origin, pointer)
        }

        var column = Column(name: columnName, type: type, isNotNull: isPrimary,
                            isAutoIncrement: isAutoIncrement && (type == .integer || type == .bigint), fieldKey: key)
        if let value = definition["default"], value != .null {
            if column.isAutoIncrement {
                error(.invalidDefault, at: origin, pointer + "/default",
                      "field '\(key)' is autoIncrement: its default is the sequence and cannot be set",
                      hint: "remove the default or autoIncrement")
            } else {
                column.defaultValue = columnDefault(value, for: type, field: key, at: origin, pointer + "/default")
            }
        }
        if let ownerPosition = columnOwners[columnName] {
            let owner = model.columns[ownerPosition].fieldKey ?? columnName
            error(.duplicateColumn, at: origin, pointer,
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

    /// Registers a field whose definition had an error, so later references to it do not report it again.
    private func addInvalidField(_ key: String, definition: JSONObject, to model: inout CompiledModel) {
        addField(CompiledModel.Field(key: key, definition: definition, typeName: "", storage: .invalid, source: nil,
                                     sourceField: "id", onDelete: .restrict, onUpdate: .cascade, isUnique: false),
                 to: &model)
    }

    private func addField(_ field: CompiledModel.Field, to model: inout CompiledModel) {
        model.fieldIndex.insert(field.key, at: model.fields.count)
        model.fields.append(field)
    }

    func referentialAction(_ name: String, in definition: JSONObject, at origin: Origin,
                           _ pointer: @autoclosure () -> String) -> ReferentialAction? {
        guard let value = definition[name], value != .null else { return nil }
        if case .string(let text) = value {
            let normalised = text.uppercased().split(separator: " ").joined(separator: " ")
            if let action = ReferentialAction(rawValue: normalised) { return action }
        }
        error(.invalidReferentialAction, at: origin, pointer() + "/" + name,
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
