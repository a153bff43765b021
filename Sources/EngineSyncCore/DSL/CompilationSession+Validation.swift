extension CompilationSession {
    /// EngineJS's DSL JSON schema (`ENGINEJS_DSL_SCHEMA_2020_12`, checked with ajv before anything else): the
    /// JSON type of every property it names. A DSL that fails it is refused by EngineJS (`DslValidationError`),
    /// so it is an error here too, with the pointer ajv would report.
    static let fieldPropertyTypes: [(String, JSONKind)] = [
        ("type", .string), ("label", .string), ("length", .number), ("max", .number), ("size", .number),
        ("required", .boolean), ("save", .boolean), ("multi", .boolean), ("unique", .boolean), ("primary", .boolean),
        ("autoIncrement", .boolean), ("canfind", .boolean), ("source", .string), ("sourceid", .string),
        ("columnName", .string), ("as", .string), ("inverseAs", .string), ("onDelete", .string),
        ("onUpdate", .string), ("transforms", .arrayOfObjects), ("validate", .arrayOfObjects),
    ]

    static let modelPropertyTypes: [(String, JSONKind)] = [
        ("table", .string), ("auto_name", .arrayOfStrings), ("pipelines", .object), ("fields", .object),
        ("indexes", .object), ("access", .object),
    ]

    /// The JSON types the schema uses (ajv's `type`: `object` excludes arrays and null, `number` excludes null).
    enum JSONKind {
        case string, number, boolean, object, arrayOfObjects, arrayOfStrings, arrayOfStringArrays

        var name: String {
            switch self {
            case .string: "a string"
            case .number: "a number"
            case .boolean: "true or false"
            case .object: "an object"
            case .arrayOfObjects: "an array of objects"
            case .arrayOfStrings: "an array of strings"
            case .arrayOfStringArrays: "an array of arrays of strings"
            }
        }

        func matches(_ value: JSONValue) -> Bool {
            switch (self, value) {
            case (.string, .string), (.number, .number), (.boolean, .bool), (.object, .object): true
            case (.arrayOfObjects, .array(let items)): items.allSatisfy { $0.objectValue != nil }
            case (.arrayOfStrings, .array(let items)): items.allSatisfy { $0.stringValue != nil }
            case (.arrayOfStringArrays, .array(let items)):
                items.allSatisfy { $0.arrayValue?.allSatisfy { $0.stringValue != nil } == true }
            default: false
            }
        }
    }

    /// EngineJS's model key pattern (`propertyNames`), the only identifier rule EngineJS enforces.
    static func isModelKey(_ key: String) -> Bool {
        var isFirst = true
        for byte in key.utf8 {
            let isLetter = (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte == 95
            let isDigit = byte >= 48 && byte <= 57
            guard isLetter || (!isFirst && isDigit) else { return false }
            isFirst = false
        }
        return !isFirst
    }

    /// Validates one augmented model against EngineJS's schema and its virtual-field rules
    /// (`assertVirtualFieldConstraints`). Returns whether it passed.
    @discardableResult
    func validate(_ model: ModelSource) -> Bool {
        let before = errorCount
        let origin = model.origin
        if !Self.isModelKey(model.key) {
            error(
                .schemaInvalid, at: origin, "",
                "model key \(Self.quoted(model.key)) does not match EngineJS's pattern ^[a-zA-Z_][a-zA-Z0-9_]*$",
                hint:
                    "rename the model (or its file) to letters, digits and underscores, starting with a letter or underscore"
            )
        }
        // A NUL can only come from a `\u0000` escape: files without one are not walked.
        if mayHoldNUL(origin) {
            if model.key.utf8.contains(0) { checkNoNUL(.string(model.key), at: origin, "") }
            checkNoNUL(.object(model.object), at: origin, "")
        }
        check(model.object, against: Self.modelPropertyKinds, at: origin, "")
        if case .object(let indexes)? = model.object["indexes"] {
            check(indexes, against: Self.indexKinds, at: origin, "/indexes")
        }
        let fields = model.object["fields"]?.objectValue ?? JSONObject()
        var virtual: Set<String> = []
        for entry in fields.entries {
            let pointer = JSONPointer.appending(entry.key, to: "/fields")
            guard case .object(let definition) = entry.value else {
                error(
                    .schemaInvalid, at: origin, pointer,
                    "field '\(entry.key)' must be an object, not \(entry.value.kindName) (EngineJS's DSL schema)",
                    hint: "write {\"type\": \"string\"}")
                continue
            }
            check(definition, against: Self.fieldPropertyKinds, at: origin, pointer)
            guard definition["save"] == .bool(false) else { continue }
            virtual.insert(entry.key)
            for property in Self.virtualForbidden where definition[property] != nil {
                error(
                    .virtualFieldProperty, at: origin, pointer + "/" + property,
                    "virtual field '\(entry.key)' (save: false) may not define '\(property)', not even as \(Self.describe(definition[property] ?? .null)) (EngineJS: \"Virtual field cannot define \(property) (\(model.key).\(entry.key))\")",
                    hint: "remove '\(property)' or make the field saved")
            }
        }
        if !virtual.isEmpty {
            for (position, item) in (model.object["auto_name"]?.arrayValue ?? []).enumerated() {
                if let key = item.stringValue, virtual.contains(key) {
                    error(
                        .autoNameOnVirtualField, at: origin, "/auto_name/\(position)",
                        "auto_name lists the virtual field '\(key)', which has no column",
                        hint: "only saved fields can be used in auto_name")
                }
            }
            for kind in ["unique", "many", "lower"] {
                for (list, items) in (model.object["indexes"]?.objectValue?[kind]?.arrayValue ?? []).enumerated() {
                    for (position, item) in (items.arrayValue ?? []).enumerated() {
                        if let key = item.stringValue, virtual.contains(key) {
                            error(
                                .indexOnVirtualField, at: origin, "/indexes/\(kind)/\(list)/\(position)",
                                "indexes.\(kind) lists the virtual field '\(key)', which has no column",
                                hint: "only saved fields can be indexed")
                        }
                    }
                }
            }
        }
        return errorCount == before
    }

    /// Whether the model's file contains a `\u0000` escape (any case); a stored snapshot (jsonb) never does.
    private func mayHoldNUL(_ origin: Origin) -> Bool {
        guard let fileIndex = origin.fileIndex, let bytes = files[fileIndex].document?.bytes else { return false }
        if let known = nulEscapes[fileIndex] { return known }
        var found = false
        var index = 0
        while index + 5 < bytes.count {
            if bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] | 0x20 == UInt8(ascii: "u"),
                bytes[index + 2] == 0x30, bytes[index + 3] == 0x30, bytes[index + 4] == 0x30, bytes[index + 5] == 0x30
            {
                // Not `\\u0000` (an escaped backslash followed by text): count the backslashes before it.
                var backslashes = 0
                var back = index - 1
                while back >= 0, bytes[back] == UInt8(ascii: "\\") {
                    backslashes += 1
                    back -= 1
                }
                if backslashes % 2 == 0 {
                    found = true
                    break
                }
            }
            index += 1
        }
        nulEscapes[fileIndex] = found
        return found
    }

    /// The kinds by property, so a check reads each property once (a field has a few of the 21 named ones).
    static let fieldPropertyKinds = Dictionary(fieldPropertyTypes, uniquingKeysWith: { first, _ in first })
    static let modelPropertyKinds = Dictionary(modelPropertyTypes, uniquingKeysWith: { first, _ in first })
    static let indexKinds: [String: JSONKind] = [
        "unique": .arrayOfStringArrays, "many": .arrayOfStringArrays,
        "lower": .arrayOfStringArrays,
    ]

    private func check(_ object: JSONObject, against kinds: [String: JSONKind], at origin: Origin, _ pointer: String) {
        for entry in object.entries {
            guard let kind = kinds[entry.key], !kind.matches(entry.value) else { continue }
            let property = entry.key
            let value = entry.value
            error(
                .schemaInvalid, at: origin, pointer + "/" + property,
                "'\(property)' must be \(kind.name), not \(Self.describe(value)) (EngineJS's DSL schema)",
                hint: value == .null ? "remove '\(property)' instead of setting it to null" : nil)
        }
    }
}
