import EngineSyncCore
import Testing

/// One SPEC 2 rule per case: a DSL and a predicate over the compiled result.
@Suite struct DSLCompilerSpecTests {
    struct Case: CustomStringConvertible, Sendable {
        var description: String
        var dsl: String
        var check: @Sendable (CompiledDSL) -> Bool
    }

    static let cases: [Case] = [
        Case(description: "custom table name", dsl: #"{"post": {"table": "posts", "fields": {}}}"#) {
            $0.schema.table(named: "posts")?.modelKey == "post" && $0.schema.table(named: "post") == nil
        },
        Case(
            description: "columnName maps the column and keeps the field key",
            dsl: #"{"post": {"fields": {"title": {"type": "string", "columnName": "post_title"}}}}"#
        ) {
            $0.schema.table(named: "post")?.column(named: "post_title")?.fieldKey == "title"
        },
        Case(
            description: "indexes use mapped column names",
            dsl:
                #"{"post": {"fields": {"title": {"type": "string", "columnName": "t"}}, "indexes": {"many": [["title"]]}}}"#
        ) {
            $0.schema.index(named: "idx_post_t")?.columns == ["t"]
        },
        Case(
            description: "scalar unique alone creates no index",
            dsl: #"{"post": {"fields": {"slug": {"type": "string", "unique": true}}}}"#
        ) {
            !$0.schema.indexes.contains { $0.isUnique }
                && $0.schema.indexes.map(\.name) == ["idx_dsl_visible", "idx_post_visible"]
        },
        Case(
            description: "scalar unique and indexes.unique create one index",
            dsl:
                #"{"post": {"fields": {"slug": {"type": "string", "unique": true}}, "indexes": {"unique": [["slug"]]}}}"#
        ) {
            $0.schema.indexes.filter { $0.name == "uidx_post_slug" }.count == 1
        },
        Case(
            description: "no partial predicate without deleted column",
            dsl:
                #"{"post": {"fields": {"deleted": {"type": "boolean", "save": false}, "slug": {"type": "string"}}, "indexes": {"unique": [["slug"]]}}}"#
        ) {
            $0.schema.index(named: "uidx_post_slug")?.predicate == nil
                && $0.schema.index(named: "idx_post_visible") == nil
        },
        Case(
            description: "required never creates NOT NULL",
            dsl: #"{"post": {"fields": {"title": {"type": "string", "required": true}}}}"#
        ) {
            $0.schema.table(named: "post")?.column(named: "title")?.isNotNull == false
        },
        Case(
            description:
                "a primary field without an id field joins the auto id, appended last (composite key in attribute order)",
            dsl: #"{"post": {"fields": {"code": {"type": "string", "primary": true}}}}"#
        ) {
            let table = $0.schema.table(named: "post")
            return table?.primaryKey == ["code", "id"] && table?.column(named: "code")?.isNotNull == true
                && table?.columns.last?.name == "id" && $0.schema.index(named: "idx_post_visible")?.columns == ["code"]
        },
        Case(
            description: "a primary id field replaces the auto id",
            dsl: #"{"post": {"fields": {"id": {"type": "uuid", "primary": true}}}}"#
        ) {
            let table = $0.schema.table(named: "post")
            return table?.primaryKey == ["id"] && table?.column(named: "id")?.type == .uuid
                && table?.column(named: "id")?.isAutoIncrement == false && table?.columns.first?.name == "id"
                && $0.schema.index(named: "idx_post_visible")?.columns == ["id"]
        },
        Case(
            description: "a saved id is fine when another field is primary",
            dsl: #"{"post": {"fields": {"id": {"type": "int"}, "code": {"type": "string", "primary": true}}}}"#
        ) {
            let table = $0.schema.table(named: "post")
            return table?.primaryKey == ["code"] && table?.columns.filter { $0.name == "id" }.count == 1
        },
        Case(
            description: "a virtual id does not stop the auto id",
            dsl: #"{"post": {"fields": {"id": {"type": "int", "save": false}, "t": {"type": "string"}}}}"#
        ) {
            let table = $0.schema.table(named: "post")
            return table?.primaryKey == ["id"] && table?.columns.last?.isAutoIncrement == true
                && table?.columns.first?.name == "t"
        },
        Case(
            description: "primary key through columnName",
            dsl:
                #"{"post": {"fields": {"id": {"type": "int", "primary": true, "autoIncrement": true, "columnName": "post_id"}}}}"#
        ) {
            let table = $0.schema.table(named: "post")
            return table?.primaryKey == ["post_id"] && table?.column(named: "id") == nil
                && $0.schema.index(named: "idx_post_visible")?.columns == ["post_id"]
        },
        Case(
            description: "declared id is kept in place",
            dsl:
                #"{"post": {"fields": {"title": {"type": "string"}, "id": {"type": "bigint", "primary": true, "autoIncrement": true}}}}"#
        ) {
            let table = $0.schema.table(named: "post")
            return table?.columns.prefix(2).map(\.name) == ["title", "id"]
                && table?.column(named: "id")?.type == .bigint
                && table?.column(named: "id")?.isAutoIncrement == true
        },
        Case(
            description: "default actions RESTRICT / CASCADE",
            dsl:
                #"{"post": {"fields": {"owner": {"type": "int", "source": "user", "sourceid": "id"}}}, "user": {"fields": {}}}"#
        ) {
            $0.schema.foreignKeys.first?.onDelete == .restrict && $0.schema.foreignKeys.first?.onUpdate == .cascade
        },
        Case(
            description: "bigint may reference integer",
            dsl:
                #"{"post": {"fields": {"owner": {"type": "bigint", "source": "user", "sourceid": "id", "onUpdate": "no action"}}}, "user": {"fields": {}}}"#
        ) {
            $0.schema.foreignKeys.first?.onUpdate == .noAction
        },
        Case(
            description: "uuid references uuid primary key",
            dsl:
                #"{"post": {"fields": {"owner": {"type": "uuid", "source": "user", "sourceid": "id"}}}, "user": {"fields": {"id": {"type": "uuid", "primary": true}}}}"#
        ) {
            $0.schema.foreignKeys.first?.referencedColumns == ["id"]
                && $0.schema.table(named: "user")?.column(named: "id")?.type == .uuid
        },
        Case(
            description: "relation cycles are allowed",
            dsl:
                #"{"a": {"fields": {"b": {"type": "int", "source": "b", "sourceid": "id"}}}, "b": {"fields": {"a": {"type": "int", "source": "a", "sourceid": "id"}}}}"#
        ) {
            $0.schema.foreignKeys.count == 2
        },
        Case(
            description: "a relation without sourceid has no foreign key",
            dsl: #"{"post": {"fields": {"owner": {"type": "int", "source": "user"}}}, "user": {"fields": {}}}"#
        ) {
            $0.schema.foreignKeys.isEmpty && $0.schema.table(named: "post")?.column(named: "owner")?.type == .integer
        },
        Case(
            description: "a relation to an unknown model has no foreign key",
            dsl: #"{"post": {"fields": {"owner": {"type": "int", "source": "usr", "sourceid": "id"}}}}"#
        ) {
            $0.schema.foreignKeys.isEmpty && $0.schema.table(named: "post")?.column(named: "owner") != nil
        },
        Case(
            description: "the second relation with one alias has no foreign key, the first keeps its own",
            dsl:
                #"{"post": {"fields": {"a": {"type": "int", "source": "user", "sourceid": "id"}, "b": {"type": "int", "source": "user", "sourceid": "id"}}}, "user": {"fields": {}}}"#
        ) {
            $0.schema.foreignKeys.map(\.columns) == [["a"]]
        },
        Case(
            description: "distinct aliases give both relations a foreign key",
            dsl:
                #"{"post": {"fields": {"a": {"type": "int", "source": "user", "sourceid": "id"}, "b": {"type": "int", "source": "user", "sourceid": "id", "as": "editor"}}}, "user": {"fields": {}}}"#
        ) {
            $0.schema.foreignKeys.map(\.columns) == [["a"], ["b"]]
        },
        Case(
            description: "relations resolve to renamed tables",
            dsl:
                #"{"post": {"table": "posts", "fields": {"owner": {"type": "int", "source": "user", "sourceid": "id"}, "tags": {"type": "int", "multi": true, "source": "user", "sourceid": "id"}}}, "user": {"table": "users", "fields": {}}}"#
        ) {
            $0.schema.foreignKeys.first { $0.table == "posts" }?.referencedTable == "users"
                && $0.schema.table(named: "post__tags__to__user__id")?.columns.map(\.name).prefix(3) == [
                    "id", "postId", "userId",
                ]
                && $0.schema.foreignKeys.filter { $0.table == "post__tags__to__user__id" }.map(\.referencedTable) == [
                    "posts", "users",
                ]
        },
        Case(
            description: "a relation to a primary key through columnName references the column",
            dsl:
                #"{"post": {"fields": {"owner": {"type": "int", "source": "user", "sourceid": "id"}}}, "user": {"fields": {"id": {"type": "int", "primary": true, "autoIncrement": true, "columnName": "user_id"}}}}"#
        ) {
            $0.schema.foreignKeys.first?.referencedColumns == ["user_id"]
        },
        Case(
            description: "$schema that is not a string is not a model and is dropped",
            dsl: #"{"$schema": {"fields": {}}, "post": {"fields": {}}}"#
        ) {
            $0.document.keys == ["dsl", "post"]
        },
        Case(
            description: "junction without unique has no active index",
            dsl:
                #"{"post": {"fields": {"tags": {"type": "integer", "multi": true, "source": "tag", "sourceid": "id"}}}, "tag": {"fields": {}}}"#
        ) {
            !$0.schema.indexes.contains { $0.name.hasPrefix("uq_") }
                && $0.schema.table(named: "post__tags__to__tag__id") != nil
        },
        Case(
            description: "junction uses the field's onDelete",
            dsl:
                #"{"post": {"fields": {"tags": {"type": "int", "multi": true, "source": "tag", "sourceid": "id", "onDelete": "CASCADE"}}}, "tag": {"fields": {}}}"#
        ) {
            $0.schema.foreignKeys.filter { $0.table == "post__tags__to__tag__id" }.allSatisfy {
                $0.onDelete == .cascade
            }
        },
        Case(
            description: "a virtual field makes no column but stays in the document; embed is a varchar column",
            dsl: #"{"post": {"fields": {"e": {"type": "embed"}, "v": {"save": false}}}}"#
        ) {
            $0.schema.table(named: "post")?.column(named: "e")?.type == .varchar(length: 255)
                && $0.schema.table(named: "post")?.column(named: "v") == nil
                && $0.document["post"]?.objectValue?["fields"]?.objectValue?["v"]
                    == .object(JSONObject(["save": .bool(false)]))
        },
        Case(
            description: "a multi int with source and sourceid is a junction, no column",
            dsl:
                #"{"post": {"fields": {"tags": {"type": "int", "multi": true, "source": "tag", "sourceid": "id"}}}, "tag": {"fields": {}}}"#
        ) {
            $0.schema.table(named: "post")?.column(named: "tags") == nil && $0.schema.tables.count == 4
        },
        Case(
            description: "a multi int with source but no sourceid is a plain integer column",
            dsl:
                #"{"post": {"fields": {"tags": {"type": "int", "multi": true, "source": "tag"}}}, "tag": {"fields": {}}}"#
        ) {
            $0.schema.table(named: "post")?.column(named: "tags")?.type == .integer && $0.schema.tables.count == 3
                && $0.schema.foreignKeys.isEmpty
        },
        Case(
            description: "user ui.sort is kept",
            dsl: #"{"post": {"fields": {}, "ui": {"sort": ["title"]}}}"#
        ) {
            $0.document["post"]?.objectValue?["ui"]?.objectValue?["sort"] == .array([.string("title")])
        },
        Case(
            description: "declared system field is not replaced",
            dsl: #"{"post": {"fields": {"auto_name": {"type": "text"}}}}"#
        ) {
            $0.schema.table(named: "post")?.column(named: "auto_name")?.type == .text
        },
        Case(
            description: "declared snapshot model gets commit",
            dsl: #"{"dsl": {"fields": {"hash": {"type": "string"}, "dsl": {"type": "jsonb"}}}}"#
        ) {
            $0.schema.table(named: "dsl")?.column(named: "commit")?.type == .varchar(length: 64)
        },
        Case(
            description: "bigint autoIncrement primary key",
            dsl: #"{"post": {"fields": {"id": {"type": "bigint", "primary": true, "autoIncrement": true}}}}"#
        ) {
            $0.schema.table(named: "post")?.column(named: "id")?.isAutoIncrement == true
                && $0.schema.table(named: "post")?.column(named: "id")?.type == .bigint
        },
        Case(
            description: "autoIncrement on a non-key int when the model declares its id",
            dsl:
                #"{"post": {"fields": {"id": {"type": "uuid", "primary": true}, "n": {"type": "int", "autoIncrement": true}}}}"#
        ) {
            $0.schema.table(named: "post")?.column(named: "n")?.isAutoIncrement == true
        },
        Case(
            description: "lower indexes are never built nor listed as manual",
            dsl: #"{"post": {"fields": {"t": {"type": "string"}}, "indexes": {"lower": [["t"]]}}}"#
        ) {
            $0.manualIndexes.isEmpty && !$0.schema.indexes.contains { $0.columns == ["t"] }
        },
        Case(
            description: "unknown index kinds are ignored",
            dsl: #"{"post": {"fields": {"t": {"type": "string"}}, "indexes": {"gin": [["t"]], "many": [["t"]]}}}"#
        ) {
            $0.schema.indexes.filter { $0.table == "post" }.map(\.name) == ["idx_post_visible", "idx_post_t"]
        },
        Case(
            description: "indexes may name the auto id and system fields",
            dsl:
                #"{"post": {"fields": {"t": {"type": "string"}}, "indexes": {"unique": [["id", "t"]], "many": [["created_at"]]}}}"#
        ) {
            $0.schema.index(named: "uidx_post_id_t")?.columns == ["id", "t"]
                && $0.schema.index(named: "idx_post_created_at") != nil
        },
        Case(
            description: "the first of two indexes with one generated name wins",
            dsl:
                #"{"a_b": {"fields": {"c": {"type": "string"}}, "indexes": {"many": [["c"]]}}, "a": {"fields": {"b_c": {"type": "string"}}, "indexes": {"many": [["b_c"]]}}}"#
        ) {
            $0.schema.indexes.filter { $0.name == "idx_a_b_c" }.count == 1
        },
        Case(
            description: "ui that is not an object is replaced",
            dsl: #"{"post": {"fields": {}, "ui": []}}"#
        ) {
            $0.document["post"]?.objectValue?["ui"]?.objectValue?["sort"] == .array([.string("-created_at")])
        },
        Case(
            description: "zero length falls back to 255",
            dsl: #"{"post": {"fields": {"a": {"type": "string", "length": 0}}}}"#
        ) {
            $0.schema.table(named: "post")?.column(named: "a")?.type == .varchar(length: 255)
        },
        Case(
            description: "a default of now on a short string is no default",
            dsl: #"{"post": {"fields": {"s": {"type": "string", "length": 20, "default": "now"}}}}"#
        ) {
            $0.schema.table(named: "post")?.column(named: "s")?.defaultValue == nil
        },
        Case(
            description: "long foreign key names are truncated like PostgreSQL",
            dsl:
                #"{"a_table_name_that_is_quite_long_indeed_yes": {"fields": {"a_column_name_that_is_long_too": {"type": "int", "source": "u", "sourceid": "id"}}}, "u": {"fields": {}}}"#
        ) {
            guard let name = $0.schema.foreignKeys.first?.name else { return false }
            return name.utf8.count <= 63 && name.hasSuffix("_fkey")
        },
    ]

