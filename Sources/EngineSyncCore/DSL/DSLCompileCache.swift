/// What a long-running caller (the daemon, one per target) keeps between DSL compiles so that the next compile
/// redoes only what changed: `DSLCompiler.compile(_:cache:)` gives exactly what `compile(_:)` gives (the same
/// `CompiledDSL`, hashes and diagnostics in the same order) and leaves in the cache what this compile used.
///
/// Per input file, keyed by path and content (the git blob OID when the source knows it, else the bytes): the
/// parse, and per model of the file the work that sees only that model — augmentation, EngineJS's schema check,
/// `compileModel` — with the diagnostics it produced (replayed in place), and the model's serialised forms for the
/// two hashes (EngineJS's stable stringify and the canonical form; both sort the document's keys, so the whole
/// document is assembled from per-model pieces). What must see every model runs again on every compile: the
/// `dsl` model check, creation order, shared tables, indexes, `auto_name`, relations, junctions and limits, and
/// the two hashes over the assembled bytes.
///
/// A value: the compile takes it and leaves the new one, so what the previous compile held and this one no longer
/// uses is released. Holding entries keyed by content makes a stale cache slower, never wrong; a cache built with
/// other `DSLCompilerOptions` is dropped.
public struct DSLCompileCache: Sendable {
    /// The options the entries were computed with.
    var options: DSLCompilerOptions?
    /// By path: the last compile's version of each file.
    var files: [String: CachedFile] = [:]

    public init() {}

    /// How many files the cache holds (what the last compile read).
    public var fileCount: Int { files.count }

    /// How many models the cache holds compiled work for.
    public var modelCount: Int { files.values.reduce(0) { $0 + $1.models.count } }

    /// The bytes of the file at `path` whose content ID is `contentID`, when the cache holds them (read with the
    /// same options, so under the same size limit).
    func bytes(ofFile path: String, contentID: String, options: DSLCompilerOptions) -> [UInt8]? {
        guard self.options == options, let file = files[path], file.contentID == contentID else { return nil }
        return file.bytes
    }

    /// One file as the last compile saw it.
    struct CachedFile: Sendable {
        /// The git blob OID, when the source gave one.
        var contentID: String?
        var bytes: [UInt8]
        var parse: Result<JSONReader.Result, JSONSyntaxError>
        /// By the model's pointer in the file (`""` for a single-model fragment).
        var models: [String: CachedModel] = [:]

        /// Whether `input` is this file: the same blob when both know their OID, else the same bytes.
        func holds(_ input: DSLInputFile) -> Bool {
            if let contentID, let other = input.contentID { return contentID == other }
            return bytes == input.bytes
        }
    }

    /// One model's work that depends on nothing but the model (its file, pointer, key and the options).
    struct CachedModel: Sendable {
        var key: String
        /// After `augment`.
        var augmented: JSONObject
        /// What `validate` reported, in order.
        var validation: [Diagnostic]
        /// `compileModel`'s result and what it reported (only compiled once the DSL had no schema error).
        var compiled: CompiledModel?
        var compileDiagnostics: [Diagnostic] = []
        /// The model's indexes and `auto_name` before they meet the other models' (`planIndexes`).
        var indexPlan: CompilationSession.IndexPlan?
        /// `JavaScriptJSON.stableBytes` and `CanonicalJSON.bytes` of the augmented model.
        var stableBytes: [UInt8]?
        var canonicalBytes: [UInt8]?
    }
}
