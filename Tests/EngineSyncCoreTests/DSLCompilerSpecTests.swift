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
        Case(description: "columnName maps the column and keeps the field key",
             dsl: #"{"post": {"fields": {"title": {"type": "string", "columnName": "post_title"}}}}"#) {
            $0.schema.table(named: "post")?.column(named: "post_title")?.fieldKey == "title"
        },
        Case(description: "indexes use mapped column names",
             dsl: #"{"post": {"fields": {"title": {"type": "string", "columnName": "t"}}, "indexes": {"many": [["title"]]}}}"#) {
            $0.schema.index(named: "idx_post_t")?.columns == ["t"]
        },
        Case(description: "scalar unique and indexes.unique create one index",
             dsl: #"{"post": {"fields": {"slug": {"type": "string", "unique": true}}, "indexes": {"unique": [["slug"]]}}}"#) {
            $0.schema.indexes.filter { $0.name == "uidx_post_slug" }.count == 1
        },
        Case(description: "no partial predicate without deleted column",
             dsl: #"{"post": {"fields": {"deleted": {"type": "boolean", "save": false}, "slug": {"type": "string", "unique": true}}}}"#) {
            $0.schema.index(named: "uidx_post_slug")?.predicate == nil && $0.schema.index(named: "idx_post_visible") == nil
        },
        Case(description: "required never creates NOT NULL",
             dsl: #"{"post": {"fields": {"title": {"type": "string", "required": true}}}}"#) {
            $0.schema.table(named: "post")?.column(named: "title")?.isNotNull == false
        },
        Case(description: "a primary field without an id field joins the auto id (SPEC 2.3, literally)",
             dsl: #"{"post": {"fields": {"code": {"type": "string", "primary": true}}}}"#) {
            let table = $0.schema.table(named: "post")
            return table?.primaryKey == ["id", "code"] && table?.column(named: "code")?.isNotNull == true
        },
        Case(description: "an id field that is not primary suppresses the auto id",
             dsl: #"{"post": {"fields": {"id": {"type": "uuid"}}}}"#) {
            let table = $0.schema.table(named: "post")
            return table?.primaryKey == [] && table?.column(named: "id")?.type == .uuid && $0.schema.index(named: "idx_post_visible") == nil
        },
        Case(description: "declared id is kept in place",
             dsl: #"{"post": {"fields": {"title": {"type": "string"}, "id": {"type": "bigint", "primary": true, "autoIncrement": true}}}}"#) {
            let table = $0.schema.table(named: "post")
            return table?.columns.prefix(2).map(\.name) == ["title", "id"] && table?.column(named: "id")?.type == .bigint
                && table?.column(named: "id")?.isAutoIncrement == true
        },
        Case(description: "default actions RESTRICT / CASCADE",
             dsl: #"{"post": {"fields": {"owner": {"type": "int", "source": "user"}}}, "user": {"fields": {}}}"#) {
            $0.schema.foreignKeys.first?.onDelete == .restrict && $0.schema.foreignKeys.first?.onUpdate == .cascade
        },
        Case(description: "bigint may reference integer",
             dsl: #"{"post": {"fields": {"owner": {"type": "bigint", "source": "user", "onUpdate": "no action"}}}, "user": {"fields": {}}}"#) {
            $0.schema.foreignKeys.first?.onUpdate == .noAction
        },
        Case(description: "uuid references uuid primary key",
             dsl: #"{"post": {"fields": {"owner": {"type": "uuid", "source": "user"}}}, "user": {"fields": {"id": {"type": "uuid", "primary": true}}}}"#) {
            $0.schema.foreignKeys.first?.referencedColumns == ["id"] && $0.schema.table(named: "user")?.column(named: "id")?.type == .uuid
        },
        Case(description: "relation cycles are allowed",
             dsl: #"{"a": {"fields": {"b": {"type": "int", "source": "b"}}}, "b": {"fields": {"a": {"type": "int", "source": "a"}}}}"#) {
            $0.schema.foreignKeys.count == 2
        },
        Case(description: "$schema is not a model",
             dsl: #"{"$schema": {"fields": {}}, "post": {"fields": {}}}"#) {
            $0.document.keys == ["dsl", "post"]
        },
        Case(description: "junction without unique has no active index",
             dsl: #"{"post": {"fields": {"tags": {"type": "integer", "multi": true, "source": "tag"}}}, "tag": {"fields": {}}}"#) {
            !$0.schema.indexes.contains { $0.name.hasPrefix("uq_") } && $0.schema.table(named: "post__tags__to__tag__id") != nil
        },
        Case(description: "junction uses the field's onDelete",
             dsl: #"{"post": {"fields": {"tags": {"type": "int", "multi": true, "source": "tag", "onDelete": "CASCADE"}}}, "tag": {"fields": {}}}"#) {
            $0.schema.foreignKeys.filter { $0.table == "post__tags__to__tag__id" }.allSatisfy { $0.onDelete == .cascade }
        },
        Case(description: "embed and virtual fields make no column but stay in the document",
             dsl: #"{"post": {"fields": {"e": {"type": "embed"}, "v": {"save": false}}}}"#) {
            $0.schema.table(named: "post")?.column(named: "e") == nil
                && $0.document["post"]?.objectValue?["fields"]?.objectValue?["v"] != nil
        },
        Case(description: "user ui.sort is kept",
             dsl: #"{"post": {"fields": {}, "ui": {"sort": ["title"]}}}"#) {
            $0.document["post"]?.objectValue?["ui"]?.objectValue?["sort"] == .array([.string("title")])
        },
        Case(description: "declared system field is not replaced",
             dsl: #"{"post": {"fields": {"auto_name": {"type": "text"}}}}"#) {
            $0.schema.table(named: "post")?.column(named: "auto_name")?.type == .text
        },
        Case(description: "declared snapshot model gets commit",
             dsl: #"{"dsl": {"fields": {"hash": {"type": "string"}, "dsl": {"type": "jsonb"}}}}"#) {
            $0.schema.table(named: "dsl")?.column(named: "commit")?.type == .varchar(length: 64)
        },
        Case(description: "bigint autoIncrement",
             dsl: #"{"post": {"fields": {"n": {"type": "bigint", "autoIncrement": true}}}}"#) {
            $0.schema.table(named: "post")?.column(named: "n")?.isAutoIncrement == true
        },
        Case(description: "lower indexes are manual only",
             dsl: #"{"post": {"fields": {"t": {"type": "string"}}, "indexes": {"lower": [["t"]]}}}"#) {
            $0.manualIndexes.count == 1 && !$0.schema.indexes.contains { $0.columns == ["t"] }
        },
        Case(description: "long foreign key names are truncated like PostgreSQL",
             dsl: #"{"a_table_name_that_is_quite_long_indeed_yes": {"fields": {"a_column_name_that_is_long_too": {"type": "int", "source": "u"}}}, "u": {"fields": {}}}"#) {
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
        let result = DSLCompiler().compile(files: [DSLInputFile(path: "dsl/models/article.json", text: #"{"fields": {}}"#)])
        #expect(try #require(result.compiled).document.keys == ["dsl", "article"])
    }

    @Test func metaBeforeModelsInByteOrder() throws {
        let source = InMemoryDSLSource(texts: [
            "dsl/models/b.json": #"{"fields": {}}"#, "dsl/models/B.json": #"{"fields": {}}"#,
            "dsl/meta/z.json": #"{"fields": {}}"#, "dsl/models/a.json": #"{"fields": {}}"#,
        ])
        let compiled = try #require(try DSLCompiler().compile(source: source).compiled)
        #expect(compiled.document.keys == ["dsl", "z", "B", "a", "b"])
    }

    @Test func hashIsDeterministicAndOrderInsensitiveToKeys() throws {
        let one = try #require(compileFragment(#"{"post": {"fields": {"a": {"type": "string", "length": 5}}}}"#).compiled)
        let two = try #require(compileFragment(#"{"post": {"fields": {"a": {"length": 5, "type": "string"}}}}"#).compiled)
        #expect(one.hash == two.hash)
        #expect(one.hash.count == 64)
    }
}
