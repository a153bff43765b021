import EngineSyncCore
import Testing

/// EngineJS's standard snapshot model (`dsl/meta/dsl.json`), which every DSL must have.
let standardSnapshotText = """
    {"dsl": {"fields": {"id": {"type": "int", "primary": true, "autoIncrement": true}, \
    "hash": {"type": "string", "length": 255}, "dsl": {"type": "jsonb"}}}}
    """
let standardSnapshotModel = DSLInputFile(path: "dsl/meta/dsl.json", text: standardSnapshotText)

/// Compiles one multi-model fragment (`dsl/models/app.json`), after the standard snapshot model, for
/// table-driven tests.
func compileFragment(_ text: String, options: DSLCompilerOptions = DSLCompilerOptions()) -> DSLCompilation {
    DSLCompiler(options: options).compile(files: [standardSnapshotModel, DSLInputFile(path: "dsl/models/app.json", text: text)])
}

@Suite struct DSLCompilerErrorTests {
    /// DSLs EngineJS refuses (its DSL schema, its virtual-field rules, Sequelize's checks) or whose sync would fail in
    /// PostgreSQL: errors, and no compiled result.
    static let cases: [(String, String, String)] = [
        ("model key over 63 bytes naming its table", #"{"\#(String(repeating: "m", count: 64))": {"fields": {}}}"#, "identifier_too_long"),
        ("malformed JSON", #"{"post": {"fields": {"a": {"type": "string"}},}}"#, "json_syntax"),
        ("truncated JSON", #"{"post": {"fields": "#, "json_syntax"),
        ("empty file", "", "empty_file"),
        ("fragment not an object", "[1, 2]", "fragment_not_object"),
        ("empty fragment", "{}", "no_model"),
        ("fragment without model", #"{"post": {"table": "x"}}"#, "no_model"),
        // `fields` must be an object for an entry to be a model at all (EngineJS's isDslModelSpec).
        ("fields is an array", #"{"post": {"fields": []}}"#, "no_model"),
        // EngineJS's DSL JSON schema (ajv) refuses these before anything else.
        ("field not an object", #"{"post": {"fields": {"a": "string"}}}"#, "schema_invalid"),
        ("field is null", #"{"post": {"fields": {"a": null}}}"#, "schema_invalid"),
        ("length is a string", #"{"post": {"fields": {"a": {"type": "string", "length": "50"}}}}"#, "schema_invalid"),
        ("max is a string", #"{"post": {"fields": {"a": {"type": "string", "max": "50"}}}}"#, "schema_invalid"),
        ("size is a boolean", #"{"post": {"fields": {"a": {"type": "string", "size": true}}}}"#, "schema_invalid"),
        ("length is null", #"{"post": {"fields": {"a": {"type": "string", "length": null}}}}"#, "schema_invalid"),
        ("type not a string", #"{"post": {"fields": {"a": {"type": 5}}}}"#, "schema_invalid"),
        ("type is null", #"{"post": {"fields": {"a": {"type": null}}}}"#, "schema_invalid"),
        ("label not a string", #"{"post": {"fields": {"a": {"type": "string", "label": 1}}}}"#, "schema_invalid"),
        ("source not a string", #"{"post": {"fields": {"a": {"type": "int", "source": 1}}}}"#, "schema_invalid"),
        ("sourceid is null", #"{"post": {"fields": {"a": {"type": "int", "source": "post", "sourceid": null}}}}"#, "schema_invalid"),
        ("columnName not a string", #"{"post": {"fields": {"a": {"type": "int", "columnName": ["x"]}}}}"#, "schema_invalid"),
        ("as not a string", #"{"post": {"fields": {"a": {"type": "int", "as": {}}}}}"#, "schema_invalid"),
        ("inverseAs not a string", #"{"post": {"fields": {"a": {"type": "int", "inverseAs": 2}}}}"#, "schema_invalid"),
        ("onUpdate not a string", #"{"post": {"fields": {"owner": {"type": "int", "source": "user", "onUpdate": 1}}}, "user": {"fields": {}}}"#, "schema_invalid"),
        ("onDelete is null", #"{"post": {"fields": {"owner": {"type": "int", "onDelete": null}}}}"#, "schema_invalid"),
        ("unique not a boolean", #"{"post": {"fields": {"s": {"type": "string", "unique": "yes"}}}}"#, "schema_invalid"),
        ("required is null", #"{"post": {"fields": {"s": {"type": "string", "required": null}}}}"#, "schema_invalid"),
        ("save is a number", #"{"post": {"fields": {"s": {"type": "string", "save": 0}}}}"#, "schema_invalid"),
        ("multi is a string", #"{"post": {"fields": {"s": {"type": "string", "multi": "true"}}}}"#, "schema_invalid"),
        ("primary is null", #"{"post": {"fields": {"s": {"type": "int", "primary": null}}}}"#, "schema_invalid"),
        ("autoIncrement is a number", #"{"post": {"fields": {"s": {"type": "int", "autoIncrement": 1}}}}"#, "schema_invalid"),
        ("canfind is a string", #"{"post": {"fields": {"s": {"type": "int", "canfind": "no"}}}}"#, "schema_invalid"),
        ("table not a string", #"{"post": {"table": 1, "fields": {}}}"#, "schema_invalid"),
        ("table is null", #"{"post": {"table": null, "fields": {}}}"#, "schema_invalid"),
        ("auto_name not an array", #"{"post": {"fields": {"a": {"type": "string"}}, "auto_name": "a"}}"#, "schema_invalid"),
        ("auto_name holds a number", #"{"post": {"fields": {"a": {"type": "string"}}, "auto_name": [1]}}"#, "schema_invalid"),
        ("indexes not an object", #"{"post": {"fields": {}, "indexes": []}}"#, "schema_invalid"),
        ("index list not an array", #"{"post": {"fields": {}, "indexes": {"many": "a"}}}"#, "schema_invalid"),
        ("index entry not a string", #"{"post": {"fields": {"a": {"type": "int"}}, "indexes": {"unique": [[1]]}}}"#, "schema_invalid"),
        ("lower index not an array of arrays", #"{"post": {"fields": {"a": {"type": "string"}}, "indexes": {"lower": ["a"]}}}"#, "schema_invalid"),
        ("sql injection model key", #"{"post; DROP TABLE x; --": {"fields": {"a": {"type": "string"}}}}"#, "schema_invalid"),
        ("model key starting with a digit", #"{"1post": {"fields": {}}}"#, "schema_invalid"),
        ("model key with a dash", #"{"blog-post": {"fields": {}}}"#, "schema_invalid"),
        ("model key with a non-ASCII letter", #"{"café": {"fields": {}}}"#, "schema_invalid"),
        // Identifiers PostgreSQL would truncate: always errors.
        ("identifier over 63 bytes", #"{"post": {"fields": {"\#(String(repeating: "a", count: 64))": {"type": "string"}}}}"#, "identifier_too_long"),
        ("column name over 63 bytes", #"{"post": {"fields": {"a": {"type": "string", "columnName": "\#(String(repeating: "c", count: 64))"}}}}"#, "identifier_too_long"),
        ("table over 63 bytes", #"{"post": {"table": "\#(String(repeating: "t", count: 64))", "fields": {}}}"#, "identifier_too_long"),
        ("duplicate column via columnName", #"{"post": {"fields": {"a": {"type": "string"}, "b": {"type": "string", "columnName": "a"}}}}"#, "duplicate_column"),
        ("field clashing with system column", #"{"post": {"fields": {"createdAt": {"type": "datetime", "columnName": "created_at"}}}}"#, "duplicate_column"),
        ("field mapped onto the auto id", #"{"post": {"fields": {"key": {"type": "int", "columnName": "id"}}}}"#, "duplicate_column"),
        // Sequelize's own checks.
        ("saved id that is not primary", #"{"post": {"fields": {"id": {"type": "uuid"}}}}"#, "id_not_primary"),
        ("saved int id that is not primary", #"{"post": {"fields": {"id": {"type": "int", "autoIncrement": true}}}}"#, "id_not_primary"),
        ("autoIncrement beside the auto id", #"{"post": {"fields": {"n": {"type": "int", "autoIncrement": true}}}}"#, "multiple_auto_increment"),
        ("two autoIncrement fields", #"{"post": {"fields": {"id": {"type": "int", "primary": true, "autoIncrement": true}, "n": {"type": "bigint", "autoIncrement": true}}}}"#, "multiple_auto_increment"),
        ("relation to non key", #"{"post": {"fields": {"owner": {"type": "string", "source": "user", "sourceid": "email"}}}, "user": {"fields": {"email": {"type": "string", "unique": true}}}}"#, "source_not_primary_key"),
        ("relation to a composite key", #"{"post": {"fields": {"owner": {"type": "string", "source": "user", "sourceid": "code"}}}, "user": {"fields": {"code": {"type": "string", "primary": true}}}}"#, "source_not_primary_key"),
        ("relation type mismatch", #"{"post": {"fields": {"owner": {"type": "string", "source": "user", "sourceid": "id"}}}, "user": {"fields": {}}}"#, "relation_type_mismatch"),
        // Not a junction (boolean): a scalar column whose foreign key PostgreSQL refuses.
        ("multi boolean with source and sourceid", #"{"post": {"fields": {"tags": {"type": "boolean", "multi": true, "source": "tag", "sourceid": "id"}}}, "tag": {"fields": {}}}"#, "relation_type_mismatch"),
        ("bad onDelete", #"{"post": {"fields": {"owner": {"type": "int", "source": "user", "onDelete": "EXPLODE"}}}, "user": {"fields": {}}}"#, "invalid_referential_action"),
        ("bad onUpdate", #"{"post": {"fields": {"owner": {"type": "int", "source": "user", "sourceid": "id", "onUpdate": "sometimes"}}}, "user": {"fields": {}}}"#, "invalid_referential_action"),
        ("junction name too long", #"{"a_rather_long_owner_model": {"fields": {"a_rather_long_field_name": {"type": "int", "multi": true, "source": "tag", "sourceid": "id"}}}, "tag": {"fields": {}}}"#, "junction_name_too_long"),
        ("string multi with source", #"{"post": {"fields": {"tags": {"type": "string", "multi": true, "source": "tag"}}}, "tag": {"fields": {}}}"#, "multi_string_with_source"),
        ("string multi with sourceid", #"{"post": {"fields": {"tags": {"type": "string", "multi": true, "sourceid": "id"}}}}"#, "multi_string_with_source"),
        ("string multi with source and sourceid", #"{"post": {"fields": {"tags": {"type": "string", "multi": true, "source": "tag", "sourceid": "id"}}}, "tag": {"fields": {}}}"#, "multi_string_with_source"),
        // Virtual fields may not even mention the column properties (EngineJS checks `!== undefined`).
        ("virtual with source", #"{"post": {"fields": {"v": {"type": "int", "save": false, "source": "post"}}}}"#, "virtual_field_property"),
        ("virtual with columnName", #"{"post": {"fields": {"v": {"type": "int", "save": false, "columnName": "x"}}}}"#, "virtual_field_property"),
        ("virtual unique", #"{"post": {"fields": {"v": {"type": "int", "save": false, "unique": true}}}}"#, "virtual_field_property"),
        ("virtual unique false", #"{"post": {"fields": {"v": {"type": "int", "save": false, "unique": false}}}}"#, "virtual_field_property"),
        ("virtual primary", #"{"post": {"fields": {"v": {"type": "int", "save": false, "primary": true}}}}"#, "virtual_field_property"),
        ("virtual primary false", #"{"post": {"fields": {"v": {"type": "int", "save": false, "primary": false}}}}"#, "virtual_field_property"),
        ("virtual with sourceid", #"{"post": {"fields": {"v": {"type": "int", "save": false, "sourceid": "id"}}}}"#, "virtual_field_property"),
        ("virtual multi", #"{"post": {"fields": {"v": {"type": "int", "save": false, "multi": true}}}}"#, "virtual_field_property"),
        ("virtual multi false", #"{"post": {"fields": {"v": {"type": "int", "save": false, "multi": false}}}}"#, "virtual_field_property"),
        ("virtual autoIncrement", #"{"post": {"fields": {"v": {"type": "int", "save": false, "autoIncrement": true}}}}"#, "virtual_field_property"),
        ("virtual canfind", #"{"post": {"fields": {"v": {"type": "int", "save": false, "canfind": true}}}}"#, "virtual_field_property"),
        ("virtual canfind false", #"{"post": {"fields": {"v": {"type": "int", "save": false, "canfind": false}}}}"#, "virtual_field_property"),
        ("virtual in index", #"{"post": {"fields": {"v": {"type": "int", "save": false}}, "indexes": {"many": [["v"]]}}}"#, "index_on_virtual_field"),
        ("virtual in auto_name", #"{"post": {"fields": {"v": {"type": "string", "save": false}}, "auto_name": ["v"]}}"#, "auto_name_on_virtual_field"),
        ("auto_name unknown field", #"{"post": {"fields": {"a": {"type": "string"}}, "auto_name": ["b"]}}"#, "unknown_auto_name_field"),
        ("index unknown field", #"{"post": {"fields": {"a": {"type": "string"}}, "indexes": {"unique": [["b"]]}}}"#, "unknown_index_field"),
        ("index empty list", #"{"post": {"fields": {"a": {"type": "string"}}, "indexes": {"unique": [[]]}}}"#, "empty_index"),
        ("length negative", #"{"post": {"fields": {"a": {"type": "string", "length": -5}}}}"#, "invalid_length"),
        ("length fractional", #"{"post": {"fields": {"a": {"type": "string", "max": 1.5}}}}"#, "invalid_length"),
        ("length over varchar's limit", #"{"post": {"fields": {"a": {"type": "string", "size": 10485761}}}}"#, "invalid_length"),
        ("default word on int", #"{"post": {"fields": {"n": {"type": "int", "default": "five"}}}}"#, "invalid_default"),
        ("default object on string", #"{"post": {"fields": {"s": {"type": "string", "default": {"a": 1}}}}}"#, "invalid_default"),
        ("default too long in code points", #"{"post": {"fields": {"s": {"type": "string", "length": 1, "default": "e\u0301"}}}}"#, "invalid_default"),
        ("default infinite float", #"{"post": {"fields": {"f": {"type": "float", "default": 1e400}}}}"#, "invalid_default"),
        ("default on autoIncrement", #"{"post": {"fields": {"id": {"type": "bigint", "primary": true, "autoIncrement": true, "default": 1}}}}"#, "invalid_default"),
        ("default timestamp without offset", #"{"post": {"fields": {"d": {"type": "datetime", "default": "2024-01-01T00:00:00"}}}}"#, "invalid_default"),
        ("default timestamp not a date", #"{"post": {"fields": {"d": {"type": "datetime", "default": "2024-02-30T00:00:00Z"}}}}"#, "invalid_default"),
        ("default too long", #"{"post": {"fields": {"s": {"type": "string", "length": 2, "default": "abc"}}}}"#, "invalid_default"),
        ("default number on boolean", #"{"post": {"fields": {"b": {"type": "boolean", "default": 1}}}}"#, "invalid_default"),
        ("default out of integer range", #"{"post": {"fields": {"n": {"type": "int", "default": 3000000000}}}}"#, "invalid_default"),
        ("default not a uuid", #"{"post": {"fields": {"u": {"type": "uuid", "default": "nope"}}}}"#, "invalid_default"),
        ("default date not now", #"{"post": {"fields": {"d": {"type": "date", "default": "yesterday"}}}}"#, "invalid_default"),
        ("default fraction on int", #"{"post": {"fields": {"n": {"type": "int", "default": 1.5}}}}"#, "invalid_default"),
    ]

    @Test(arguments: cases)
    func reportsError(name: String, text: String, code: String) {
        let result = compileFragment(text)
        #expect(!result.isValid, "\(name)")
        #expect(result.compiled == nil)
        #expect(result.errors.contains { $0.code == code }, "\(name): \(result.errors.map(\.code))")
        for error in result.errors {
            #expect(error.file == "dsl/models/app.json")
            #expect(error.line != nil && error.column != nil && error.pointer != nil)
            #expect(!error.message.isEmpty)
        }
    }

    /// What EngineJS does silently: a warning (the DSL compiles), an error under `strict`.
    static let warningCases: [(String, String, String, Bool)] = [
        ("unknown type", #"{"post": {"fields": {"a": {"type": "strng"}}}}"#, "unknown_type", true),
        ("missing type", #"{"post": {"fields": {"a": {"length": 5}}}}"#, "missing_type", true),
        ("type in upper case", #"{"post": {"fields": {"a": {"type": "String"}}}}"#, "type_case", true),
        ("type in mixed case", #"{"post": {"fields": {"a": {"type": "BigInt"}}}}"#, "type_case", true),
        ("embed", #"{"post": {"fields": {"e": {"type": "embed"}}}}"#, "embed_column", true),
        ("multi int without source", #"{"post": {"fields": {"n": {"type": "int", "multi": true}}}}"#, "multi_ignored", true),
        ("multi int without sourceid", #"{"post": {"fields": {"tags": {"type": "int", "multi": true, "source": "tag"}}}, "tag": {"fields": {}}}"#, "multi_ignored", true),
        ("multi boolean with source", #"{"post": {"fields": {"tags": {"type": "boolean", "multi": true, "source": "tag"}}}, "tag": {"fields": {}}}"#, "multi_ignored", true),
        ("multi text", #"{"post": {"fields": {"t": {"type": "text", "multi": true}}}}"#, "multi_ignored", true),
        ("multi string with length", #"{"post": {"fields": {"s": {"type": "string", "multi": true, "length": 50}}}}"#, "multi_string_ignored_property", true),
        ("multi string with columnName", #"{"post": {"fields": {"s": {"type": "string", "multi": true, "columnName": "x"}}}}"#, "multi_string_ignored_property", true),
        ("multi string with unique", #"{"post": {"fields": {"s": {"type": "string", "multi": true, "unique": true}}}}"#, "multi_string_ignored_property", true),
        ("multi string with primary", #"{"post": {"fields": {"s": {"type": "string", "multi": true, "primary": true}}}}"#, "multi_string_ignored_property", true),
        ("multi string with default", #"{"post": {"fields": {"s": {"type": "string", "multi": true, "default": ["a"]}}}}"#, "multi_string_ignored_property", true),
        ("scalar unique", #"{"post": {"fields": {"s": {"type": "string", "unique": true}}}}"#, "scalar_unique_ignored", true),
        ("autoIncrement on a string", #"{"post": {"fields": {"s": {"type": "string", "autoIncrement": true}}}}"#, "auto_increment_ignored", true),
        ("relation without sourceid", #"{"post": {"fields": {"owner": {"type": "int", "source": "user"}}}, "user": {"fields": {}}}"#, "relation_without_sourceid", true),
        ("relation to missing model", #"{"post": {"fields": {"owner": {"type": "int", "source": "usr", "sourceid": "id"}}}, "user": {"fields": {}}}"#, "unknown_source_model", true),
        ("junction to missing model", #"{"post": {"fields": {"tags": {"type": "int", "multi": true, "source": "tagz", "sourceid": "id"}}}}"#, "unknown_source_model", true),
        ("relation to missing field", #"{"post": {"fields": {"owner": {"type": "int", "source": "user", "sourceid": "uid"}}}, "user": {"fields": {}}}"#, "unknown_source_field", true),
        ("relation to virtual field", #"{"post": {"fields": {"owner": {"type": "int", "source": "user", "sourceid": "v"}}}, "user": {"fields": {"v": {"type": "int", "save": false}}}}"#, "unknown_source_field", true),
        ("second relation with one alias", #"{"post": {"fields": {"a": {"type": "int", "source": "user", "sourceid": "id"}, "b": {"type": "int", "source": "user", "sourceid": "id"}}}, "user": {"fields": {}}}"#, "duplicate_relation_alias", true),
        ("second relation with an explicit alias clash", #"{"post": {"fields": {"a": {"type": "int", "source": "user", "sourceid": "id", "as": "x"}, "b": {"type": "int", "source": "tag", "sourceid": "id", "as": "x"}}}, "user": {"fields": {}}, "tag": {"fields": {}}}"#, "duplicate_relation_alias", true),
        ("two models one table", #"{"post": {"fields": {}}, "article": {"table": "post", "fields": {}}}"#, "shared_table", true),
        ("sql injection field key", #"{"post": {"fields": {"a\"; DROP TABLE x; --": {"type": "string"}}}}"#, "invalid_identifier", true),
        ("sql injection column name", #"{"post": {"fields": {"a": {"type": "string", "columnName": "a b"}}}}"#, "invalid_identifier", true),
        ("sql injection table", #"{"post": {"table": "x'y", "fields": {"a": {"type": "string"}}}}"#, "invalid_identifier", true),
        ("field key starting with a digit", #"{"post": {"fields": {"1a": {"type": "string"}}}}"#, "invalid_identifier", true),
        ("sql injection junction field key", #"{"post": {"fields": {"t; DROP TABLE x; --": {"type": "int", "multi": true, "source": "tag", "sourceid": "id"}}}, "tag": {"fields": {}}}"#, "invalid_identifier", true),
        ("junction field key with a quote", #"{"post": {"fields": {"t\"x": {"type": "int", "multi": true, "source": "tag", "sourceid": "id"}}}, "tag": {"fields": {}}}"#, "invalid_identifier", true),
        ("duplicate key", #"{"post": {"fields": {"a": {"type": "string"}, "a": {"type": "text"}}}}"#, "duplicate_key", true),
        ("duplicate model key", #"{"post": {"fields": {}}, "post": {"fields": {"a": {"type": "text"}}}}"#, "duplicate_key", true),
        ("unknown index kind", #"{"post": {"fields": {"a": {"type": "string"}}, "indexes": {"fulltext": [["a"]]}}}"#, "unknown_index_kind", true),
        ("index name collision", #"{"a_b": {"fields": {"c": {"type": "string"}}, "indexes": {"unique": [["c"]]}}, "a": {"fields": {"b_c": {"type": "string"}}, "indexes": {"unique": [["b_c"]]}}}"#, "duplicate_index_name", true),
        ("lower index", #"{"post": {"fields": {"a": {"type": "string"}}, "indexes": {"lower": [["a"]]}}}"#, "lower_index_ignored", false),
        ("unique on a junction field", #"{"post": {"fields": {"tags": {"type": "int", "multi": true, "source": "tag", "sourceid": "id", "unique": true}}}, "tag": {"fields": {}}}"#, "scalar_unique_ignored", true),
    ]

    @Test(arguments: warningCases)
    func warnsAndStrictRefuses(name: String, text: String, code: String, strictError: Bool) throws {
        let result = compileFragment(text)
        #expect(result.errors.isEmpty, "\(name): \(result.errors.map(\.code))")
        #expect(result.compiled != nil, "\(name)")
        let warning = try #require(result.warnings.first { $0.code == code }, "\(name): \(result.warnings.map(\.code))")
        #expect(warning.file == "dsl/models/app.json" && warning.line != nil && warning.pointer != nil && !warning.message.isEmpty)

        let strict = compileFragment(text, options: DSLCompilerOptions(strict: true))
        if strictError {
            #expect(strict.compiled == nil, "\(name)")
            #expect(strict.errors.contains { $0.code == code }, "\(name): \(strict.errors.map(\.code))")
            #expect(!strict.warnings.contains { $0.code == code })
        } else {
            // Not a surprise EngineJS hides: it stays a warning even under strict.
            #expect(strict.warnings.contains { $0.code == code }, "\(name)")
        }
    }

    @Test func unknownTypeSuggestsAndLocates() throws {
        let result = compileFragment("{\"post\": {\"fields\": {\n  \"title\": {\"type\": \"strng\"}}}}")
        let warning = try #require(result.warnings.first { $0.code == "unknown_type" })
        #expect(warning.pointer == "/post/fields/title/type")
        #expect(warning.line == 2 && warning.column == 21)
        #expect(warning.message.contains("did you mean 'string'?"))
        // EngineJS maps it to varchar(L).
        #expect(result.compiled?.schema.table(named: "post")?.column(named: "title")?.type == .varchar(length: 255))
        let strict = compileFragment("{\"post\": {\"fields\": {\n  \"title\": {\"type\": \"strng\"}}}}",
                                     options: DSLCompilerOptions(strict: true))
        let error = try #require(strict.errors.first)
        #expect(error.code == "unknown_type" && error.line == 2 && error.column == 21)
    }

    @Test func allErrorsAreReported() {
        let result = compileFragment(#"{"post": {"fields": {"a": {"type": "int", "default": "y"}, "b": {"type": "uuid", "default": "z"}, "c": {"type": "int", "default": "x"}}}}"#)
        #expect(result.errors.map(\.code) == ["invalid_default", "invalid_default", "invalid_default"])
        // Every schema error is reported at once, across models.
        let schema = compileFragment(#"{"post": {"fields": {"a": {"type": 1}, "b": {"length": "x"}}}, "user": {"table": 2, "fields": {}}}"#)
        #expect(schema.errors.map(\.code) == ["schema_invalid", "schema_invalid", "schema_invalid"])
        #expect(schema.errors.map(\.pointer) == ["/post/fields/a/type", "/post/fields/b/length", "/user/table"])
    }

    /// EngineJS stops at its DSL schema check: later problems are not reported until it passes.
    @Test func aSchemaErrorStopsTheCompile() {
        let result = compileFragment(#"{"post": {"fields": {"a": {"type": "int", "default": "x"}, "b": {"type": "string", "unique": "yes"}, "c": {"type": "strng"}}}}"#)
        #expect(result.errors.map(\.code) == ["schema_invalid"])
        #expect(result.errors.first?.pointer == "/post/fields/b/unique")
        #expect(!result.warnings.contains { $0.code == "unknown_type" })
        #expect(result.compiled == nil)
        // Virtual-field rules belong to that stage too.
        let virtual = compileFragment(#"{"post": {"fields": {"v": {"save": false, "unique": false}, "n": {"type": "int", "default": "x"}}}}"#)
        #expect(virtual.errors.map(\.code) == ["virtual_field_property"])
        #expect(virtual.errors.first?.pointer == "/post/fields/v/unique")
    }

    @Test func anInvalidFieldIsReportedOnceNotAgainByItsUsers() {
        let result = compileFragment(#"""
            {"post": {"fields": {"t": {"type": "int", "default": "x"}, "o": {"type": "int", "source": "user", "sourceid": "k"}},
              "indexes": {"many": [["t"]]}, "auto_name": ["t"]},
             "user": {"fields": {"k": {"type": "string", "length": -1, "primary": true}}}}
            """#)
        #expect(result.errors.map(\.code) == ["invalid_default", "invalid_length"])
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let text = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let result = compileFragment(text)
        #expect(result.errors.map(\.code) == ["nesting_too_deep"])
    }

    @Test func invalidUTF8IsAnError() {
        var bytes = Array(#"{"post": {"fields": {"a": {"type": "string", "x": ""#.utf8)
        bytes += [0xFF, 0xFE]
        bytes += Array(#""}}}}"#.utf8)
        let result = DSLCompiler().compile(files: [standardSnapshotModel, DSLInputFile(path: "dsl/models/app.json", bytes: bytes)])
        #expect(result.errors.map(\.code) == ["invalid_utf8"])
    }
}
