/// Compiles EngineJS DSL files into a `CompiledDSL`: the augmented document, its hash and the desired schema.
///
/// Pure and deterministic: the same files give the same result on every machine. All errors of a compile are
/// reported; the result has a `CompiledDSL` only when there is none.
public struct DSLCompiler: Sendable {
    public var options: DSLCompilerOptions

    public init(options: DSLCompilerOptions = DSLCompilerOptions()) {
        self.options = options
    }

    /// Reads `<dslPath>/…` from a source and compiles it. Throws only when the source itself fails
    /// (unreadable directory, corrupt object): file-level problems are diagnostics.
    public func compile(source: any DSLFileSource) throws -> DSLCompilation {
        compile(try load(source: source))
    }

    /// The DSL files of a source, read but not compiled yet: reading needs the source (a repository is used by
    /// one thread at a time), compiling is pure, so a reconcile reads on its thread and compiles on another
    /// while it connects and reads the catalog.
    public struct LoadedFiles: Sendable {
        var loaded: DSLFileLoader.Loaded

        /// The size of the DSL read, a first hint of the schema's size before it is compiled.
        public var byteCount: Int { loaded.files.reduce(0) { $0 + $1.bytes.count } }
    }

    /// Reads `<dslPath>/…` from a source (the first half of `compile(source:)`).
    public func load(source: any DSLFileSource) throws -> LoadedFiles {
        LoadedFiles(loaded: try DSLFileLoader(options: options).load(from: source))
    }

    /// `load(source:)` for an incremental compile: a file whose content ID (a git blob OID) `cache` holds at the
    /// same path is taken from the cache, not read.
    public func load(source: any DSLFileSource, cache: DSLCompileCache) throws -> LoadedFiles {
        LoadedFiles(loaded: try DSLFileLoader(options: options).load(from: source, cache: cache))
    }

    /// Compiles files `load(source:)` read (the second half of `compile(source:)`).
    public func compile(_ files: LoadedFiles) -> DSLCompilation {
        var cache: DSLCompileCache?
        return compile(files, cache: &cache)
    }

    /// `compile(_:)` made incremental: reuses what `cache` holds of the previous compile and leaves this compile's
    /// in it (`DSLCompileCache`). The result is exactly `compile(_:)`'s.
    public func compile(_ files: LoadedFiles, cache: inout DSLCompileCache) -> DSLCompilation {
        var held: DSLCompileCache? = cache
        // Held by the compile alone: what this compile does not reuse is released when it ends.
        cache = DSLCompileCache()
        let result = compile(files, cache: &held)
        cache = held ?? DSLCompileCache()
        return result
    }

    private func compile(_ files: LoadedFiles, cache: inout DSLCompileCache?) -> DSLCompilation {
        let loaded = files.loaded
        var result = compile(files: loaded.files, monolithPath: loaded.monolithPath, cache: &cache)
        result.diagnostics.insert(contentsOf: loaded.diagnostics, at: 0)
        if loaded.diagnostics.contains(where: { $0.severity == .error }) { result.compiled = nil }
        result.diagnostics = result.diagnostics.map(located)
        return result
    }

    /// Every diagnostic names a file, line, column and pointer. One about a whole file (a symlink, a file too
    /// large) points at its line 1, column 1 and the root pointer; one about the DSL as a whole (no files, the
    /// built-in snapshot model) names the DSL directory.
    func located(_ diagnostic: Diagnostic) -> Diagnostic {
        var diagnostic = diagnostic
        if diagnostic.file == nil { diagnostic.file = options.dslPath }
        if diagnostic.line == nil || diagnostic.column == nil {
            diagnostic.line = 1
            diagnostic.column = 1
        }
        if diagnostic.pointer == nil { diagnostic.pointer = "" }
        return diagnostic
    }

    /// Compiles files already read, in compile order. The file at `monolithPath` (if any) is read as a
    /// monolith: an object of models, never a single-model fragment.
    public func compile(files: [DSLInputFile], monolithPath: String? = nil) -> DSLCompilation {
        var cache: DSLCompileCache?
        return compile(files: files, monolithPath: monolithPath, cache: &cache)
    }

    /// `compile(files:monolithPath:)` made incremental (see `compile(_:cache:)`).
    public func compile(
        files: [DSLInputFile], monolithPath: String? = nil, cache: inout DSLCompileCache
    ) -> DSLCompilation {
        var held: DSLCompileCache? = cache
        cache = DSLCompileCache()
        let result = compile(files: files, monolithPath: monolithPath, cache: &held)
        cache = held ?? DSLCompileCache()
        return result
    }

    /// `cache`: `nil` for a one-shot compile; else the previous compile's cache, replaced by this one's.
    private func compile(
        files: [DSLInputFile], monolithPath: String?, cache: inout DSLCompileCache?
    ) -> DSLCompilation {
        let session = CompilationSession(options: options, cache: cache)
        cache = nil
        session.collectModels(from: files, monolithPath: monolithPath)
        var result = finish(session)
        result.diagnostics = result.diagnostics.map(located)
        if session.isCaching { cache = session.nextCache() }
        return result
    }

    /// Compiles a stored snapshot document (the `dsl` column, SPEC 4.5) as a monolith. Recompiling a
    /// compiled document gives the same hash and schema (augmentation is idempotent); key order lost by jsonb
    /// changes column order only, never the hash.
    public func compile(snapshotDocument: JSONValue) -> DSLCompilation {
        let session = CompilationSession(options: options)
        session.collectModels(
            in: snapshotDocument, fragmentName: nil,
            origin: CompilationSession.Origin(fileIndex: nil, pointer: ""))
        return finish(session)
    }

    /// Parses and compiles a stored snapshot document given as JSON text.
    public func compile(snapshotBytes: [UInt8]) -> DSLCompilation {
        do {
            let result = try JSONReader(maxDepth: options.maxDepth).read(snapshotBytes)
            var compilation = compile(snapshotDocument: result.document.value)
            let locator = JSONDocumentLocator(result.document)
            for duplicate in result.duplicateKeys {
                let position = locator.position(at: duplicate.pointer)
                compilation.diagnostics.append(
                    Diagnostic(
                        severity: .error, code: duplicate.code, line: position.line,
                        column: position.column, pointer: duplicate.pointer,
                        message: duplicate.message))
                compilation.compiled = nil
            }
            return compilation
        } catch {
            return DSLCompilation(
                compiled: nil,
                diagnostics: [
                    Diagnostic(
                        severity: .error, code: error.code, line: error.position.line, column: error.position.column,
                        pointer: error.pointer, message: "snapshot: " + error.message)
                ])
        }
    }

    private func finish(_ session: CompilationSession) -> DSLCompilation {
        let compiled = session.assemble()
        return DSLCompilation(compiled: session.errorCount == 0 ? compiled : nil, diagnostics: session.diagnostics)
    }
}
