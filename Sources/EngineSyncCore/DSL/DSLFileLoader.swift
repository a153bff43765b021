/// Lists and reads the DSL files of a source in compile order (SPEC 2.1): `<dsl>/meta/*.json` then
/// `<dsl>/models/*.json`, each sorted by file name as EngineJS sorts them
/// (JavaScript `localeCompare`, `.json` in any case); `<dsl>/dsl.json` only when there is no fragment.
///
/// Problems with single files (symlinks, submodules, directories named `*.json`, files over the size limit) are
/// diagnostics naming the file; a source that cannot be read at all throws.
struct DSLFileLoader {
    var options: DSLCompilerOptions

    struct Loaded: Sendable {
        var files: [DSLInputFile] = []
        var monolithPath: String?
        var diagnostics: [Diagnostic] = []
    }

    /// `cache`: an incremental compile's (`DSLCompileCache`); a file whose content ID (`DSLFileSource.contentID`)
    /// it holds at the same path is taken from it instead of being read again.
    func load(from source: any DSLFileSource, cache: DSLCompileCache? = nil) throws -> Loaded {
        var loaded = Loaded()
        let root = options.dslPath.split(separator: "/").joined(separator: "/")
        func path(_ name: String) -> String { root.isEmpty ? name : root + "/" + name }
        func error(_ code: DSLDiagnosticCode, _ file: String, _ message: String, hint: String? = nil) {
            loaded.diagnostics.append(
                Diagnostic(severity: .error, code: code.rawValue, file: file, message: message, hint: hint))
        }

        // The DSL directory itself must be a real directory: a symlinked or submodule `dsl/` is named as such.
        if !root.isEmpty {
            let parent = root.split(separator: "/").dropLast().joined(separator: "/")
            let name = root.split(separator: "/").last.map(String.init) ?? root
            if let entry = try listing(source, parent, loaded: &loaded)?.first(where: { $0.name == name }),
                entry.kind != .directory
            {
                describeNonFile(entry.kind, root, expected: "directory", report: error)
                return loaded
            }
        }
        let top = try listing(source, root, loaded: &loaded)
        var fragmentCount = 0
        for directory in ["meta", "models"] {
            let directoryPath = path(directory)
            guard let entry = top?.first(where: { $0.name == directory }) else { continue }
            guard entry.kind == .directory else {
                describeNonFile(entry.kind, directoryPath, expected: "directory", report: error)
                continue
            }
            guard let entries = try listing(source, directoryPath, loaded: &loaded) else { continue }
            let sorted = entries.sorted { JavaScriptCollation.areInIncreasingOrder($0.name, $1.name) }
            // Hidden entries (`.gitkeep`, editor files) are skipped silently, as git users expect — unless they end
            // in `.json`: EngineJS reads every `*.json` it lists, hidden or not.
            for entry in sorted where !entry.name.hasPrefix(".") || Self.isJSONName(entry.name) {
                let filePath = directoryPath + "/" + entry.name
                let isJSON = Self.isJSONName(entry.name)
                if isJSON { fragmentCount += 1 }
                switch entry.kind {
                case .file where isJSON:
                    if let file = try readFile(source, filePath, cache: cache, loaded: &loaded) {
                        loaded.files.append(file)
                    }
                case .directory where isJSON:
                    describeNonFile(.directory, filePath, expected: "file", report: error)
                case .file, .directory:
                    loaded.diagnostics.append(
                        Diagnostic(
                            severity: .warning, code: DSLDiagnosticCode.ignoredFile.rawValue, file: filePath,
                            message: "'\(filePath)' is not a .json file and is ignored"))
                default:
                    describeNonFile(entry.kind, filePath, expected: "file", report: error)
                }
            }
        }
        if let monolith = top?.first(where: { $0.name == "dsl.json" }) {
            let monolithPath = path("dsl.json")
            if fragmentCount > 0 {
                loaded.diagnostics.append(
                    Diagnostic(
                        severity: .warning, code: DSLDiagnosticCode.monolithIgnored.rawValue, file: monolithPath,
                        message:
                            "'\(monolithPath)' is ignored because fragments exist in \(path("meta")) or \(path("models"))",
                        hint: "delete the monolith or the fragments"))
            } else if monolith.kind == .file {
                if let file = try readFile(source, monolithPath, cache: cache, loaded: &loaded) {
                    loaded.files.append(file)
                    loaded.monolithPath = monolithPath
                }
            } else {
                describeNonFile(monolith.kind, monolithPath, expected: "file", report: error)
            }
        }
        if loaded.files.isEmpty && !loaded.diagnostics.contains(where: { $0.severity == .error }) {
            loaded.diagnostics.append(
                Diagnostic(
                    severity: .warning, code: DSLDiagnosticCode.noDSLFiles.rawValue, file: root,
                    message: "no DSL files under '\(root)' (meta/*.json, models/*.json or dsl.json)"))
        }
        return loaded
    }