    @Test(arguments: cases)
    func rule(_ testCase: Case) throws {
        let result = compileFragment(testCase.dsl)
        let compiled = try #require(result.compiled, "\(result.errors)")
        #expect(testCase.check(compiled))
    }

    @Test func singleModelFragmentIsKeyedByFileName() throws {
        let result = DSLCompiler().compile(files: [
            standardSnapshotModel, DSLInputFile(path: "dsl/models/article.json", text: #"{"fields": {}}"#),
        ])
        #expect(try #require(result.compiled).document.keys == ["dsl", "article"])
    }

    /// `dsl/meta` then `dsl/models`, each in JavaScript `localeCompare` order of the file names (`a_b.json` before
    /// `a.json`: ICU sorts `_` before `.`; lower case before upper case); `.json` in any case.
    @Test func metaBeforeModelsInLocaleOrder() throws {
        let source = InMemoryDSLSource(texts: [
            "dsl/models/b.json": #"{"fields": {}}"#, "dsl/models/B.json": #"{"fields": {}}"#,
            "dsl/meta/z.json": #"{"fields": {}}"#, "dsl/models/a.json": #"{"fields": {}}"#,
            "dsl/meta/dsl.json": standardSnapshotText, "dsl/models/c.JSON": #"{"fields": {}}"#,
            "dsl/models/a_b.json": #"{"fields": {}}"#,
            "dsl/models/A.json": #"{"fields": {}}"#, "dsl/models/.gitkeep": "",
        ])
        let result = try DSLCompiler().compile(source: source)
        let compiled = try #require(result.compiled, "\(result.errors)")
        #expect(compiled.document.keys == ["dsl", "z", "a_b", "a", "A", "b", "B", "c"])
        #expect(compiled.schema.table(named: "c") != nil)
        #expect(!result.warnings.contains { $0.code == "ignored_file" })
    }

    /// EngineJS reads every `*.json` it lists, hidden ones too: `.hidden` is then a model key its schema refuses.
    @Test func hiddenJSONFilesAreRead() throws {
        let result = try DSLCompiler().compile(
            source: InMemoryDSLSource(texts: [
                "dsl/meta/dsl.json": standardSnapshotText, "dsl/models/.hidden.json": #"{"fields": {}}"#,
            ]))
        #expect(result.compiled == nil)
        #expect(result.errors.map(\.code) == ["schema_invalid"])
        #expect(result.errors.first?.file == "dsl/models/.hidden.json")
    }

    /// One model in several files: the later file (in localeCompare order) wins whole.
    @Test func laterFileWinsInLocaleOrder() throws {
        let result = try DSLCompiler().compile(
            source: InMemoryDSLSource(texts: [
                "dsl/meta/dsl.json": standardSnapshotText,
                "dsl/models/B.json": #"{"post": {"fields": {"from_upper_b": {"type": "int"}}}}"#,
                "dsl/models/a.json": #"{"post": {"fields": {"from_a": {"type": "int"}}}}"#,
                "dsl/models/b.json": #"{"post": {"fields": {"from_b": {"type": "int"}}}}"#,
            ]))
        let table = try #require(result.compiled?.schema.table(named: "post"))
        #expect(table.column(named: "from_upper_b") != nil && table.column(named: "from_b") == nil)
        #expect(result.warnings.filter { $0.code == "last_write_wins" }.count == 2)
    }

    @Test func hashIsDeterministicAndOrderInsensitiveToKeys() throws {
        let one = try #require(
            compileFragment(#"{"post": {"fields": {"a": {"type": "string", "length": 5}}}}"#).compiled)
        let two = try #require(
            compileFragment(#"{"post": {"fields": {"a": {"length": 5, "type": "string"}}}}"#).compiled)
        #expect(one.hash == two.hash)
        #expect(one.hash == EngineJSNaming.snapshotHash(of: .object(one.document)))
        #expect(one.contentHash.count == 64)
    }
}
