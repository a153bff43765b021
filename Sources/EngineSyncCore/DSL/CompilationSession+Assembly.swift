extension CompilationSession {
    func collectModels(from inputs: [DSLInputFile], monolithPath: String?) {
        guard let monolithPath else {
            collectModels(from: inputs)
            return
        }
        let fragments = inputs.filter { $0.path != monolithPath }
        collectModels(from: fragments)
        for monolith in inputs where monolith.path == monolithPath {
            collectModels(fromMonolith: monolith)
        }
    }

    /// Compiles every model, then relations, indexes and `auto_name`, and builds the document and its hash.
    func assemble() -> CompiledDSL {
        var compiledModels: [CompiledModel] = []
        compiledModels.reserveCapacity(models.count)
        var schema = Schema()
        for source in models {
            let model = compileModel(source)
            if let existing = tableOrigins[model.table] {
                error(.duplicateTable, at: model.origin, model.object["table"] == nil ? "" : "/table",
                      "models map to the same table '\(model.table)': '\(model.key)' here and the one in \(fileName(existing.origin)) at \(existing.origin.pointer.isEmpty ? "/" : existing.origin.pointer)",
                      hint: "give one of them another \"table\"")
            } else {
                tableOrigins[model.table] = (model.origin, "")
            }
            compiledModels.append(model)
            schema.tables.append(Table(name: model.table, columns: model.columns, primaryKey: model.primaryKey,
                                       modelKey: model.key))
        }
        let index = Dictionary(compiledModels.enumerated().map { ($0.element.key, $0.offset) }, uniquingKeysWith: { $1 })
        var manual: [ManualIndex] = []
        var autoNames: [String: [String]] = [:]
        for model in compiledModels {
            compileIndexes(of: model, schema: &schema, manual: &manual)
            if let columns = compileAutoName(of: model) { autoNames[model.key] = columns }
        }
        // Junction tables and foreign keys come after every model table is known (cycles are allowed).
        var relationSchema = Schema()
        resolveRelations(models: compiledModels, index: index, schema: &relationSchema)
        schema.tables += relationSchema.tables
        schema.indexes += relationSchema.indexes
        schema.foreignKeys += relationSchema.foreignKeys

        let document = JSONObject(compiledModels.map { JSONObject.Entry(key: $0.key, value: .object($0.object)) })
        let snapshotTable = index[options.snapshotModelKey].map { compiledModels[$0].table } ?? options.snapshotModelKey
        return CompiledDSL(document: document, hash: CanonicalJSON.sha256Hex(.object(document)), schema: schema,
                           autoNameColumns: autoNames, manualIndexes: manual,
                           snapshotModelKey: options.snapshotModelKey, snapshotTable: snapshotTable)
    }
}
