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

    /// The standard snapshot model, shown in the hint when a DSL has none.
    static let standardSnapshotModel = """
        {"dsl": {"fields": {"id": {"type": "int", "primary": true, "autoIncrement": true}, \
        "hash": {"type": "string", "length": 255}, "dsl": {"type": "jsonb"}}}}
        """

    /// EngineJS's stages in its order — augmentation, its DSL schema and virtual-field rules, the `dsl` model
    /// check, then the Sequelize models — and the document, hashes and desired schema they give.
    func assemble() -> CompiledDSL {
        for position in models.indices {
            models[position].object = augment(models[position].object)
            validate(models[position])
        }
        if modelIndex[options.snapshotModelKey] == nil {
            error(
                .missingSnapshotModel, at: nil, "",
                "Missing required meta model: \(options.snapshotModelKey) (create \(options.dslPath)/meta/\(options.snapshotModelKey).json); EngineJS refuses a DSL without it",
                hint: "the standard \(options.dslPath)/meta/dsl.json is " + Self.standardSnapshotModel)
        }
        var document = JSONObject(models.map { JSONObject.Entry(key: $0.key, value: .object($0.object)) })
        if let schemaURI {
            var entries = document.entries
            entries.insert(.init(key: "$schema", value: schemaURI.value), at: min(schemaURI.position, entries.count))
            document = JSONObject(entries)
        }
        let snapshotKey = options.snapshotModelKey
        var snapshotTable = snapshotKey
        var schema = Schema()
        var autoNames: [String: [String]] = [:]
        // EngineJS stops at its schema check; so does the compile (the rest would only repeat its errors).
        if errorCount == 0 {
            let compiledModels = models.map(compileModel)
            let index = Dictionary(
                compiledModels.enumerated().map { ($0.element.key, $0.offset) },
                uniquingKeysWith: { $1 })
            snapshotTable = index[snapshotKey].map { compiledModels[$0].table } ?? snapshotKey
            // EngineJS creates the tables of models in its dependency order, so a table shared by two models
            // gets the columns of the first and then the missing ones of the next.
            let order = Self.creationOrder(compiledModels)
            for model in order.map({ compiledModels[$0] }) {
                addTable(of: model, to: &schema)
            }
            for model in order.map({ compiledModels[$0] }) {
                compileIndexes(of: model, schema: &schema)
                if let columns = compileAutoName(of: model) { autoNames[model.key] = columns }
            }
            let sorted = compiledModels.sorted { JavaScriptCollation.areInIncreasingOrder($0.key, $1.key) }
            let sortedIndex = Dictionary(
                sorted.enumerated().map { ($0.element.key, $0.offset) }, uniquingKeysWith: { $1 })
            resolveRelations(models: sorted, index: sortedIndex, schema: &schema)
            addJunctions(models: sorted, index: sortedIndex, schema: &schema)
            addCommitColumn(toTable: snapshotTable, in: &schema)
            checkLimits(of: schema, models: compiledModels)
        }
        return CompiledDSL(
            document: document, hash: EngineJSNaming.snapshotHash(of: .object(document)),
            contentHash: CanonicalJSON.sha256Hex(.object(document)), schema: schema,
            autoNameColumns: autoNames, manualIndexes: [], snapshotModelKey: snapshotKey,
            snapshotTable: snapshotTable)
    }

    /// A model's table, or the columns it adds to a table an earlier model already defined (EngineJS:
    /// `CREATE TABLE` for the first, `ADD COLUMN` for what the next one lacks).
    private func addTable(of model: CompiledModel, to schema: inout Schema) {
        guard let position = schema.tables.firstIndex(where: { $0.name == model.table }) else {
            schema.tables.append(
                Table(
                    name: model.table, columns: model.columns, primaryKey: model.primaryKey,
                    modelKey: model.key))
            tableOrigins[model.table] = (model.origin, "")
            return
        }
        let owner = schema.tables[position].modelKey ?? model.table
        surprise(
            .sharedTable, at: model.origin, model.object["table"] == nil ? "" : "/table",
            "models '\(owner)' and '\(model.key)' share the table '\(model.table)': it gets the columns of both (the first definition of a column wins)",
            hint: "give one of them another \"table\" unless sharing is intended")
        for column in model.columns where schema.tables[position].column(named: column.name) == nil {
            schema.tables[position].columns.append(column)
        }
    }

    /// The nullable `commit` column enginesync keeps on the snapshot table, outside the DSL (SPEC 2.2).
    private func addCommitColumn(toTable table: String, in schema: inout Schema) {
        guard let position = schema.tables.firstIndex(where: { $0.name == table }),
            schema.tables[position].column(named: "commit") == nil
        else { return }
        schema.tables[position].columns.append(Column(name: "commit", type: .varchar(length: 64)))
    }

    /// EngineJS's `topoSortModels`: models in `localeCompare` order of their keys, each after the models its
    /// fields' `source` names (cycles fall back to that order). Returns positions in `models`.
    static func creationOrder(_ models: [CompiledModel]) -> [Int] {
        let sorted = models.indices.sorted { JavaScriptCollation.areInIncreasingOrder(models[$0].key, models[$1].key) }
        let index = Dictionary(models.enumerated().map { ($0.element.key, $0.offset) }, uniquingKeysWith: { $1 })
        var done = Set<Int>()
        var visiting = Set<Int>()
        var order: [Int] = []
        func visit(_ position: Int) {
            guard !done.contains(position), !visiting.contains(position) else { return }
            visiting.insert(position)
            for field in models[position].object["fields"]?.objectValue?.entries ?? [] {
                if let source = field.value.objectValue?["source"]?.stringValue, let dependency = index[source] {
                    visit(dependency)
                }
            }
            visiting.remove(position)
            done.insert(position)
            order.append(position)
        }
        sorted.forEach(visit)
        return order
    }
}
