import EngineSyncCore
import Testing

@Suite struct DSLCompilerRuleTests {
    static let columnCases: [(String, String, ColumnType, ColumnDefault?)] = [
        (#"{"type": "string"}"#, "character varying(255)", .varchar(length: 255), nil),
        (#"{"type": "string", "length": 50}"#, "", .varchar(length: 50), nil),
        (#"{"type": "string", "max": 40}"#, "", .varchar(length: 40), nil),
        (#"{"type": "string", "size": 30}"#, "", .varchar(length: 30), nil),
        (#"{"type": "string", "multi": true}"#, "", .array(.varchar(length: 255)), nil),
        (#"{"type": "text"}"#, "", .text, nil),
        (#"{"type": "int"}"#, "", .integer, nil),
        (#"{"type": "integer", "default": 5}"#, "", .integer, .number("5")),
        (#"{"type": "bigint"}"#, "", .bigint, nil),
        (#"{"type": "float", "default": 1.50}"#, "", .doublePrecision, .number("1.5")),
        (#"{"type": "decimal"}"#, "", .doublePrecision, nil),
        (#"{"type": "number"}"#, "", .doublePrecision, nil),
        (#"{"type": "boolean", "default": true}"#, "", .boolean, .boolean(true)),
        (#"{"type": "date", "default": "now"}"#, "", .timestamptz, .currentTimestamp),
        (#"{"type": "datetime"}"#, "", .timestamptz, nil),
        (#"{"type": "json", "default": {"b": 1, "a": [true]}}"#, "", .jsonb, .json(#"{"a":[true],"b":1}"#)),
        (#"{"type": "jsonb", "default": []}"#, "", .jsonb, .json("[]")),
        (#"{"type": "uuid"}"#, "", .uuid, nil),
        (#"{}"#, "", .varchar(length: 255), nil),
        (#"{"type": "string", "default": "hi"}"#, "", .varchar(length: 255), .string("hi")),
        (#"{"type": "string", "default": null}"#, "", .varchar(length: 255), nil),
        // SPEC 2.3: strings, numbers, booleans → literals of the column type; "now" → CURRENT_TIMESTAMP.
        (#"{"type": "string", "default": 5}"#, "", .varchar(length: 255), .string("5")),
        (#"{"type": "text", "default": false}"#, "", .text, .string("false")),
        (#"{"type": "text", "default": "now"}"#, "", .text, .currentTimestamp),
        (#"{"type": "string", "default": "now"}"#, "", .varchar(length: 255), .currentTimestamp),
        (#"{"type": "int", "default": "42"}"#, "", .integer, .number("42")),
        (#"{"type": "float", "default": "2.5"}"#, "", .doublePrecision, .number("2.5")),
        (#"{"type": "boolean", "default": "true"}"#, "", .boolean, .boolean(true)),
        (#"{"type": "datetime", "default": "2024-01-01T00:00:00Z"}"#, "", .timestamptz, .string("2024-01-01T00:00:00Z")),
        (#"{"type": "date", "default": "2024-06-01 12:30:00.5+02:00"}"#, "", .timestamptz, .string("2024-06-01 12:30:00.5+02:00")),
        (#"{"type": "string", "length": 1, "default": "é"}"#, "", .varchar(length: 1), .string("é")),
    ]

    @Test(arguments: columnCases)
    func mapsTypes(definition: String, _: String, type: ColumnType, defaultValue: ColumnDefault?) throws {
        let result = compileFragment(#"{"post": {"fields": {"f": \#(definition)}}}"#)
        let compiled = try #require(result.compiled, "\(result.errors)")
        let column = try #require(compiled.schema.table(named: "post")?.column(named: "f"))
        #expect(column.type == type)
        #expect(column.defaultValue == defaultValue)
        #expect(column.fieldKey == "f")
    }

    @Test func augmentationAndAutoID() throws {
        let compiled = try #require(compileFragment(#"{"post": {"fields": {"title": {"type": "string"}}}}"#).compiled)
        let table = try #require(compiled.schema.table(named: "post"))
        #expect(table.columns.map(\.name) == ["id", "title", "created_at", "updated_at", "deleted", "deleted_at",
                                              "archived", "archived_at", "auto_name"])
        #expect(table.primaryKey == ["id"])
        #expect(table.columns[0].isAutoIncrement && table.columns[0].isNotNull)
        #expect(table.column(named: "auto_name")?.type == .varchar(length: 512))
        #expect(table.column(named: "deleted")?.defaultValue == .boolean(false))
        #expect(table.modelKey == "post")
        let post = try #require(compiled.document["post"]?.objectValue)
        #expect(post["ui"] == .object(JSONObject(["sort": .array([.string("-created_at")])])))
        // Built-in snapshot model with commit.
        let snapshot = try #require(compiled.schema.table(named: "dsl"))
        #expect(snapshot.columns.map(\.name).prefix(3) == ["id", "hash", "dsl"])
        #expect(snapshot.column(named: "commit")?.type == .varchar(length: 64))
        #expect(compiled.schema.indexes.contains { $0.name == "idx_post_visible" && $0.predicate == .visibleRows })
    }

    @Test func builtinSnapshotWarningAndCustomKey() {
        let result = compileFragment(#"{"post": {"fields": {}}}"#, options: DSLCompilerOptions(snapshotModelKey: "snap"))
        #expect(result.warnings.contains { $0.code == "builtin_snapshot_model" })
        #expect(result.compiled?.snapshotTable == "snap")
    }

    @Test func skippedFieldsAndUniqueIndexes() throws {
        let result = compileFragment(#"""
            {"user": {"fields": {"email": {"type": "string", "unique": true}, "v": {"type": "string", "save": false},
              "e": {"type": "embed"}}, "indexes": {"unique": [["email"]], "many": [["email", "created_at"]],
              "lower": [["email"]]}, "auto_name": ["email"]}}
            """#)
        let compiled = try #require(result.compiled, "\(result.errors)")
        let table = try #require(compiled.schema.table(named: "user"))
        #expect(table.column(named: "v") == nil && table.column(named: "e") == nil)
        let names = compiled.schema.indexes.filter { $0.table == "user" }.map(\.name)
        #expect(names == ["idx_user_visible", "uidx_user_email", "idx_user_email_created_at"])
        #expect(compiled.manualIndexes == [ManualIndex(modelKey: "user", table: "user", kind: "lower", columns: ["email"])])
        #expect(compiled.autoNameColumns == ["user": ["email"]])
    }

    @Test func relationsAndJunction() throws {
        let result = compileFragment(#"""
            {"link": {"fields": {"owner": {"type": "int", "source": "user", "onDelete": "cascade"},
              "tags": {"type": "int", "multi": true, "source": "tag", "unique": true}}},
             "user": {"fields": {}}, "tag": {"fields": {}}}
            """#)
        let compiled = try #require(result.compiled, "\(result.errors)")
        let fk = try #require(compiled.schema.foreignKeys.first { $0.table == "link" })
        #expect(fk == ForeignKey(name: "link_owner_fkey", table: "link", columns: ["owner"], referencedTable: "user",
                                 referencedColumns: ["id"], onDelete: .cascade, onUpdate: .cascade))
        let junction = try #require(compiled.schema.table(named: "link__tags__to__tag__id"))
        #expect(junction.modelKey == nil)
        #expect(junction.columns.map(\.name) == ["id", "linkId", "tagId", "created_at", "updated_at", "deleted",
                                                 "deleted_at", "archived", "archived_at"])
        let h = EngineJSNaming.hash("link__tags__to__tag__id")
        #expect(h == "1ahjkps")
        let names = Set(compiled.schema.indexes.filter { $0.table == junction.name }.map(\.name))
        #expect(names.isSuperset(of: ["idx_\(h)_owner", "idx_\(h)_source", "uq_\(h)_active"]))
        #expect(compiled.schema.table(named: "link")?.column(named: "tags") == nil)
    }

    @Test(arguments: [("", "45h"), ("post", "yj76m5"), ("user", "yj4ifo"), ("link__tags__to__tag__id", "1ahjkps"),
                      ("uidx_a_very_long_table_name_for_testing_hashes_customer_email_address", "196vtzb"),
                      ("ünïcödé_table", "atv5j5")])
    func hashVectors(input: String, expected: String) {
        #expect(EngineJSNaming.hash(input) == expected)
    }

    @Test func longIndexNamesAreHashed() {
        let base = "uidx_a_very_long_table_name_for_testing_hashes_customer_email_address"
        #expect(EngineJSNaming.uniqueIndexName(table: "a_very_long_table_name_for_testing_hashes",
                                               columns: ["customer_email_address"]) == "uidx_196vtzb")
        #expect(base.count > 60)
        #expect(EngineJSNaming.visibleIndexName(table: "post") == "idx_post_visible")
    }

    /// SPEC 2.6: a name of exactly 60 characters stays as it is; 61 is hashed (JavaScript counts UTF-16 units).
    @Test func indexNamesHashFromSixtyOneCharacters() {
        let table = String(repeating: "t", count: 50)
        let sixty = EngineJSNaming.indexName(table: table, columns: ["abcdef"])
        let plain60 = "idx_" + table + "_" + "abcde"
        #expect(plain60.utf16.count == 60)
        #expect(EngineJSNaming.indexName(table: table, columns: ["abcde"]) == plain60)
        let long61 = "idx_" + table + "_" + "abcdef"
        #expect(long61.utf16.count == 61)
        #expect(sixty == "idx_" + EngineJSNaming.hash(long61))
        let unique60 = "uidx_" + String(repeating: "u", count: 49) + "_" + "abcde"
        #expect(unique60.utf16.count == 60)
        #expect(EngineJSNaming.uniqueIndexName(table: String(repeating: "u", count: 49), columns: ["abcde"]) == unique60)
        #expect(EngineJSNaming.uniqueIndexName(table: String(repeating: "u", count: 49), columns: ["abcdef"])
                == "uidx_" + EngineJSNaming.hash(unique60 + "f"))
        // Visible index: hashed on the table name once "idx_<table>_visible" passes 60.
        let visibleTable = String(repeating: "v", count: 48)  // 4 + 48 + 8 = 60
        #expect(EngineJSNaming.visibleIndexName(table: visibleTable) == "idx_\(visibleTable)_visible")
        #expect(EngineJSNaming.visibleIndexName(table: visibleTable + "v") == "idx_" + EngineJSNaming.hash(visibleTable + "v") + "_visible")
    }

    @Test func aFieldWithoutTypeIsAStringWithAWarning() throws {
        let result = compileFragment(#"{"post": {"fields": {"title": {}}}}"#)
        let warning = try #require(result.warnings.first { $0.code == "missing_type" })
        #expect(warning.pointer == "/post/fields/title")
        #expect(result.compiled?.schema.table(named: "post")?.column(named: "title")?.type == .varchar(length: 255))
    }

    @Test func uiSortIsAddedBesideOtherUISettings() throws {
        let compiled = try #require(compileFragment(#"{"post": {"fields": {}, "ui": {"label": "Posts"}}, "page": {"fields": {}, "ui": {"sort": ["title"]}}}"#).compiled)
        let post = try #require(compiled.document["post"]?.objectValue?["ui"]?.objectValue)
        #expect(post["label"] == .string("Posts"))
        #expect(post["sort"] == .array([.string("-created_at")]))
        // An existing sort is kept.
        #expect(compiled.document["page"]?.objectValue?["ui"]?.objectValue?["sort"] == .array([.string("title")]))
    }

    @Test func lastWriteWinsWarnsWithBothFiles() throws {
        let result = DSLCompiler().compile(files: [
            DSLInputFile(path: "dsl/models/a.json", text: #"{"post": {"fields": {"a": {"type": "string"}}}}"#),
            DSLInputFile(path: "dsl/models/b.json", text: #"{"post": {"fields": {"b": {"type": "string"}}}}"#),
        ])
        let warning = try #require(result.warnings.first { $0.code == "last_write_wins" })
        #expect(warning.message.contains("dsl/models/a.json") && warning.message.contains("dsl/models/b.json"))
        #expect(result.compiled?.schema.table(named: "post")?.column(named: "a") == nil)
    }

    @Test func monolithOnlyWithoutFragments() throws {
        let source = InMemoryDSLSource(texts: [
            "dsl/dsl.json": #"{"post": {"fields": {}}}"#,
            "dsl/models/user.json": #"{"fields": {}}"#,
        ])
        let result = try DSLCompiler().compile(source: source)
        #expect(result.warnings.contains { $0.code == "monolith_ignored" })
        #expect(result.compiled?.schema.table(named: "post") == nil)
        let monolith = try DSLCompiler().compile(source: InMemoryDSLSource(texts: ["dsl/dsl.json": #"{"post": {"fields": {}}}"#]))
        #expect(monolith.compiled?.schema.table(named: "post") != nil)
    }

    @Test func snapshotRecompilesToTheSameHash() throws {
        let compiled = try #require(compileFragment(#"{"post": {"fields": {"n": {"type": "float", "default": 1.50}}}}"#).compiled)
        let again = DSLCompiler().compile(snapshotDocument: .object(compiled.document))
        #expect(again.compiled?.hash == compiled.hash)
        #expect(again.compiled?.schema == compiled.schema)
        let fromBytes = DSLCompiler().compile(snapshotBytes: CanonicalJSON.bytes(.object(compiled.document)))
        #expect(fromBytes.compiled?.hash == compiled.hash)
    }

    @Test func canonicalJSON() {
        let value = JSONValue.object(JSONObject(["b": .number("1.0"), "a": .string("x\n\"é"), "é": .null, "Z": .number("-0")]))
        #expect(CanonicalJSON.string(value) == #"{"Z":0,"a":"x\n\"é","b":1,"é":null}"#)
        #expect(CanonicalJSON.sha256Hex(.object(JSONObject())) == "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")
    }
}
