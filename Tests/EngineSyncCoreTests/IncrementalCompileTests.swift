import EngineSyncCore
import Foundation
import Testing

/// The incremental compile (`DSLCompiler.compile(files:cache:)`) gives exactly the full compile's result — the
/// compiled document, EngineJS's hash, the content hash, the schema and every diagnostic in order — whatever the
/// sequence of commits and whatever the cache holds.
@Suite struct IncrementalCompileTests {
    /// Compiles `files` fully and incrementally with `cache`, and checks that the two agree.
    static func expectSameAsFull(
        _ files: [DSLInputFile], monolithPath: String? = nil, cache: inout DSLCompileCache,
        options: DSLCompilerOptions = DSLCompilerOptions(), _ comment: @autoclosure () -> String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let compiler = DSLCompiler(options: options)
        let full = compiler.compile(files: files, monolithPath: monolithPath)
        let incremental = compiler.compile(files: files, monolithPath: monolithPath, cache: &cache)
        #expect(incremental.diagnostics == full.diagnostics, "\(comment())", sourceLocation: sourceLocation)
        #expect(incremental.compiled == full.compiled, "\(comment())", sourceLocation: sourceLocation)
        if let compiled = incremental.compiled, let expected = full.compiled {
            // Spelled out: the bytes EngineJS hashes and the two hashes.
            #expect(
                JavaScriptJSON.stableStringify(.object(compiled.document))
                    == JavaScriptJSON.stableStringify(.object(expected.document)), sourceLocation: sourceLocation)
            #expect(compiled.hash == expected.hash, sourceLocation: sourceLocation)
            #expect(compiled.contentHash == expected.contentHash, sourceLocation: sourceLocation)
        }
    }

    // MARK: - Randomised commits

    /// A deterministic random sequence of edits over a generated DSL, checked after every edit.
    @Test(arguments: [
        (seed: UInt64(1), strict: false, monolith: false), (seed: 2, strict: false, monolith: false),
        (seed: 3, strict: false, monolith: true), (seed: 4, strict: true, monolith: false),
        (seed: 5, strict: false, monolith: false), (seed: 6, strict: true, monolith: true),
    ])
    func randomEditsMatchTheFullCompile(seed: UInt64, strict: Bool, monolith: Bool) {
        var random = SplitMix64(seed: seed)
        var dsl = GeneratedDSL(random: &random, models: 8)
        let options = DSLCompilerOptions(strict: strict)
        var cache = DSLCompileCache()
        // A second cache that sees only every third commit: a cache several commits old is still exact.
        var staleCache = DSLCompileCache()
        var valid = 0
        var invalid = 0
        for step in 0..<160 {
            if Int.random(in: 0..<3, using: &random) == 0 { dsl.repair() }
            let edit = dsl.edit(random: &random, allowMonolith: monolith)
            let (files, monolithPath) = dsl.files(withContentIDs: step % 2 == 0)
            Self.expectSameAsFull(
                files, monolithPath: monolithPath, cache: &cache, options: options,
                "seed \(seed) step \(step): \(edit)")
            if step % 3 == 0 {
                Self.expectSameAsFull(
                    files, monolithPath: monolithPath, cache: &staleCache, options: options,
                    "seed \(seed) step \(step) (stale cache): \(edit)")
            }
            if DSLCompiler(options: options).compile(files: files, monolithPath: monolithPath).isValid {
                valid += 1
            } else {
                invalid += 1
            }
        }
        // The sequence visits both valid and invalid DSLs (the incremental path is exercised on both).
        #expect(valid > 20 && invalid > 5, "valid \(valid), invalid \(invalid)")
        #expect(cache.fileCount > 0)
    }

    /// The cache holds what the last compile read, and nothing of files that are gone.
    @Test func theCacheKeepsOnlyTheLastCommitsFiles() {
        var cache = DSLCompileCache()
        let post = DSLInputFile(path: "dsl/models/post.json", text: #"{"fields": {"title": {"type": "string"}}}"#)
        let tag = DSLInputFile(path: "dsl/models/tag.json", text: #"{"fields": {"name": {"type": "string"}}}"#)
        Self.expectSameAsFull([standardSnapshotModel, post, tag], cache: &cache, "three files")
        #expect(cache.fileCount == 3)
        #expect(cache.modelCount == 3)
        Self.expectSameAsFull([standardSnapshotModel, post], cache: &cache, "tag removed")
        #expect(cache.fileCount == 2)
        #expect(cache.modelCount == 2)
    }

    /// A file whose content ID is unchanged is taken from the cache; equal bytes with no ID are too; other options
    /// drop the cache.
    @Test func contentIDsAndOptionsDecideReuse() {
        let text = #"{"fields": {"title": {"type": "strng"}}}"#
        let first = DSLInputFile(path: "dsl/models/post.json", bytes: Array(text.utf8), contentID: "a")
        var cache = DSLCompileCache()
        Self.expectSameAsFull([standardSnapshotModel, first], cache: &cache, "first")
        let sameBytesNoID = DSLInputFile(path: "dsl/models/post.json", text: text)
        Self.expectSameAsFull([standardSnapshotModel, sameBytesNoID], cache: &cache, "same bytes, no ID")
        Self.expectSameAsFull(
            [standardSnapshotModel, first], cache: &cache, options: DSLCompilerOptions(strict: true),
            "strict: the unknown type becomes an error")
        Self.expectSameAsFull([standardSnapshotModel, first], cache: &cache, "not strict again")
    }

    /// A fragment's model key (Node's `path.basename(f, path.extname(f))` for `.json` in any case), on the fast
    /// path and off it.
    @Test(arguments: [
        ("dsl/models/post.json", "post"), ("dsl/models/Post.JSON", "Post"), ("dsl/models/.json", ".json"),
        ("dsl/models/a.json", "a"), ("post.json", "post"), ("dsl/models/é.json", "é"),
        ("dsl/models/x.json.json", "x.json"), ("dsl/models/", "models"), ("dsl/models/post.jsonx", "post.jsonx"),
        ("dsl/meta/dsl.Json", "dsl"),
    ])
    func baseNames(path: String, expected: String) {
        #expect(DSLInputFile(path: path, text: "{}").baseName == expected)
    }

    // MARK: - Existing corpora

    /// Every table-driven DSL of the compiler's tests, compiled one after the other at the same path with one
    /// cache (and back again), agrees with the full compile.
    @Test func theCompilerTestCasesMatchTheFullCompile() {
        let texts =
            DSLCompilerErrorTests.cases.map(\.1) + DSLCompilerErrorTests.warningCases.map(\.1)
            + DSLCompilerSpecTests.cases.map(\.dsl)
        #expect(texts.count > 100)
        for strict in [false, true] {
            let options = DSLCompilerOptions(strict: strict)
            var cache = DSLCompileCache()
            for (position, text) in (texts + texts.reversed()).enumerated() {
                let files = [standardSnapshotModel, DSLInputFile(path: "dsl/models/app.json", text: text)]
                Self.expectSameAsFull(files, cache: &cache, options: options, "case \(position): \(text)")
                // The same DSL again: everything comes from the cache.
                Self.expectSameAsFull(files, cache: &cache, options: options, "case \(position) again: \(text)")
            }
        }
    }

    /// The example story (`examples/story/NN-*/dsl`, each step holding the files it changes), commit after
    /// commit with one cache, through the loader as the daemon reads it.
    @Test func theExampleStoryMatchesTheFullCompile() throws {
        let story = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/story")
        let steps = try FileManager.default.contentsOfDirectory(atPath: story.path).filter {
            $0.first?.isNumber == true
        }.sorted()
        #expect(steps.count >= 5)
        var texts: [String: [UInt8]] = [:]
        var cache = DSLCompileCache()
        let compiler = DSLCompiler()
        for step in steps {
            let root = story.appendingPathComponent(step)
            let enumerator = FileManager.default.enumerator(atPath: root.path)
            while let relative = enumerator?.nextObject() as? String {
                guard relative.hasPrefix("dsl/"), relative.hasSuffix(".json") else { continue }
                texts[relative] = Array(try Data(contentsOf: root.appendingPathComponent(relative)))
            }
            let loaded = try compiler.load(source: InMemoryDSLSource(files: texts))
            let full = compiler.compile(loaded)
            let incremental = compiler.compile(loaded, cache: &cache)
            #expect(full.isValid, "\(step): \(full.errors)")
            #expect(incremental.diagnostics == full.diagnostics, "\(step)")
            #expect(incremental.compiled == full.compiled, "\(step)")
        }
    }

    /// Unicode keys and values (the non-ASCII path of EngineJS's hash, collation order of the document's keys).
    @Test func nonASCIIDocumentsMatchTheFullCompile() {
        var cache = DSLCompileCache()
        let versions = [
            #"{"café": {"fields": {"naïve": {"type": "string", "label": "Ünïcødé ✓"}}}, "cafe": {"fields": {}}}"#,
            #"{"café": {"fields": {"naïve": {"type": "string", "label": "changed ✓"}}}, "cafe": {"fields": {}}}"#,
            #"{"Zeta": {"fields": {"é": {"type": "int", "default": 1.50}}}, "alpha": {"fields": {"x": {"type": "jsonb", "default": {"b": 1, "2": 2, "a": "\u0007"}}}}}"#,
            #"{"b": {"$schema": 1, "fields": {}}, "a": {"fields": {}}, "$schema": "https://example.com/dsl.json"}"#,
        ]
        for (position, text) in (versions + versions).enumerated() {
            Self.expectSameAsFull(
                [standardSnapshotModel, DSLInputFile(path: "dsl/models/app.json", text: text)], cache: &cache,
                "version \(position)")
        }
    }
}

// MARK: - The generator

/// SplitMix64: a small deterministic generator, so a failing sequence can be replayed from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A DSL as files of models, edited at random the ways commits edit a DSL.
struct GeneratedDSL {
    struct Field {
        var name: String
        /// The definition's JSON members, e.g. `"type": "string", "length": 40`.
        var definition: String
        /// Likely an error (or a warning that `strict` makes one): removed by the next repair.
        var isRisky = false
    }

    struct Model {
        var key: String
        var fields: [Field]
        var extra: [String] = []
        var isExtraRisky = false
    }

    struct File {
        var name: String
        var models: [Model]
        /// A single model written as a fragment (`{"fields": …}`, its key the file name).
        var isSingle: Bool
        var schemaURI: String?
        /// Replaces the rendered text (invalid JSON and the like) until the next edit of the file fixes it.
        var override: String?
    }

    var files: [File] = []
    var asMonolith = false
    var counter = 0

    static let types = [
        "string", "text", "int", "bigint", "float", "decimal", "boolean", "date", "datetime", "jsonb", "uuid",
    ]
    /// Warnings (errors under `strict`).
    static let oddTypes = ["Int", "strng", "embed", ""]

    init(random: inout SplitMix64, models: Int) {
        for _ in 0..<models {
            let model = newModel(random: &random, key: nil)
            files.append(File(name: model.key, models: [model], isSingle: true))
        }
    }

    mutating func uniqueName(_ prefix: String) -> String {
        counter += 1
        return "\(prefix)\(counter)"
    }

    var allModels: [Model] { files.flatMap(\.models) }

    mutating func newModel(random: inout SplitMix64, key: String?) -> Model {
        let key = key ?? uniqueName("m")
        var model = Model(key: key, fields: [])
        for _ in 0..<Int.random(in: 1...5, using: &random) {
            model.fields.append(newField(random: &random))
        }
        return model
    }

    mutating func newField(random: inout SplitMix64) -> Field {
        let isOdd = Int.random(in: 0..<8, using: &random) == 0
        let type = (isOdd ? Self.oddTypes : Self.types).randomElement(using: &random) ?? "string"
        var definition = type.isEmpty ? #""label": "untyped""# : #""type": "\#(type)""#
        var isRisky = isOdd
        if type == "string", Bool.random(using: &random) {
            let length = ["1", "20", "255", "0", "-1", "2.5", "20.0"].randomElement(using: &random) ?? "20"
            definition += #", "length": \#(length)"#
            isRisky = isRisky || length == "-1" || length == "2.5"
        }
        if type == "boolean", Bool.random(using: &random) { definition += #", "default": false"# }
        return Field(name: uniqueName("f"), definition: definition, isRisky: isRisky)
    }

    /// A relation to `target` (or to a model that does not exist): plain, without sourceid, aliased, junction.
    mutating func relationField(random: inout SplitMix64, target: String) -> Field {
        let shapes = [
            #""type": "int", "source": "\#(target)", "sourceid": "id""#,
            #""type": "int", "source": "\#(target)", "sourceid": "id", "onDelete": "cascade""#,
            #""type": "int", "multi": true, "source": "\#(target)", "sourceid": "id""#,
            #""type": "int", "source": "\#(target)""#,
            #""type": "int", "source": "\#(target)", "sourceid": "id", "as": "shared""#,
            #""type": "string", "source": "\#(target)", "sourceid": "id""#,
            #""type": "int", "source": "\#(target)", "sourceid": "nope""#,
        ]
        let shape = Int.random(in: 0..<shapes.count, using: &random)
        return Field(
            name: uniqueName("r"), definition: shapes[shape], isRisky: shape >= 3 || target == "ghost")
    }

    /// Removes what is likely an error, so that the sequence visits valid DSLs again.
    mutating func repair() {
        for fileIndex in files.indices {
            files[fileIndex].override = nil
            // Two models with one key in a file: a duplicate key (an error under `strict`).
            var seen: Set<String> = []
            files[fileIndex].models.removeAll { !seen.insert($0.key).inserted }
            for modelIndex in files[fileIndex].models.indices {
                files[fileIndex].models[modelIndex].fields.removeAll(where: \.isRisky)
                if files[fileIndex].models[modelIndex].isExtraRisky {
                    files[fileIndex].models[modelIndex].extra = []
                    files[fileIndex].models[modelIndex].isExtraRisky = false
                }
            }
        }
    }

    /// Applies one random edit and says what it was.
    mutating func edit(random: inout SplitMix64, allowMonolith: Bool) -> String {
        guard !files.isEmpty else {
            let model = newModel(random: &random, key: nil)
            files.append(File(name: model.key, models: [model], isSingle: true))
            return "add a first model"
        }
        let fileIndex = Int.random(in: 0..<files.count, using: &random)
        files[fileIndex].override = nil
        guard !files[fileIndex].models.isEmpty else {
            files.remove(at: fileIndex)
            return "remove an empty file"
        }
        let modelIndex = Int.random(in: 0..<files[fileIndex].models.count, using: &random)
        let key = files[fileIndex].models[modelIndex].key
        let keys = allModels.map(\.key)
        switch Int.random(in: 0..<22, using: &random) {
        case 0, 1, 2:
            files[fileIndex].models[modelIndex].fields.append(newField(random: &random))
            return "add a field to \(key)"
        case 3:
            guard !files[fileIndex].models[modelIndex].fields.isEmpty else { return "nothing" }
            files[fileIndex].models[modelIndex].fields.removeLast()
            return "remove a field of \(key)"
        case 4:
            guard !files[fileIndex].models[modelIndex].fields.isEmpty else { return "nothing" }
            files[fileIndex].models[modelIndex].fields[0].name = uniqueName("renamed")
            return "rename a field of \(key)"
        case 5:
            guard !files[fileIndex].models[modelIndex].fields.isEmpty else { return "nothing" }
            files[fileIndex].models[modelIndex].fields[0].definition = newField(random: &random).definition
            return "change a field's type or length in \(key)"
        case 6:
            let model = newModel(random: &random, key: nil)
            if Bool.random(using: &random) {
                files.append(File(name: model.key, models: [model], isSingle: true))
            } else {
                files[fileIndex].models.append(model)
                files[fileIndex].isSingle = false
            }
            return "add model \(model.key)"
        case 7:
            files[fileIndex].models.remove(at: modelIndex)
            if files[fileIndex].models.isEmpty { files.remove(at: fileIndex) }
            return "remove model \(key)"
        case 8:
            // Move the model to another file (a multi-model one, possibly new).
            let model = files[fileIndex].models.remove(at: modelIndex)
            if files[fileIndex].models.isEmpty { files.remove(at: fileIndex) }
            if let target = files.indices.randomElement(using: &random), Bool.random(using: &random) {
                files[target].models.append(model)
                files[target].isSingle = false
            } else {
                files.append(File(name: uniqueName("group"), models: [model], isSingle: false))
            }
            return "move model \(key) to another file"
        case 9:
            files[fileIndex].override = String(renderedText(files[fileIndex]).dropLast(3))
            return "break \(files[fileIndex].name) (invalid JSON)"
        case 10:
            let other = keys.randomElement(using: &random) ?? key
            files[fileIndex].models[modelIndex].extra = [#""table": "\#(other)""#]
            files[fileIndex].models[modelIndex].isExtraRisky = true
            return "model \(key) takes the table of \(other)"
        case 11, 12:
            let target =
                Int.random(in: 0..<5, using: &random) == 0 ? "ghost" : keys.randomElement(using: &random) ?? key
            files[fileIndex].models[modelIndex].fields.append(relationField(random: &random, target: target))
            return "model \(key) relates to \(target)"
        case 13:
            files[fileIndex].models[modelIndex].fields.removeAll { $0.definition.contains("source") }
            return "model \(key) stops referencing others"
        case 14:
            let uris = [nil, "https://enginejs.dev/dsl.json", "", "https://example.com/other.json"]
            files[fileIndex].schemaURI = uris.randomElement(using: &random) ?? nil
            return "$schema of \(files[fileIndex].name)"
        case 15:
            // The same model key in another file: the later file wins (a warning).
            let model = newModel(random: &random, key: key)
            files.append(File(name: uniqueName("dup"), models: [model], isSingle: false))
            return "redefine \(key) in another file"
        case 16:
            let names = files[fileIndex].models[modelIndex].fields.map(\.name)
            let index = (names.randomElement(using: &random) ?? "missing") + (Bool.random(using: &random) ? "" : "x")
            let kind = ["unique", "many", "lower"].randomElement(using: &random) ?? "many"
            files[fileIndex].models[modelIndex].extra = [#""indexes": {"\#(kind)": [["\#(index)"]]}"#]
            files[fileIndex].models[modelIndex].isExtraRisky = true
            return "index \(kind) on \(key).\(index)"
        case 17:
            let names = files[fileIndex].models[modelIndex].fields.map(\.name)
            files[fileIndex].models[modelIndex].extra = [#""auto_name": ["\#(names.first ?? "id")"]"#]
            files[fileIndex].models[modelIndex].isExtraRisky = true
            return "auto_name of \(key)"
        case 18:
            files[fileIndex].models[modelIndex].fields.append(
                Field(name: uniqueName("v"), definition: #""type": "string", "save": false"#))
            return "virtual field in \(key)"
        case 19:
            if allowMonolith { asMonolith.toggle() }
            return "monolith \(asMonolith)"
        case 20:
            files[fileIndex].models[modelIndex].extra = []
            return "plain model \(key)"
        default:
            files[fileIndex].models[modelIndex].fields.append(
                Field(name: "deleted", definition: #""type": "string""#, isRisky: true))
            return "a non-boolean deleted in \(key)"
        }
    }

    func renderedModel(_ model: Model) -> String {
        let fields = model.fields.map { #""\#($0.name)": {\#($0.definition)}"# }.joined(separator: ", ")
        return (["\"fields\": {\(fields)}"] + model.extra).joined(separator: ", ")
    }

    func renderedText(_ file: File) -> String {
        let schema = file.schemaURI.map { [#""$schema": "\#($0)""#] } ?? []
        if file.isSingle, let model = file.models.first, file.models.count == 1 {
            return "{" + (schema + [renderedModel(model)]).joined(separator: ", ") + "}"
        }
        let models = file.models.map { #""\#($0.key)": {\#(renderedModel($0))}"# }
        return "{" + (schema + models).joined(separator: ", ") + "}"
    }

    /// The commit's files in the loader's order (meta, then models by name), or one monolith; with content IDs
    /// (as git gives) or without.
    func files(withContentIDs: Bool) -> (files: [DSLInputFile], monolithPath: String?) {
        func input(_ path: String, _ text: String) -> DSLInputFile {
            DSLInputFile(path: path, bytes: Array(text.utf8), contentID: withContentIDs ? text : nil)
        }
        if asMonolith {
            let models = files.flatMap(\.models).map { #""\#($0.key)": {\#(renderedModel($0))}"# }
            let dsl =
                #""dsl": {"fields": {"id": {"type": "int", "primary": true, "autoIncrement": true}, "hash": {"type": "string", "length": 255}, "dsl": {"type": "jsonb"}}}"#
            let schema = files.compactMap(\.schemaURI).first.map { [#""$schema": "\#($0)""#] } ?? []
            return (
                [input("dsl/dsl.json", "{" + (schema + [dsl] + models).joined(separator: ", ") + "}")], "dsl/dsl.json"
            )
        }
        var inputs = [input(standardSnapshotModel.path, standardSnapshotText)]
        let sorted = files.sorted { JavaScriptCollation.areInIncreasingOrder($0.fileName, $1.fileName) }
        for file in sorted {
            inputs.append(input("dsl/models/" + file.fileName, file.override ?? renderedText(file)))
        }
        return (inputs, nil)
    }
}

extension GeneratedDSL.File {
    /// A fragment is named after its model; a file of several models gets a name no model key has.
    var fileName: String { (isSingle && models.count == 1 ? models[0].key : "g_" + name) + ".json" }
}
