extension CompilationSession {
    /// Parses each file and collects its models in order (SPEC 2.1).
    func collectModels(from inputs: [DSLInputFile]) {
        for input in inputs { collectModels(fromFile: input, asMonolith: false) }
    }

    func collectModels(fromMonolith input: DSLInputFile) {
        collectModels(fromFile: input, asMonolith: true)
    }

    private func collectModels(fromFile input: DSLInputFile, asMonolith: Bool) {
        let reader = JSONReader(maxDepth: options.maxDepth)
        do {
            let fileIndex = files.count
            files.append(ParsedFile(path: input.path, document: nil))
            let origin = Origin(fileIndex: fileIndex, pointer: "")
            let result: JSONReader.Result
            do {
                result = try reader.read(input.bytes)
            } catch {
                let code = DSLDiagnosticCode(rawValue: error.code) ?? .jsonSyntax
                append(Diagnostic(severity: .error, code: code.rawValue, file: input.path, line: error.position.line,
                                  column: error.position.column, pointer: error.pointer, message: error.message,
                                  hint: code == .nestingTooDeep ? "the DSL never needs more than a few levels" : nil))
                return
            }
            files[fileIndex].document = result.document
            for duplicate in result.duplicateKeys {
                append(Diagnostic(severity: .error, code: DSLDiagnosticCode.duplicateKey.rawValue, file: input.path,
                                  line: duplicate.position.line, column: duplicate.position.column,
                                  pointer: duplicate.pointer, message: duplicate.message,
                                  hint: "remove one of them; strict JSON objects have unique keys"))
            }
            collectModels(in: result.document.value, fragmentName: asMonolith ? nil : input.baseName, origin: origin)
        }
    }

    /// The models of one fragment (or monolith, or snapshot document).
    func collectModels(in value: JSONValue, fragmentName: String?, origin: Origin) {
        guard case .object(let root) = value else {
            error(.fragmentNotObject, at: origin, "", "a DSL file must hold a JSON object, not \(value.kindName)")
            return
        }
        if let fields = root["fields"] {
            if case .object = fields, let fragmentName {
                addModel(key: fragmentName, object: root, origin: origin)
                return
            }
            if fragmentName != nil {
                error(.invalidValue, at: origin, "/fields", "'fields' must be an object, not \(fields.kindName)",
                      hint: "fields is an object of field key → field definition")
                return
            }
        }
        var found = 0
        for entry in root.entries where entry.key != "$schema" {
            guard case .object(let model) = entry.value, let fields = model["fields"] else { continue }
            let modelOrigin = Origin(fileIndex: origin.fileIndex, pointer: JSONPointer.appending(entry.key, to: origin.pointer))
            guard case .object = fields else {
                error(.invalidValue, at: modelOrigin, "/fields", "'fields' must be an object, not \(fields.kindName)",
                      hint: "fields is an object of field key → field definition")
                found += 1
                continue
            }
            addModel(key: entry.key, object: model, origin: modelOrigin)
            found += 1
        }
        if found == 0 {
            error(.noModel, at: origin, "", root.isEmpty ? "the fragment is empty: it defines no model"
                  : "the fragment defines no model (no object with an object-valued 'fields')",
                  hint: "a fragment is one model ({\"fields\": {...}}) or an object of models ({\"post\": {\"fields\": {...}}})")
        }
    }

    func addModel(key: String, object: JSONObject, origin: Origin) {
        let source = ModelSource(key: key, object: object, origin: origin)
        if let existing = modelIndex[key] {
            let previous = models[existing]
            warning(.lastWriteWins, at: origin, "",
                    "model '\(key)' from \(fileName(origin)) replaces its definition from \(fileName(previous.origin))",
                    hint: "the later file wins whole; remove one definition to silence this")
            models[existing] = source
        } else {
            modelIndex[key] = models.count
            models.append(source)
        }
    }

    /// Adds the built-in snapshot model when the DSL has none (SPEC 2.2).
    func addBuiltinSnapshotModelIfMissing() {
        let key = options.snapshotModelKey
        guard modelIndex[key] == nil else { return }
        warning(.builtinSnapshotModel, at: nil, "",
                "the DSL has no snapshot model '\(key)'; the built-in one is used",
                hint: "add dsl/meta/\(key).json to define it yourself")
        let fields = JSONObject([
            .init(key: "id", value: .object(JSONObject(["type": .string("int"), "primary": .bool(true),
                                                        "autoIncrement": .bool(true)]))),
            .init(key: "hash", value: .object(JSONObject(["type": .string("string"), "length": .number("255")]))),
            .init(key: "dsl", value: .object(JSONObject(["type": .string("jsonb")]))),
        ])
        let model = ModelSource(key: key, object: JSONObject(["fields": .object(fields)]),
                                origin: Origin(fileIndex: nil, pointer: JSONPointer.appending(key, to: "")))
        // The snapshot model is a system (meta) model: it goes first.
        models.insert(model, at: 0)
        modelIndex = Dictionary(uniqueKeysWithValues: models.enumerated().map { ($0.element.key, $0.offset) })
    }
}