    /// EngineJS: `name.toLowerCase().endsWith('.json')`.
    static func isJSONName(_ name: String) -> Bool {
        name.lowercased().hasSuffix(".json")
    }

    private func listing(_ source: any DSLFileSource, _ path: String, loaded: inout Loaded) throws -> [DSLFileEntry]? {
        do {
            return try source.entries(inDirectory: path)
        } catch let failure as DSLSourceError where failure.reason == .notADirectory {
            loaded.diagnostics.append(
                Diagnostic(
                    severity: .error, code: DSLDiagnosticCode.notADirectory.rawValue,
                    file: path, message: "'\(path)' must be a directory"))
            return nil
        }
    }

    /// A file with its content ID, from the cache when it holds that content at `path`, else read.
    private func readFile(
        _ source: any DSLFileSource, _ path: String, cache: DSLCompileCache?, loaded: inout Loaded
    ) throws -> DSLInputFile? {
        let contentID = try source.contentID(ofFile: path)
        if let contentID, let bytes = cache?.bytes(ofFile: path, contentID: contentID, options: options) {
            return DSLInputFile(path: path, bytes: bytes, contentID: contentID)
        }
        guard let bytes = try read(source, path, loaded: &loaded) else { return nil }
        return DSLInputFile(path: path, bytes: bytes, contentID: contentID)
    }

    private func read(_ source: any DSLFileSource, _ path: String, loaded: inout Loaded) throws -> [UInt8]? {
        do {
            return try source.readFile(path, maxBytes: options.maxFileBytes)
        } catch let failure as DSLSourceError {
            guard case .tooLarge(let size, let limit) = failure.reason else { throw failure }
            loaded.diagnostics.append(
                Diagnostic(
                    severity: .error, code: DSLDiagnosticCode.fileTooLarge.rawValue, file: path,
                    message: "'\(path)' is \(size) bytes, over the limit of \(limit) bytes (max_file_bytes)",
                    hint: "split it into fragments or raise max_file_bytes"))
            return nil
        }
    }

    private func describeNonFile(
        _ kind: DSLFileEntry.Kind, _ path: String, expected: String,
        report: (DSLDiagnosticCode, String, String, String?) -> Void
    ) {
        switch kind {
        case .symlink:
            report(
                .symlink, path, "'\(path)' is a symbolic link; enginesync does not follow links in the DSL",
                "commit the file itself")
        case .submodule:
            report(.submodule, path, "'\(path)' is a git submodule; the DSL must live in the repository itself", nil)
        case .directory:
            report(.notAFile, path, "'\(path)' is a directory where a \(expected) was expected", nil)
        case .file:
            report(
                expected == "directory" ? .notADirectory : .notAFile, path,
                "'\(path)' is a file where a \(expected) was expected", nil)
        case .other:
            report(.notAFile, path, "'\(path)' is not a regular \(expected)", nil)
        }
    }
}
