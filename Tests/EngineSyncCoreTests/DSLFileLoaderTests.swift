import EngineSyncCore
import Testing

@Suite struct DSLFileLoaderTests {
    static let cases: [(String, [String: String], String, String)] = [
        (
            "directory named like a fragment", ["dsl/models/post.json/inner.json": "{}"], "not_a_file",
            "dsl/models/post.json"
        ),
        ("models is a file", ["dsl/models": "{}"], "not_a_directory", "dsl/models"),
        (
            "huge fragment",
            ["dsl/models/big.json": "{\"fields\": {}, \"pad\": \"" + String(repeating: "x", count: 2_000) + "\"}"],
            "file_too_large", "dsl/models/big.json"
        ),
        (
            "huge monolith", ["dsl/dsl.json": "{\"pad\": \"" + String(repeating: "x", count: 2_000) + "\"}"],
            "file_too_large", "dsl/dsl.json"
        ),
        ("empty fragment file", ["dsl/meta/dsl.json": ""], "empty_file", "dsl/meta/dsl.json"),
        (
            "fragment without fields", ["dsl/models/post.json": #"{"table": "post"}"#], "no_model",
            "dsl/models/post.json"
        ),
    ]

    @Test(arguments: cases)
    func fileProblemsNameTheFile(name: String, files: [String: String], code: String, file: String) throws {
        let compiler = DSLCompiler(options: DSLCompilerOptions(maxFileBytes: 1_000))
        let result = try compiler.compile(source: InMemoryDSLSource(texts: files))
        #expect(!result.isValid, "\(name)")
        #expect(result.errors.contains { $0.code == code && $0.file == file }, "\(name): \(result.errors)")
        // Every diagnostic is located, including those about a whole file.
        for diagnostic in result.diagnostics {
            #expect(
                diagnostic.file != nil && diagnostic.line != nil && diagnostic.column != nil
                    && diagnostic.pointer != nil,
                "\(name): \(diagnostic)")
        }
    }

    @Test func diagnosticsAboutTheWholeDSLNameItsDirectory() throws {
        let result = try DSLCompiler().compile(source: InMemoryDSLSource(texts: ["README.md": "x"]))
        // No built-in snapshot model any more: an empty DSL lacks `dsl` and is refused.
        let diagnostics = result.diagnostics.filter { ["no_dsl_files", "missing_snapshot_model"].contains($0.code) }
        #expect(diagnostics.map(\.code) == ["no_dsl_files", "missing_snapshot_model"])
        #expect(diagnostics.map(\.severity) == [.warning, .error])
        for diagnostic in diagnostics {
            #expect(
                diagnostic.file == "dsl" && diagnostic.line == 1 && diagnostic.column == 1 && diagnostic.pointer == "")
        }
        #expect(!result.diagnostics.contains { $0.code == "builtin_snapshot_model" })
    }

    @Test func snapshotDuplicateKeysAreLocated() throws {
        let result = DSLCompiler().compile(
            snapshotBytes: Array("{\"post\": {\"fields\": {}},\n \"post\": {\"fields\": {}}}".utf8))
        let duplicate = try #require(result.errors.first { $0.code == "duplicate_key" })
        #expect(duplicate.line != nil)
        #expect(duplicate.column != nil)
    }

    @Test func nonJSONFilesAreIgnoredWithAWarning() throws {
        let result = try DSLCompiler().compile(
            source: InMemoryDSLSource(texts: [
                "dsl/models/README.md": "notes", "dsl/models/post.json": #"{"fields": {}}"#, "dsl/meta/.gitkeep": "",
                "dsl/meta/dsl.json": standardSnapshotText,
            ]))
        #expect(result.warnings.filter { $0.code == "ignored_file" }.count == 1)
        #expect(result.isValid)
        #expect(result.warnings.contains { $0.code == "ignored_file" && $0.file == "dsl/models/README.md" })
    }

    @Test func noDSLIsInvalid() throws {
        let result = try DSLCompiler().compile(source: InMemoryDSLSource(texts: ["README.md": "x"]))
        #expect(!result.isValid)
        #expect(result.compiled == nil)
        #expect(result.warnings.map(\.code) == ["no_dsl_files"])
        #expect(result.errors.map(\.code) == ["missing_snapshot_model"])
    }

    @Test func theSnapshotModelAloneIsAValidDSL() throws {
        let result = try DSLCompiler().compile(
            source: InMemoryDSLSource(texts: ["dsl/meta/dsl.json": standardSnapshotText]))
        let compiled = try #require(result.compiled, "\(result.errors)")
        #expect(compiled.schema.tables.map(\.name) == ["dsl"])
        #expect(result.warnings.isEmpty)
    }

    /// `.json` is matched case-insensitively (`a.JSON` is model `a`); other names are ignored with a warning.
    @Test(arguments: [
        ("post.JSON", true), ("post.Json", true), ("post.json", true), ("post.json5", false),
        ("post.jsonc", false), ("post.json.bak", false), ("post.txt", false),
    ])
    func jsonExtensionIsCaseInsensitive(name: String, isModel: Bool) throws {
        let result = try DSLCompiler().compile(
            source: InMemoryDSLSource(texts: [
                "dsl/meta/dsl.json": standardSnapshotText, "dsl/models/\(name)": #"{"fields": {}}"#,
            ]))
        let compiled = try #require(result.compiled, "\(result.errors)")
        #expect((compiled.schema.table(named: "post") != nil) == isModel)
        #expect(result.warnings.contains { $0.code == "ignored_file" } == !isModel)
    }

    @Test func duplicateColumnInALargeModel() {
        var fields = (0..<100).map { "\"f\($0)\": {\"type\": \"int\"}" }
        fields.append(#""g": {"type": "int", "columnName": "f5"}"#)
        let result = compileFragment("{\"post\": {\"fields\": {\(fields.joined(separator: ","))}}}")
        #expect(result.errors.map(\.code) == ["duplicate_column"])
        #expect(result.errors.first?.message.contains("'f5' and 'g'") == true)
    }

    @Test func snapshotSyntaxErrorIsADiagnostic() {
        let result = DSLCompiler().compile(snapshotBytes: Array("{\"post\": ".utf8))
        #expect(result.errors.map(\.code) == ["json_syntax"])
    }
}
