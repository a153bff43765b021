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
        // What the previous compile did for each model (looked up once: the stages below read it by position).
        let reused = isCaching ? models.map(cachedModel) : []
        for position in models.indices {
            if position < reused.count, let cached = reused[position] {
                models[position].object = cached.augmented
                cached.validation.forEach(append)
            } else {
                let start = diagnostics.count
                models[position].object = augment(models[position].object)
                validate(models[position])
                updateCachedModel(models[position]) { cached in
                    cached = DSLCompileCache.CachedModel(
                        key: models[position].key, augmented: models[position].object,
                        validation: Array(diagnostics[start...]))
                }
            }
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
            let compiledModels = models.indices.map { compileModelUsingCache(at: $0, reused: reused) }
            let index = Dictionary(
                compiledModels.enumerated().map { ($0.element.key, $0.offset) },
                uniquingKeysWith: { $1 })
            snapshotTable = index[snapshotKey].map { compiledModels[$0].table } ?? snapshotKey
            // EngineJS creates the tables of models in its dependency order, so a table shared by two models
            // gets the columns of the first and then the missing ones of the next.
            // `localeCompare` order of the keys, each key's collation sort key computed once.
            let sortKeys = compiledModels.map { JavaScriptCollation.sortKey($0.key) }
            let keyOrder = compiledModels.indices.sorted { JavaScriptCollation.precedes(sortKeys[$0], sortKeys[$1]) }
            let order = Self.creationOrder(compiledModels, keyOrder: keyOrder)
            var tablePositions: [String: Int] = [:]
            tablePositions.reserveCapacity(compiledModels.count)
            tableOrigins.reserveCapacity(compiledModels.count)
            indexesByName.reserveCapacity(3 * compiledModels.count)
            for position in order {
                addTable(of: compiledModels[position], to: &schema, positions: &tablePositions)
            }
            for position in order {
                let model = compiledModels[position]
                let plan = indexPlanUsingCache(model, at: position, reused: reused)
                apply(plan, of: model, to: &schema, autoNames: &autoNames)
            }
            let sorted = keyOrder.map { compiledModels[$0] }
            let sortedIndex = Dictionary(
                sorted.enumerated().map { ($0.element.key, $0.offset) }, uniquingKeysWith: { $1 })
            resolveRelations(models: sorted, index: sortedIndex, schema: &schema)
            addJunctions(models: sorted, index: sortedIndex, schema: &schema)
            addCommitColumn(toTable: snapshotTable, in: &schema)
            checkLimits(of: schema, models: compiledModels)
        }
        let hash: String
        let contentHash: String
        if !isCaching {
            hash = EngineJSNaming.snapshotHash(of: .object(document))
            contentHash = CanonicalJSON.sha256Hex(.object(document))
        } else if errorCount == 0 {
            (hash, contentHash) = assembledHashes(of: document, reused: reused)
        } else {
            // A DSL with an error has no `CompiledDSL`: nothing reads these.
            (hash, contentHash) = ("", "")
        }
        return CompiledDSL(
            document: document, hash: hash, contentHash: contentHash, schema: schema,
            autoNameColumns: autoNames, manualIndexes: [], snapshotModelKey: snapshotKey,
            snapshotTable: snapshotTable)
    }

    // MARK: - Incremental compile

    /// The previous compile's work on `source`, when this compile caches and the model's file is unchanged.
    private func cachedModel(_ source: ModelSource) -> DSLCompileCache.CachedModel? {
        guard let fileIndex = source.origin.fileIndex, fileIndex < cachedFiles.count,
            let cached = cachedFiles[fileIndex]?.models[source.origin.pointer], cached.key == source.key
        else { return nil }
        return cached
    }

    /// Records work on `source` for the next compile (nothing when this compile does not cache).
    private func updateCachedModel(
        _ source: ModelSource, _ update: (inout DSLCompileCache.CachedModel?) -> Void
    ) {
        guard let fileIndex = source.origin.fileIndex, fileIndex < cachedFiles.count, cachedFiles[fileIndex] != nil
        else { return }
        update(&cachedFiles[fileIndex]!.models[source.origin.pointer])
    }

    /// `compileModel`, or its result and diagnostics from the previous compile (the origin's file index is this
    /// compile's).
    private func compileModelUsingCache(at position: Int, reused: [DSLCompileCache.CachedModel?]) -> CompiledModel {
        let source = models[position]
        if position < reused.count, var model = reused[position]?.compiled {
            reused[position]?.compileDiagnostics.forEach(append)
            model.origin = source.origin
            return model
        }
        let start = diagnostics.count
        let model = compileModel(source)
        updateCachedModel(source) { cached in
            cached?.compiled = model
            cached?.compileDiagnostics = Array(diagnostics[start...])
        }
        return model
    }

    /// `planIndexes`, or its result from the previous compile.
    private func indexPlanUsingCache(
        _ model: CompiledModel, at position: Int, reused: [DSLCompileCache.CachedModel?]
    ) -> IndexPlan {
        if position < reused.count, let plan = reused[position]?.indexPlan { return plan }
        let plan = planIndexes(of: model)
        updateCachedModel(models[position]) { $0?.indexPlan = plan }
        return plan
    }

    /// EngineJS's snapshot hash and the content hash of `document`, assembled from each model's cached
    /// serialisations (both forms sort the document's keys, so a model's bytes do not depend on the others).
    private func assembledHashes(
        of document: JSONObject, reused: [DSLCompileCache.CachedModel?]
    ) -> (hash: String, contentHash: String) {
        var stable: [[UInt8]?] = []
        var canonical: [[UInt8]?] = []
        stable.reserveCapacity(document.count)
        canonical.reserveCapacity(document.count)
        var sortKeys = JavaScriptJSON.SortKeys()
        for (position, source) in models.enumerated() {
            if position < reused.count, let stableBytes = reused[position]?.stableBytes,
                let canonicalBytes = reused[position]?.canonicalBytes
            {
                stable.append(stableBytes)
                canonical.append(canonicalBytes)
                continue
            }
            let stableBytes = JavaScriptJSON.stableBytes(.object(source.object), keys: &sortKeys)
            let canonicalBytes = CanonicalJSON.bytes(.object(source.object))
            stable.append(stableBytes)
            canonical.append(canonicalBytes)
            updateCachedModel(source) { cached in
                cached?.stableBytes = stableBytes
                cached?.canonicalBytes = canonicalBytes
            }
        }
        // `$schema` sits where `assemble` put it in the document, and is serialised with it.
        if let schemaURI {
            let position = min(schemaURI.position, models.count)
            stable.insert(nil, at: position)
            canonical.insert(nil, at: position)
        }
        return (
            EngineJSNaming.snapshotHash(document, serialised: stable),
            CanonicalJSON.sha256Hex(document, serialised: canonical)
        )
    }

    /// A model's table, or the columns it adds to a table an earlier model already defined (EngineJS:
    /// `CREATE TABLE` for the first, `ADD COLUMN` for what the next one lacks).
    private func addTable(of model: CompiledModel, to schema: inout Schema, positions: inout [String: Int]) {
        guard let position = positions[model.table] else {
            positions[model.table] = schema.tables.count
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
    /// `keyOrder`: the positions of `models` in `localeCompare` order of their keys.
    static func creationOrder(_ models: [CompiledModel], keyOrder sorted: [Int]) -> [Int] {
        let index = Dictionary(models.enumerated().map { ($0.element.key, $0.offset) }, uniquingKeysWith: { $1 })
        var done = Set<Int>()
        var visiting = Set<Int>()
        var order: [Int] = []
        func visit(_ position: Int) {
            guard !done.contains(position), !visiting.contains(position) else { return }
            visiting.insert(position)
            for source in models[position].fieldSources {
                if let dependency = index[source] { visit(dependency) }
            }
            visiting.remove(position)
            done.insert(position)
            order.append(position)
        }
        sorted.forEach(visit)
        return order
    }
}
