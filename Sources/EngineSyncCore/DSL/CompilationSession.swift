/// One compile in progress: the parsed files, the models found in them and the diagnostics so far.
///
/// A class because every stage appends diagnostics to the same list; it lives for one `DSLCompiler` call on one
/// thread and never escapes it.
final class CompilationSession {
    /// Where a model was defined: a parsed file (by index) and the pointer of the model object inside it.
    struct Origin {
        var fileIndex: Int?
        var pointer: String
    }

    /// A model as found in the files, before compilation.
    struct ModelSource {
        var key: String
        var object: JSONObject
        var origin: Origin
    }

    struct ParsedFile {
        var path: String?
        var document: JSONDocument?
    }

    let options: DSLCompilerOptions
    var files: [ParsedFile] = []
    var diagnostics: [Diagnostic] = []
    var errorCount = 0
    /// Models in compile order; a redefinition replaces the model in place (JavaScript object semantics).
    var models: [ModelSource] = []
    var modelIndex: [String: Int] = [:]
    /// Table name → where it was defined, to refuse two models (or a junction) mapping to one table.
    var tableOrigins: [String: (origin: Origin, pointer: String)] = [:]
    /// Index name → index, to merge identical declarations and refuse different ones with one name.
    var indexesByName: [String: Index] = [:]
    /// The DSL's `$schema` (EngineJS keeps it in the document) and how many models precede it.
    var schemaURI: (value: JSONValue, position: Int)?
    /// Per file: whether it holds a `\u0000` escape (computed on first use).
    var nulEscapes: [Int: Bool] = [:]
    /// Built on a file's first diagnostic (see `JSONDocumentLocator`).
    var locators: [Int: JSONDocumentLocator] = [:]
    /// An incremental compile's previous cache (entries it may reuse); `nil` for a one-shot compile.
    let previousCache: DSLCompileCache?
    /// An incremental compile's new cache, per file index (parallel to `files`); empty for a one-shot compile.
    var cachedFiles: [DSLCompileCache.CachedFile?] = []

    /// `cache`: the previous compile's, for an incremental compile (`DSLCompileCache`); `nil` compiles afresh and
    /// keeps nothing.
    init(options: DSLCompilerOptions, cache: DSLCompileCache? = nil) {
        self.options = options
        previousCache = cache.map { $0.options == options ? $0 : DSLCompileCache() }
    }

    /// Whether this compile builds a cache for the next one.
    var isCaching: Bool { previousCache != nil }

    /// The cache this compile leaves: every file it read, with the models' work it did or reused.
    func nextCache() -> DSLCompileCache {
        var cache = DSLCompileCache()
        cache.options = options
        cache.files.reserveCapacity(cachedFiles.count)
        for (fileIndex, cached) in cachedFiles.enumerated() {
            guard let cached, let path = files[fileIndex].path else { continue }
            cache.files[path] = cached
        }
        return cache
    }

    // MARK: - Diagnostics

    func report(
        _ severity: Diagnostic.Severity, _ code: DSLDiagnosticCode, at origin: Origin?, _ relative: String = "",
        _ message: String, hint: String? = nil
    ) {
        var diagnostic = Diagnostic(severity: severity, code: code.rawValue, message: message, hint: hint)
        if let origin {
            let pointer = origin.pointer + relative
            diagnostic.pointer = pointer
            if let fileIndex = origin.fileIndex {
                let file = files[fileIndex]
                diagnostic.file = file.path
                if let document = file.document {
                    let locator = locators[fileIndex] ?? JSONDocumentLocator(document)
                    locators[fileIndex] = locator
                    let position = locator.position(at: pointer)
                    diagnostic.line = position.line
                    diagnostic.column = position.column
                }
            }
        }
        append(diagnostic)
    }

    func error(
        _ code: DSLDiagnosticCode, at origin: Origin?, _ relative: String = "", _ message: String,
        hint: String? = nil
    ) {
        report(.error, code, at: origin, relative, message, hint: hint)
    }

    func warning(
        _ code: DSLDiagnosticCode, at origin: Origin?, _ relative: String = "", _ message: String,
        hint: String? = nil
    ) {
        report(.warning, code, at: origin, relative, message, hint: hint)
    }

    func append(_ diagnostic: Diagnostic) {
        if diagnostic.severity == .error { errorCount += 1 }
        diagnostics.append(diagnostic)
    }

    func fileName(_ origin: Origin) -> String {
        origin.fileIndex.flatMap { files[$0].path } ?? "the snapshot"
    }

    /// What EngineJS does silently but would surprise the DSL's author: a warning, an error under `strict`.
    func surprise(
        _ code: DSLDiagnosticCode, at origin: Origin?, _ relative: String = "", _ message: String,
        hint: String? = nil
    ) {
        report(options.strict ? .error : .warning, code, at: origin, relative, message, hint: hint)
    }

    // MARK: - Identifiers

    /// `^[A-Za-z_][A-Za-z0-9_]*$` (SPEC 2.1: a warning, an error under `strict`; EngineJS quotes any name) and at
    /// most 63 bytes (always an error: PostgreSQL would truncate the name and never find it again). Returns
    /// whether the name can be used.
    @discardableResult
    func checkIdentifier(_ name: String, what: String, at origin: Origin, _ relative: @autoclosure () -> String) -> Bool
    {
        let bytes = name.utf8
        guard !bytes.isEmpty else {
            // Always an error: PostgreSQL has no zero-length identifier (42601), so no sync could apply it.
            error(
                .invalidIdentifier, at: origin, relative(), "\(what) is empty; PostgreSQL has no empty identifiers",
                hint: "give it a name (letters, digits, underscores)")
            return false
        }
        var valid = true
        var isFirst = true
        for byte in bytes {
            let isLetter = (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte == 95
            let isDigit = byte >= 48 && byte <= 57
            if !(isLetter || (!isFirst && isDigit)) {
                valid = false
                break
            }
            isFirst = false
        }
        if !valid {
            surprise(
                .invalidIdentifier, at: origin, relative(),
                "\(what) \(Self.quoted(name)) is not a plain identifier (letters, digits, underscores)",
                hint: "use letters, digits and underscores, starting with a letter or underscore")
            if options.strict { return false }
        }
        if bytes.count > 63 {
            error(
                .identifierTooLong, at: origin, relative(),
                "\(what) \(Self.quoted(name)) is \(bytes.count) bytes long; PostgreSQL identifiers are at most 63 bytes",
                hint: "PostgreSQL would silently truncate it; choose a shorter name")
            return false
        }
        return true
    }

    /// A name for a message: quoted, shortened and with control characters escaped.
    static func quoted(_ name: String) -> String {
        var text = ""
        for scalar in name.unicodeScalars.prefix(80) {
            if scalar.value < 0x20 || scalar == "'" || scalar == "\\" {
                text += scalar.escaped(asASCII: false)
            } else {
                text.unicodeScalars.append(scalar)
            }
        }
        if name.unicodeScalars.count > 80 { text += "…" }
        return "'" + text + "'"
    }
}
