extension CompilationSession {
    /// Parses each file and collects its models in order (SPEC 2.1).
    func collectModels(from inputs: [DSLInputFile]) {
        for input in inputs { collectModels(fromFile: input, asMonolith: false) }
    }

    func collectModels(fromMonolith input: DSLInputFile) {
        collectModels(fromFile: input, asMonolith: true)
    }

    private func collectModels(fromFile input: DSLInputFile, asMonolith: Bool) {
        do {
            let fileIndex = files.count
            files.append(ParsedFile(path: input.path, document: nil))
            let origin = Origin(fileIndex: fileIndex, pointer: "")
            let parse = parse(input)
            let result: JSONReader.Result
            switch parse {
            case .success(let parsed):
                result = parsed
            case .failure(let error):
                let code = DSLDiagnosticCode(rawValue: error.code) ?? .jsonSyntax
                append(
                    Diagnostic(
                        severity: .error, code: code.rawValue, file: input.path, line: error.position.line,
                        column: error.position.column, pointer: error.pointer, message: error.message,
                        hint: code == .nestingTooDeep ? "the DSL never needs more than a few levels" : nil))
                return
            }
            files[fileIndex].document = result.document
            for duplicate in result.duplicateKeys {
                // JSON.parse keeps the last value (at the first key's place), as the reader does: EngineJS reads the
                // file without complaint, so this is a warning unless `strict`.
                append(
                    Diagnostic(
                        severity: options.strict ? .error : .warning,
                        code: DSLDiagnosticCode.duplicateKey.rawValue, file: input.path,
                        line: duplicate.position.line, column: duplicate.position.column,
                        pointer: duplicate.pointer, message: duplicate.message + "; the last one is used",
                        hint: "remove one of them; strict JSON objects have unique keys"))
            }
            collectModels(in: result.document.value, fragmentName: asMonolith ? nil : input.baseName, origin: origin)
        }
    }

    /// Parses a file, or takes its parse (and its models' work) from the previous compile's cache when the file
    /// is unchanged; an incremental compile records it for the next one (`cachedFiles`, parallel to `files`).
    private func parse(_ input: DSLInputFile) -> Result<JSONReader.Result, JSONSyntaxError> {
        if let cached = previousCache?.files[input.path], cached.holds(input) {
            var kept = cached
            kept.contentID = input.contentID ?? cached.contentID
            cachedFiles.append(kept)
            return cached.parse
        }
        let parse: Result<JSONReader.Result, JSONSyntaxError>
        do {
            parse = .success(try JSONReader(maxDepth: options.maxDepth).read(input.bytes))
        } catch {
            parse = .failure(error)
        }
        if isCaching {
            cachedFiles.append(
                DSLCompileCache.CachedFile(contentID: input.contentID, bytes: input.bytes, parse: parse))
        }
        return parse
    }

    /// The models of one fragment (or monolith, or snapshot document).
    func collectModels(in value: JSONValue, fragmentName: String?, origin: Origin) {
        guard case .object(let root) = value else {
            error(.fragmentNotObject, at: origin, "", "a DSL file must hold a JSON object, not \(value.kindName)")
            return
        }
        if case .object? = root["fields"], let fragmentName {
            // EngineJS's `isDslModelSpec`: a fragment with an object-valued `fields` is one model.
            if let value = root["$schema"] { captureSchemaURI(value, isMonolith: false, at: origin) }
            addModel(key: fragmentName, object: root, origin: origin)
            return
        }
        var found = 0
        for entry in root.entries {
            if entry.key == "$schema" {
                captureSchemaURI(entry.value, isMonolith: fragmentName == nil, at: origin)
                continue
            }
            let modelOrigin = Origin(
                fileIndex: origin.fileIndex, pointer: JSONPointer.appending(entry.key, to: origin.pointer))
            guard case .object(let model) = entry.value, case .object? = model["fields"] else {
                // A fragment keeps only its models; a monolith is copied whole into EngineJS's DSL, whose schema
                // then refuses anything that is not a model (the stored snapshot is read leniently).
                if fragmentName == nil, origin.fileIndex != nil {
                    error(
                        .schemaInvalid, at: modelOrigin, "",
                        "'\(entry.key)' is not a model (an object with an object-valued 'fields'); EngineJS's DSL schema refuses it in a monolith",
                        hint: "remove it, or write {\"fields\": {...}}")
                }
                continue
            }
            addModel(key: entry.key, object: model, origin: modelOrigin)
            found += 1
        }
        if found == 0 {
            error(
                .noModel, at: origin, "",
                root.isEmpty
                    ? "the fragment is empty: it defines no model"
                    : "the fragment defines no model (no object with an object-valued 'fields')",
                hint:
                    "a fragment is one model ({\"fields\": {...}}) or an object of models ({\"post\": {\"fields\": {...}}})"
            )
        }
    }

    /// EngineJS copies the first string `$schema` of a fragment into its DSL (so into the snapshot and its hash),
    /// before that fragment's models; a monolith's is copied as it is, and must be a string.
    func captureSchemaURI(_ value: JSONValue, isMonolith: Bool, at origin: Origin) {
        guard case .string(let text) = value else {
            if isMonolith, origin.fileIndex != nil {
                error(.schemaInvalid, at: origin, "/$schema", "'$schema' must be a string, not \(value.kindName)")
            }
            return
        }
        // `if (typeof s === 'string' && !dsl.$schema) dsl.$schema = s`: an empty one is replaced in place.
        if schemaURI == nil {
            schemaURI = (.string(text), models.count)
        } else if schemaURI?.value == .string("") {
            schemaURI?.value = .string(text)
        }
    }

    func addModel(key: String, object: JSONObject, origin: Origin) {
        let source = ModelSource(key: key, object: object, origin: origin)
        if let existing = modelIndex[key] {
            let previous = models[existing]
            warning(
                .lastWriteWins, at: origin, "",
                "model '\(key)' from \(fileName(origin)) replaces its definition from \(fileName(previous.origin))",
                hint: "the later file wins whole; remove one definition to silence this")
            models[existing] = source
        } else {
            modelIndex[key] = models.count
            models.append(source)
        }
    }
}
