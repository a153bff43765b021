import EngineSyncCore
import Testing

@Suite struct DSLCompilerRuleTests {
    static let columnCases: [(String, String, ColumnType, ColumnDefault?)] = [
        (#"{"type": "string"}"#, "character varying(255)", .varchar(length: 255), nil),
        (#"{"type": "string", "length": 50}"#, "", .varchar(length: 50), nil),
        (#"{"type": "string", "max": 40}"#, "", .varchar(length: 40), nil),
        (#"{"type": "string", "size": 30}"#, "", .varchar(length: 30), nil),
        // L = max || length || size || 255 (JavaScript ||: 0 falls through; max wins over length).
        (#"{"type": "string", "length": 50, "max": 40}"#, "max wins", .varchar(length: 40), nil),
        (#"{"type": "string", "length": 50, "size": 30}"#, "length before size", .varchar(length: 50), nil),
        (#"{"type": "string", "max": 0, "length": 30}"#, "0 falls through", .varchar(length: 30), nil),
        (#"{"type": "string", "length": 0}"#, "0 is no length", .varchar(length: 255), nil),
        (#"{"type": "string", "max": 0, "length": 0, "size": 0}"#, "", .varchar(length: 255), nil),
        (#"{"type": "string", "multi": true}"#, "", .array(.varchar(length: 255)), nil),
        (
            #"{"type": "string", "multi": true, "length": 50, "default": []}"#,
            "multi string ignores length and default", .array(.varchar(length: 255)), nil
        ),
        (#"{"type": "text"}"#, "", .text, nil),
        (#"{"type": "int"}"#, "", .integer, nil),
        (#"{"type": "int", "multi": true}"#, "multi int without source is one integer", .integer, nil),
        (#"{"type": "integer", "default": 5}"#, "", .integer, .number("5")),
        (#"{"type": "bigint"}"#, "", .bigint, nil),
        (#"{"type": "bigint", "default": 0}"#, "", .bigint, .number("0")),
        // Sequelize quotes a DOUBLE default: '1.5'::double precision.
        (#"{"type": "float", "default": 1.50}"#, "", .doublePrecision, .string("1.5")),
        (#"{"type": "float", "default": 1}"#, "", .doublePrecision, .string("1")),
        (#"{"type": "decimal", "default": 1e2}"#, "", .doublePrecision, .string("100")),
        (#"{"type": "decimal"}"#, "", .doublePrecision, nil),
        (#"{"type": "number"}"#, "", .doublePrecision, nil),
        (#"{"type": "boolean", "default": true}"#, "", .boolean, .boolean(true)),
        // "now" is Sequelize's NOW, filled in on insert: never a database default, whatever the type.
        (#"{"type": "date", "default": "now"}"#, "", .timestamptz, nil),
        (#"{"type": "datetime", "default": "now"}"#, "", .timestamptz, nil),
        (#"{"type": "text", "default": "now"}"#, "", .text, nil),
        (#"{"type": "string", "default": "now"}"#, "", .varchar(length: 255), nil),
        (#"{"type": "string", "length": 20, "default": "now"}"#, "", .varchar(length: 20), nil),
        (#"{"type": "datetime"}"#, "", .timestamptz, nil),
        // JSON.stringify keeps the key order of the DSL.
        (#"{"type": "json", "default": {"b": 1, "a": [true]}}"#, "", .jsonb, .json(#"{"b":1,"a":[true]}"#)),
        (#"{"type": "jsonb", "default": []}"#, "", .jsonb, .json("[]")),
        (#"{"type": "jsonb", "default": [1, 2]}"#, "", .jsonb, .json("[1,2]")),
        (#"{"type": "json", "default": "x"}"#, "", .jsonb, .json(#""x""#)),
        (#"{"type": "json", "default": 1.50}"#, "", .jsonb, .json("1.5")),
        (#"{"type": "uuid"}"#, "", .uuid, nil),
        (
            #"{"type": "uuid", "default": "9B2B1F0E-9D5C-4B71-8D0B-4B8A7B3C1A01"}"#, "", .uuid,
            .string("9b2b1f0e-9d5c-4b71-8d0b-4b8a7b3c1a01")
        ),
        (#"{}"#, "missing type", .varchar(length: 255), nil),
        (#"{"length": 20}"#, "missing type takes the length", .varchar(length: 20), nil),
        (#"{"type": "string", "default": "hi"}"#, "", .varchar(length: 255), .string("hi")),
        // Sequelize: DEFAULT NULL.
        (#"{"type": "string", "default": null}"#, "", .varchar(length: 255), .expression("NULL")),
        // Sequelize writes numbers and booleans on string columns unquoted: DEFAULT 5, DEFAULT false.
        (#"{"type": "string", "default": 5}"#, "", .varchar(length: 255), .number("5")),
        (#"{"type": "string", "default": 2.50}"#, "", .varchar(length: 255), .number("2.5")),
        (#"{"type": "string", "default": true}"#, "", .varchar(length: 255), .boolean(true)),
        (#"{"type": "text", "default": false}"#, "", .text, .boolean(false)),
        (#"{"type": "int", "default": "42"}"#, "", .integer, .number("42")),
        (#"{"type": "float", "default": "2.5"}"#, "", .doublePrecision, .string("2.5")),
        (#"{"type": "boolean", "default": "true"}"#, "", .boolean, .boolean(true)),
        (#"{"type": "boolean", "default": "false"}"#, "", .boolean, .boolean(false)),
        (
            #"{"type": "datetime", "default": "2024-01-01T00:00:00Z"}"#, "", .timestamptz,
            .string("2024-01-01T00:00:00Z")
        ),
        (
            #"{"type": "date", "default": "2024-06-01 12:30:00.5+02:00"}"#, "", .timestamptz,
            .string("2024-06-01 12:30:00.5+02:00")
        ),
        (#"{"type": "string", "length": 1, "default": "é"}"#, "", .varchar(length: 1), .string("é")),
        // Type names are lower-cased; unknown names, embed and no type are varchar(L).
        (#"{"type": "String", "length": 12}"#, "", .varchar(length: 12), nil),
        (#"{"type": "TEXT"}"#, "", .text, nil),
        (#"{"type": "Int", "default": 3}"#, "", .integer, .number("3")),
        (#"{"type": "BIGINT"}"#, "", .bigint, nil),
        (#"{"type": "Boolean", "default": false}"#, "", .boolean, .boolean(false)),
        (#"{"type": "DateTime"}"#, "", .timestamptz, nil),
        (#"{"type": "JSONB"}"#, "", .jsonb, nil),
        (#"{"type": "UUID"}"#, "", .uuid, nil),
        (#"{"type": "strng"}"#, "", .varchar(length: 255), nil),
        (#"{"type": "money", "max": 12}"#, "", .varchar(length: 12), nil),
        (
            #"{"type": "timestamp", "default": "x"}"#, "unknown type keeps a string default", .varchar(length: 255),
            .string("x")
        ),
        (#"{"type": "embed"}"#, "", .varchar(length: 255), nil),
        (#"{"type": "embed", "size": 64}"#, "", .varchar(length: 64), nil),
        (#"{"type": "Embed"}"#, "", .varchar(length: 255), nil),
        // autoIncrement applies to int types only.
        (#"{"type": "string", "autoIncrement": true}"#, "", .varchar(length: 255), nil),
        // required never makes NOT NULL, a relation without sourceid is a plain column.
        (#"{"type": "int", "required": true}"#, "", .integer, nil),
        (#"{"type": "int", "source": "post"}"#, "", .integer, nil),
    ]

    @Test(arguments: columnCases)
    func mapsTypes(definition: String, _: String, type: ColumnType, defaultValue: ColumnDefault?) throws {
        let result = compileFragment(#"{"post": {"fields": {"f": \#(definition)}}}"#)
        let compiled = try #require(result.compiled, "\(result.errors)")
        let column = try #require(compiled.schema.table(named: "post")?.column(named: "f"))
        #expect(column.type == type)
        #expect(column.defaultValue == defaultValue)
        #expect(column.fieldKey == "f")
        #expect(!column.isNotNull && !column.isAutoIncrement)
        #expect(compiled.schema.foreignKeys.isEmpty)
    }

    @Test func augmentationAndAutoID() throws {
        let compiled = try #require(compileFragment(#"{"post": {"fields": {"title": {"type": "string"}}}}"#).compiled)
        let table = try #require(compiled.schema.table(named: "post"))
        // EngineJS's order: the fields, the system fields, then the `id` Sequelize adds.
        #expect(
            table.columns.map(\.name) == [
                "title", "created_at", "updated_at", "deleted", "deleted_at",
                "archived", "archived_at", "auto_name", "id",
            ])
        #expect(table.primaryKey == ["id"])
        let id = try #require(table.column(named: "id"))
        #expect(id.isAutoIncrement && id.isNotNull && id.type == .integer && id.fieldKey == nil)
        #expect(table.column(named: "auto_name")?.type == .varchar(length: 512))
        #expect(table.column(named: "deleted")?.defaultValue == .boolean(false))
        #expect(table.column(named: "created_at")?.type == .timestamptz)
        #expect(table.modelKey == "post")
        let post = try #require(compiled.document["post"]?.objectValue)
        #expect(post["ui"] == .object(JSONObject(["sort": .array([.string("-created_at")])])))
        // The stored document is EngineJS's: system fields appended, no injected id, no commit.
        let fields = try #require(post["fields"]?.objectValue)
        #expect(
            fields.keys == [
                "title", "created_at", "updated_at", "deleted", "deleted_at", "archived", "archived_at", "auto_name",
            ])
        #expect(fields["auto_name"] == .object(JSONObject(["type": .string("string"), "length": .number("512")])))
        #expect(fields["deleted"] == .object(JSONObject(["type": .string("boolean"), "default": .bool(false)])))
        // The snapshot model comes from dsl/meta/dsl.json; its table gets enginesync's `commit` column last.
        let snapshot = try #require(compiled.schema.table(named: "dsl"))
        #expect(
            snapshot.columns.map(\.name) == [
                "id", "hash", "dsl", "created_at", "updated_at", "deleted", "deleted_at",
                "archived", "archived_at", "auto_name", "commit",
            ])
        #expect(snapshot.column(named: "commit")?.type == .varchar(length: 64))
        #expect(snapshot.column(named: "commit")?.isNotNull == false)
        let dslFields = try #require(compiled.document["dsl"]?.objectValue?["fields"]?.objectValue)
        #expect(dslFields["commit"] == nil && dslFields["id"] != nil)
        #expect(compiled.document.keys == ["dsl", "post"])
        #expect(compiled.snapshotTable == "dsl" && compiled.snapshotModelKey == "dsl")
        #expect(
            compiled.schema.indexes.contains {
                $0.name == "idx_post_visible" && $0.predicate == .visibleRows && $0.columns == ["id"]
            })
        #expect(compiled.hash == EngineJSNaming.snapshotHash(of: .object(compiled.document)))
        #expect(compiled.contentHash == CanonicalJSON.sha256Hex(.object(compiled.document)))
    }

    @Test(arguments: [
        (#"{"ui": []}"#, "array"), (#"{"ui": "x"}"#, "string"), (#"{"ui": null}"#, "null"), (#"{"ui": 3}"#, "number"),
        ("{}", "missing"),
    ])
    func nonObjectUIIsReplaced(extra: String, _: String) throws {
        var model = extra
        model.removeLast()
        model += (model.count > 1 ? ", " : "") + #""fields": {}}"#
        let compiled = try #require(compileFragment(#"{"post": \#(model)}"#).compiled)
        #expect(
            compiled.document["post"]?.objectValue?["ui"]
                == .object(JSONObject(["sort": .array([.string("-created_at")])])))
    }

    @Test func nullSystemFieldsAreReplacedDeclaredOnesKept() throws {
        let compiled = try #require(
            compileFragment(
                #"{"post": {"fields": {"deleted_at": {"type": "text"}, "auto_name": null, "created_at": null}}}"#
            ).compiled)
        let fields = try #require(compiled.document["post"]?.objectValue?["fields"]?.objectValue)
        #expect(fields["deleted_at"] == .object(JSONObject(["type": .string("text")])))
        #expect(fields["auto_name"] == .object(JSONObject(["type": .string("string"), "length": .number("512")])))
        #expect(fields["created_at"] == .object(JSONObject(["type": .string("datetime")])))
        // `??=` replaces in place: the key keeps its position.
        #expect(fields.keys.prefix(3) == ["deleted_at", "auto_name", "created_at"])
        #expect(compiled.schema.table(named: "post")?.column(named: "deleted_at")?.type == .text)
    }

    @Test func missingSnapshotModelIsAnError() throws {
        let result = DSLCompiler().compile(files: [DSLInputFile(path: "dsl/models/post.json", text: #"{"fields": {}}"#)]
        )
        #expect(result.compiled == nil)
        let error = try #require(result.errors.first)
        #expect(result.errors.map(\.code) == ["missing_snapshot_model"])
        #expect(error.file == "dsl" && error.line == 1 && error.pointer == "")
        #expect(error.hint?.contains(#""hash": {"type": "string", "length": 255}"#) == true)
        #expect(!result.warnings.contains { $0.code == "builtin_snapshot_model" })
    }

    @Test func customSnapshotModelKeyAndTable() throws {
        let options = DSLCompilerOptions(snapshotModelKey: "snap")
        // The standard `dsl` model is an ordinary model once the key is `snap`, and `snap` is required.
        let missing = compileFragment(#"{"post": {"fields": {}}}"#, options: options)
        #expect(missing.errors.map(\.code) == ["missing_snapshot_model"])
        let result = compileFragment(
            #"{"snap": {"table": "engine_dsl", "fields": {"hash": {"type": "string"}, "dsl": {"type": "jsonb"}}}}"#,
            options: options)
        let compiled = try #require(result.compiled, "\(result.errors)")
        #expect(compiled.snapshotModelKey == "snap" && compiled.snapshotTable == "engine_dsl")
        #expect(compiled.schema.table(named: "engine_dsl")?.columns.last?.name == "commit")
        #expect(compiled.schema.table(named: "dsl")?.column(named: "commit") == nil)
        #expect(!result.warnings.contains { $0.code == "builtin_snapshot_model" })
    }

    @Test func declaredCommitFieldIsNotDuplicated() throws {
        let compiled = try #require(
            compileFragment(
                #"{"dsl": {"fields": {"hash": {"type": "string"}, "dsl": {"type": "jsonb"}, "commit": {"type": "string", "length": 40}}}}"#
            ).compiled)
        let table = try #require(compiled.schema.table(named: "dsl"))
        #expect(table.columns.filter { $0.name == "commit" }.count == 1)
        #expect(table.column(named: "commit")?.type == .varchar(length: 40))
    }

    @Test func skippedFieldsAndUniqueIndexes() throws {
        let result = compileFragment(
            #"""
            {"user": {"fields": {"email": {"type": "string", "unique": true}, "v": {"type": "string", "save": false},
              "e": {"type": "embed"}}, "indexes": {"unique": [["email"]], "many": [["email", "created_at"]],
              "lower": [["email"]]}, "auto_name": ["email"]}}
            """#)
        let compiled = try #require(result.compiled, "\(result.errors)")
        let table = try #require(compiled.schema.table(named: "user"))
        #expect(table.column(named: "v") == nil)
        #expect(table.column(named: "e")?.type == .varchar(length: 255))
        let names = compiled.schema.indexes.filter { $0.table == "user" }.map(\.name)
        // Scalar unique adds nothing, indexes.lower is never built.
        #expect(names == ["idx_user_visible", "uidx_user_email", "idx_user_email_created_at"])
        #expect(compiled.manualIndexes.isEmpty)
        #expect(
            Set(result.warnings.map(\.code)).isSuperset(of: [
                "scalar_unique_ignored", "lower_index_ignored", "embed_column",
            ]))
        #expect(compiled.autoNameColumns == ["user": ["email"]])
        #expect(compiled.schema.index(named: "uidx_user_email")?.predicate == .visibleRows)
    }

    @Test func relationsAndJunction() throws {
        let result = compileFragment(
            #"""
            {"link": {"fields": {"owner": {"type": "int", "source": "user", "sourceid": "id", "onDelete": "cascade"},
              "tags": {"type": "int", "multi": true, "source": "tag", "sourceid": "id", "unique": true}}},
             "user": {"fields": {}}, "tag": {"fields": {}}}
            """#)
        let compiled = try #require(result.compiled, "\(result.errors)")
        let fk = try #require(compiled.schema.foreignKeys.first { $0.table == "link" })
        #expect(
            fk
                == ForeignKey(
                    name: "link_owner_fkey", table: "link", columns: ["owner"], referencedTable: "user",
                    referencedColumns: ["id"], onDelete: .cascade, onUpdate: .cascade))
        let junction = try #require(compiled.schema.table(named: "link__tags__to__tag__id"))
        #expect(junction.modelKey == nil)
        #expect(junction.primaryKey == ["id"])
        #expect(
            junction.columns.map(\.name) == [
                "id", "linkId", "tagId", "created_at", "updated_at", "deleted",
                "deleted_at", "archived", "archived_at",
            ])
        #expect(
            junction.column(named: "linkId")?.isNotNull == true && junction.column(named: "tagId")?.type == .integer)
        let h = EngineJSNaming.hash("link__tags__to__tag__id")
        #expect(h == "1ahjkps")
        // Only the visible index: EngineJS builds no owner/source/active indexes on a junction.
        #expect(
            compiled.schema.indexes.filter { $0.table == junction.name }.map(\.name) == [
                "idx_link__tags__to__tag__id_visible"
            ])
        #expect(!compiled.schema.indexes.contains { $0.name.contains(h) })
        let keys = compiled.schema.foreignKeys.filter { $0.table == junction.name }
        #expect(keys.map(\.columns) == [["linkId"], ["tagId"]])
        #expect(keys.map(\.referencedTable) == ["link", "tag"])
        #expect(compiled.schema.table(named: "link")?.column(named: "tags") == nil)
        #expect(result.warnings.contains { $0.code == "scalar_unique_ignored" })
    }

    /// EngineJS (p08): a model related to itself has one `<model>Id` column; (p06) key columns follow the primary keys;
    /// (p09) the source key is its primary key even when `sourceid` names another column.
    @Test func junctionShapes() throws {
        let selfRelated = try #require(
            compileFragment(
                #"{"node": {"fields": {"links": {"type": "int", "multi": true, "source": "node", "sourceid": "id"}}}}"#
            ).compiled)
        let selfJunction = try #require(selfRelated.schema.table(named: "node__links__to__node__id"))
        #expect(selfJunction.columns.map(\.name).prefix(3) == ["id", "nodeId", "created_at"])
        #expect(selfRelated.schema.foreignKeys.filter { $0.table == selfJunction.name }.map(\.columns) == [["nodeId"]])

        let bigint = try #require(
            compileFragment(
                #"""
                {"post": {"fields": {"id": {"type": "bigint", "primary": true, "autoIncrement": true},
                  "tags": {"type": "bigint", "multi": true, "source": "tag", "sourceid": "id"}}},
                 "tag": {"fields": {"id": {"type": "bigint", "primary": true, "autoIncrement": true}}}}
                """#
            ).compiled)
        let bigintJunction = try #require(bigint.schema.table(named: "post__tags__to__tag__id"))
        #expect(
            bigintJunction.column(named: "postId")?.type == .bigint
                && bigintJunction.column(named: "tagId")?.type == .bigint)
        #expect(bigintJunction.column(named: "id")?.type == .integer)

        let bySlug = try #require(
            compileFragment(
                #"""
                {"post": {"fields": {"tags": {"type": "int", "multi": true, "source": "tag", "sourceid": "slug", "onDelete": "CASCADE"}}},
                 "tag": {"fields": {"slug": {"type": "string"}}}}
                """#
            ).compiled)
        let keys = bySlug.schema.foreignKeys.filter { $0.table == "post__tags__to__tag__slug" }
        #expect(keys.map(\.referencedColumns) == [["id"], ["id"]])
        #expect(keys.allSatisfy { $0.onDelete == .cascade })
    }

    @Test(arguments: [
        ("", "45h"), ("post", "yj76m5"), ("user", "yj4ifo"), ("link__tags__to__tag__id", "1ahjkps"),
        ("uidx_a_very_long_table_name_for_testing_hashes_customer_email_address", "196vtzb"),
        ("ünïcödé_table", "atv5j5"),
    ])
    func hashVectors(input: String, expected: String) {
        #expect(EngineJSNaming.hash(input) == expected)
    }

    @Test func longIndexNamesAreHashed() {
        let base = "uidx_a_very_long_table_name_for_testing_hashes_customer_email_address"
        #expect(
            EngineJSNaming.uniqueIndexName(
                table: "a_very_long_table_name_for_testing_hashes",
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
        #expect(
            EngineJSNaming.uniqueIndexName(table: String(repeating: "u", count: 49), columns: ["abcde"]) == unique60)
        #expect(
            EngineJSNaming.uniqueIndexName(table: String(repeating: "u", count: 49), columns: ["abcdef"])
                == "uidx_" + EngineJSNaming.hash(unique60 + "f"))
        // Visible index: hashed on the table name once "idx_<table>_visible" passes 60.
        let visibleTable = String(repeating: "v", count: 48)  // 4 + 48 + 8 = 60
        #expect(EngineJSNaming.visibleIndexName(table: visibleTable) == "idx_\(visibleTable)_visible")
        #expect(
            EngineJSNaming.visibleIndexName(table: visibleTable + "v") == "idx_"
                + EngineJSNaming.hash(visibleTable + "v") + "_visible")
    }

    @Test func aFieldWithoutTypeIsAStringWithAWarning() throws {
        let result = compileFragment(#"{"post": {"fields": {"title": {}}}}"#)
        let warning = try #require(result.warnings.first { $0.code == "missing_type" })
        #expect(warning.pointer == "/post/fields/title")
        #expect(result.compiled?.schema.table(named: "post")?.column(named: "title")?.type == .varchar(length: 255))
    }

    @Test func uiSortIsAddedBesideOtherUISettings() throws {
        let compiled = try #require(
            compileFragment(
                #"{"post": {"fields": {}, "ui": {"label": "Posts"}}, "page": {"fields": {}, "ui": {"sort": ["title"]}}}"#
            ).compiled)
        let post = try #require(compiled.document["post"]?.objectValue?["ui"]?.objectValue)
        #expect(post["label"] == .string("Posts"))
        #expect(post["sort"] == .array([.string("-created_at")]))
        // An existing sort is kept.
        #expect(compiled.document["page"]?.objectValue?["ui"]?.objectValue?["sort"] == .array([.string("title")]))
    }

    @Test func lastWriteWinsWarnsWithBothFiles() throws {
        let result = DSLCompiler().compile(files: [
            standardSnapshotModel,
            DSLInputFile(path: "dsl/models/a.json", text: #"{"post": {"fields": {"a": {"type": "string"}}}}"#),
            DSLInputFile(path: "dsl/models/b.json", text: #"{"post": {"fields": {"b": {"type": "string"}}}}"#),
        ])
        let warning = try #require(result.warnings.first { $0.code == "last_write_wins" })
        #expect(warning.message.contains("dsl/models/a.json") && warning.message.contains("dsl/models/b.json"))
        #expect(result.compiled?.schema.table(named: "post")?.column(named: "a") == nil)
        #expect(result.compiled?.schema.table(named: "post")?.column(named: "b") != nil)
    }

    @Test func monolithOnlyWithoutFragments() throws {
        let monolithText =
            #"{"dsl": {"fields": {"hash": {"type": "string"}, "dsl": {"type": "jsonb"}}}, "post": {"fields": {}}}"#
        let source = InMemoryDSLSource(texts: [
            "dsl/dsl.json": monolithText,
            "dsl/meta/dsl.json": #"{"fields": {"hash": {"type": "string"}, "dsl": {"type": "jsonb"}}}"#,
            "dsl/models/user.json": #"{"fields": {}}"#,
        ])
        let result = try DSLCompiler().compile(source: source)
        #expect(result.warnings.contains { $0.code == "monolith_ignored" })
        #expect(result.compiled?.schema.table(named: "post") == nil)
        #expect(result.compiled?.schema.table(named: "user") != nil)
        let monolith = try DSLCompiler().compile(source: InMemoryDSLSource(texts: ["dsl/dsl.json": monolithText]))
        #expect(monolith.compiled?.schema.table(named: "post") != nil)
        #expect(monolith.compiled?.document.keys == ["dsl", "post"])
    }

    /// EngineJS copies a monolith whole into its DSL, whose schema refuses anything that is not a model.
    @Test(arguments: [#""version": 2"#, #""notes": {"a": 1}"#, #""$schema": 5"#, #""post": {"fields": []}"#])
    func monolithNonModelKeysAreErrors(entry: String) throws {
        let text = #"{"dsl": {"fields": {"hash": {"type": "string"}}}, \#(entry)}"#
        let result = try DSLCompiler().compile(source: InMemoryDSLSource(texts: ["dsl/dsl.json": text]))
        #expect(result.compiled == nil)
        #expect(result.errors.map(\.code) == ["schema_invalid"])
        #expect(result.errors.first?.file == "dsl/dsl.json")
    }

    /// A fragment keeps only its models; its `$schema` string is kept in the document (and the hash).
    @Test func fragmentSchemaURIIsKept() throws {
        let compiled = try #require(
            compileFragment(#"{"$schema": "https://example.com/dsl.json", "notes": 5, "post": {"fields": {}}}"#)
                .compiled)
        #expect(compiled.document.keys == ["dsl", "$schema", "post"])
        #expect(compiled.document["$schema"] == .string("https://example.com/dsl.json"))
        let without = try #require(compileFragment(#"{"post": {"fields": {}}}"#).compiled)
        #expect(without.hash != compiled.hash)
        // A bare model fragment's `$schema` too.
        let bare = DSLCompiler().compile(files: [
            standardSnapshotModel,
            DSLInputFile(path: "dsl/models/post.json", text: #"{"$schema": "s", "fields": {}}"#),
        ])
        #expect(bare.compiled?.document.keys == ["dsl", "$schema", "post"])
    }

    @Test func snapshotRecompilesToTheSameHash() throws {
        let compiled = try #require(
            compileFragment(
                #"{"$schema": "x", "post": {"fields": {"n": {"type": "float", "default": 1.50}, "tags": {"type": "int", "multi": true, "source": "post", "sourceid": "id"}}}}"#
            ).compiled)
        let again = DSLCompiler().compile(snapshotDocument: .object(compiled.document))
        #expect(again.compiled?.hash == compiled.hash)
        #expect(again.compiled?.contentHash == compiled.contentHash)
        #expect(again.compiled?.schema == compiled.schema)
        #expect(again.compiled?.document == compiled.document)
        let fromBytes = DSLCompiler().compile(snapshotBytes: CanonicalJSON.bytes(.object(compiled.document)))
        #expect(fromBytes.compiled?.hash == compiled.hash)
    }

    /// `CompiledDSL.hash` is EngineJS's (djb2 over its stable JSON, base 36): key order does not change it.
    @Test func hashIsEngineJSsAndContentHashIsSHA256() throws {
        let one = try #require(
            compileFragment(#"{"post": {"fields": {"a": {"type": "string", "length": 5}}}}"#).compiled)
        let two = try #require(
            compileFragment(#"{"post": {"fields": {"a": {"length": 5, "type": "string"}}}}"#).compiled)
        #expect(one.hash == two.hash)
        #expect(one.contentHash == two.contentHash)
        #expect(one.contentHash.count == 64)
        #expect(one.hash.count < 10 && one.hash.allSatisfy { $0.isNumber || ("a"..."z").contains($0) })
        let three = try #require(
            compileFragment(#"{"post": {"fields": {"a": {"type": "string", "length": 6}}}}"#).compiled)
        #expect(three.hash != one.hash && three.contentHash != one.contentHash)
    }

    /// Models sharing a table: the first (in EngineJS's dependency order) defines it, the next adds its missing columns.
    @Test func sharedTableGetsTheColumnsOfBoth() throws {
        let result = compileFragment(
            #"""
            {"b": {"table": "shared", "fields": {"id": {"type": "int", "primary": true, "autoIncrement": true}, "y": {"type": "int"}}},
             "a": {"table": "shared", "fields": {"id": {"type": "int", "primary": true, "autoIncrement": true}, "x": {"type": "string"}}}}
            """#)
        let compiled = try #require(result.compiled, "\(result.errors)")
        let table = try #require(compiled.schema.table(named: "shared"))
        #expect(table.modelKey == "a")
        #expect(
            table.columns.map(\.name) == [
                "id", "x", "created_at", "updated_at", "deleted", "deleted_at", "archived",
                "archived_at", "auto_name", "y",
            ])
        #expect(compiled.schema.tables.filter { $0.name == "shared" }.count == 1)
        #expect(compiled.schema.indexes.filter { $0.table == "shared" }.map(\.name) == ["idx_shared_visible"])
        #expect(result.warnings.map(\.code).contains("shared_table"))
    }

    @Test func strictTurnsEverySurpriseIntoAnError() throws {
        let text =
            #"{"post": {"fields": {"a": {"type": "String"}, "b": {"type": "nope"}, "c": {}, "d": {"type": "string", "unique": true}, "e": {"type": "embed"}}}}"#
        let lenient = compileFragment(text)
        #expect(lenient.isValid)
        #expect(
            lenient.warnings.map(\.code) == [
                "type_case", "unknown_type", "missing_type", "scalar_unique_ignored", "embed_column",
            ])
        let strict = compileFragment(text, options: DSLCompilerOptions(strict: true))
        #expect(!strict.isValid)
        #expect(
            strict.errors.map(\.code) == [
                "type_case", "unknown_type", "missing_type", "scalar_unique_ignored", "embed_column",
            ])
        #expect(strict.warnings.isEmpty)
    }

    @Test func canonicalJSON() {
        let value = JSONValue.object(
            JSONObject(["b": .number("1.0"), "a": .string("x\n\"é"), "é": .null, "Z": .number("-0")]))
        #expect(CanonicalJSON.string(value) == #"{"Z":0,"a":"x\n\"é","b":1,"é":null}"#)
        #expect(
            CanonicalJSON.sha256Hex(.object(JSONObject()))
                == "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")
    }
}
