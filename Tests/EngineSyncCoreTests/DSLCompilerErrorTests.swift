import EngineSyncCore
import Testing

/// EngineJS's standard snapshot model (`dsl/meta/dsl.json`), which every DSL must have.
let standardSnapshotModel = DSLInputFile(path: "dsl/meta/dsl.json", text: """
    {"dsl": {"fields": {"id": {"type": "int", "primary": true, "autoIncrement": true}, \
    "hash": {"type": "string", "length": 255}, "dsl": {"type": "jsonb"}}}}
    """)

/// Compiles one multi-model fragment (`dsl/models/app.json`), after the standard snapshot model, for
/// table-driven tests.
func compileFragment(_ text: String, options: DSLCompilerOptions = DSLCompilerOptions()) -> DSLCompilation {
    DSLCompiler(options: options).compile(files: [standardSnapshotModel, DSLInputFile(path: "dsl/models/app.json", text: text)])
}

@Suite struct DSLCompilerErrorTests {
    static let cases: [(String, String, String)] = [
        ("malformed JSON", #"{"post": {"fields": {"a": {"type": "string"}},}}"#, "json_syntax"),
        ("truncated JSON", #"{"post": {"fields": "#, "json_syntax"),
        ("empty file", "", "empty_file"),
        ("fragment not an object", "[1, 2]", "fragment_not_object"),
        ("empty fragment", "{}", "no_model"),
        ("fragment without model", #"{"post": {"table": "x"}}"#, "no_model"),
        ("fields is an array", #"{"post": {"fields": []}}"#, "invalid_value"),
        ("field not an object", #"{"post": {"fields": {"a": "string"}}}"#, "invalid_value"),
        ("length is a string", #"{"post": {"fields": {"a": {"type": "string", "length": "50"}}}}"#, "invalid_length"),
        ("length zero", #"{"post": {"fields": {"a": {"type": "string", "length": 0}}}}"#, "invalid_length"),
        ("unknown type", #"{"post": {"fields": {"a": {"type": "strng"}}}}"#, "unknown_type"),
        ("type not a string", #"{"post": {"fields": {"a": {"type": 5}}}}"#, "invalid_value"),
        ("duplicate key", #"{"post": {"fields": {"a": {"type": "string"}, "a": {"type": "text"}}}}"#, "duplicate_key"),
        ("sql injection model key", #"{"post; DROP TABLE x; --": {"fields": {"a": {"type": "string"}}}}"#, "invalid_identifier"),
        ("sql injection field key", #"{"post": {"fields": {"a\"; DROP TABLE x; --": {"type": "string"}}}}"#, "invalid_identifier"),
        ("sql injection column name", #"{"post": {"fields": {"a": {"type": "string", "columnName": "a b"}}}}"#, "invalid_identifier"),
        ("sql injection table", #"{"post": {"table": "x'y", "fields": {"a": {"type": "string"}}}}"#, "invalid_identifier"),
        ("identifier starting with a digit", #"{"post": {"fields": {"1a": {"type": "string"}}}}"#, "invalid_identifier"),
        ("identifier over 63 bytes", #"{"post": {"fields": {"\#(String(repeating: "a", count: 64))": {"type": "string"}}}}"#, "identifier_too_long"),
        ("table over 63 bytes", #"{"post": {"table": "\#(String(repeating: "t", count: 64))", "fields": {}}}"#, "identifier_too_long"),
        ("duplicate column via columnName", #"{"post": {"fields": {"a": {"type": "string"}, "b": {"type": "string", "columnName": "a"}}}}"#, "duplicate_column"),
        ("field clashing with system column", #"{"post": {"fields": {"createdAt": {"type": "datetime", "columnName": "created_at"}}}}"#, "duplicate_column"),
        ("two models one table", #"{"post": {"fields": {}}, "article": {"table": "post", "fields": {}}}"#, "duplicate_table"),
        ("relation to missing model", #"{"post": {"fields": {"owner": {"type": "int", "source": "usr"}}}, "user": {"fields": {}}}"#, "unknown_source_model"),
        ("relation to missing field", #"{"post": {"fields": {"owner": {"type": "int", "source": "user", "sourceid": "uid"}}}, "user": {"fields": {}}}"#, "unknown_source_field"),
        ("relation to virtual field", #"{"post": {"fields": {"owner": {"type": "int", "source": "user", "sourceid": "v"}}}, "user": {"fields": {"v": {"type": "int", "save": false}}}}"#, "source_field_not_saved"),
        ("relation to non key", #"{"post": {"fields": {"owner": {"type": "string", "source": "user", "sourceid": "email"}}}, "user": {"fields": {"email": {"type": "string", "unique": true}}}}"#, "source_not_primary_key"),
        ("relation to a composite key", #"{"post": {"fields": {"owner": {"type": "string", "source": "user", "sourceid": "code"}}}, "user": {"fields": {"code": {"type": "string", "primary": true}}}}"#, "source_not_primary_key"),
        ("relation type mismatch", #"{"post": {"fields": {"owner": {"type": "string", "source": "user"}}}, "user": {"fields": {}}}"#, "relation_type_mismatch"),
        ("bad onDelete", #"{"post": {"fields": {"owner": {"type": "int", "source": "user", "onDelete": "EXPLODE"}}}, "user": {"fields": {}}}"#, "invalid_referential_action"),
        ("bad onUpdate kind", #"{"post": {"fields": {"owner": {"type": "int", "source": "user", "onUpdate": 1}}}, "user": {"fields": {}}}"#, "invalid_referential_action"),
        ("junction name too long", #"{"a_rather_long_owner_model": {"fields": {"a_rather_long_field_name": {"type": "int", "multi": true, "source": "tag"}}}, "tag": {"fields": {}}}"#, "junction_name_too_long"),
        ("sql injection junction field key", #"{"post": {"fields": {"t; DROP TABLE x; --": {"type": "int", "multi": true, "source": "tag"}}}, "tag": {"fields": {}}}"#, "invalid_identifier"),
        ("junction field key with a quote", #"{"post": {"fields": {"t\"x": {"type": "int", "multi": true, "source": "tag"}}}, "tag": {"fields": {}}}"#, "invalid_identifier"),
        ("junction to missing model", #"{"post": {"fields": {"tags": {"type": "int", "multi": true, "source": "tagz"}}}}"#, "unknown_source_model"),
        ("string multi with source", #"{"post": {"fields": {"tags": {"type": "string", "multi": true, "source": "tag"}}}, "tag": {"fields": {}}}"#, "multi_string_with_source"),
        ("boolean multi with source", #"{"post": {"fields": {"tags": {"type": "boolean", "multi": true, "source": "tag"}}}, "tag": {"fields": {}}}"#, "unsupported_multi"),
        ("virtual with source", #"{"post": {"fields": {"v": {"type": "int", "save": false, "source": "post"}}}}"#, "virtual_field_property"),
        ("virtual with columnName", #"{"post": {"fields": {"v": {"type": "int", "save": false, "columnName": "x"}}}}"#, "virtual_field_property"),
        ("virtual unique", #"{"post": {"fields": {"v": {"type": "int", "save": false, "unique": true}}}}"#, "virtual_field_property"),
        ("virtual primary", #"{"post": {"fields": {"v": {"type": "int", "save": false, "primary": true}}}}"#, "virtual_field_property"),
        ("virtual with sourceid", #"{"post": {"fields": {"v": {"type": "int", "save": false, "sourceid": "id"}}}}"#, "virtual_field_property"),
        ("virtual multi", #"{"post": {"fields": {"v": {"type": "int", "save": false, "multi": true}}}}"#, "virtual_field_property"),
        ("virtual autoIncrement", #"{"post": {"fields": {"v": {"type": "int", "save": false, "autoIncrement": true}}}}"#, "virtual_field_property"),
        ("virtual canfind", #"{"post": {"fields": {"v": {"type": "int", "save": false, "canfind": true}}}}"#, "virtual_field_property"),
        ("virtual in index", #"{"post": {"fields": {"v": {"type": "int", "save": false}}, "indexes": {"many": [["v"]]}}}"#, "index_on_virtual_field"),
        ("virtual in auto_name", #"{"post": {"fields": {"v": {"type": "string", "save": false}}, "auto_name": ["v"]}}"#, "auto_name_on_virtual_field"),
        ("auto_name unknown field", #"{"post": {"fields": {"a": {"type": "string"}}, "auto_name": ["b"]}}"#, "unknown_auto_name_field"),
        ("auto_name not an array", #"{"post": {"fields": {"a": {"type": "string"}}, "auto_name": "a"}}"#, "invalid_value"),
        ("index unknown field", #"{"post": {"fields": {"a": {"type": "string"}}, "indexes": {"unique": [["b"]]}}}"#, "unknown_index_field"),
        ("index empty list", #"{"post": {"fields": {"a": {"type": "string"}}, "indexes": {"unique": [[]]}}}"#, "empty_index"),
        ("indexes not an object", #"{"post": {"fields": {}, "indexes": []}}"#, "invalid_value"),
        ("index list not an array", #"{"post": {"fields": {}, "indexes": {"many": "a"}}}"#, "invalid_value"),
        ("default word on int", #"{"post": {"fields": {"n": {"type": "int", "default": "five"}}}}"#, "invalid_default"),
        ("default object on string", #"{"post": {"fields": {"s": {"type": "string", "default": {"a": 1}}}}}"#, "invalid_default"),
        ("default too long in code points", #"{"post": {"fields": {"s": {"type": "string", "length": 1, "default": "e\u0301"}}}}"#, "invalid_default"),
        ("default now on a short string", #"{"post": {"fields": {"s": {"type": "string", "length": 20, "default": "now"}}}}"#, "invalid_default"),
        ("default infinite float", #"{"post": {"fields": {"f": {"type": "float", "default": 1e400}}}}"#, "invalid_default"),
        ("default on autoIncrement", #"{"post": {"fields": {"n": {"type": "bigint", "autoIncrement": true, "default": 1}}}}"#, "invalid_default"),
        ("default timestamp without offset", #"{"post": {"fields": {"d": {"type": "datetime", "default": "2024-01-01T00:00:00"}}}}"#, "invalid_default"),
        ("default timestamp not a date", #"{"post": {"fields": {"d": {"type": "datetime", "default": "2024-02-30T00:00:00Z"}}}}"#, "invalid_default"),
        ("default too long", #"{"post": {"fields": {"s": {"type": "string", "length": 2, "default": "abc"}}}}"#, "invalid_default"),
        ("default number on boolean", #"{"post": {"fields": {"b": {"type": "boolean", "default": 1}}}}"#, "invalid_default"),
        ("default out of integer range", #"{"post": {"fields": {"n": {"type": "int", "default": 3000000000}}}}"#, "invalid_default"),
        ("default not a uuid", #"{"post": {"fields": {"u": {"type": "uuid", "default": "nope"}}}}"#, "invalid_default"),
        ("default date not now", #"{"post": {"fields": {"d": {"type": "date", "default": "yesterday"}}}}"#, "invalid_default"),
        ("default fraction on int", #"{"post": {"fields": {"n": {"type": "int", "default": 1.5}}}}"#, "invalid_default"),
        ("autoIncrement on string", #"{"post": {"fields": {"s": {"type": "string", "autoIncrement": true}}}}"#, "auto_increment_type"),
        ("flag not a boolean", #"{"post": {"fields": {"s": {"type": "string", "unique": "yes"}}}}"#, "invalid_value"),
        ("ui not an object", #"{"post": {"fields": {}, "ui": []}}"#, "invalid_value"),
        ("table not a string", #"{"post": {"table": 1, "fields": {}}}"#, "invalid_value"),
        ("index name collision", #"{"a_b": {"fields": {"c": {"type": "string", "unique": true}}}, "a": {"fields": {"b_c": {"type": "string", "unique": true}}}}"#, "duplicate_index_name"),
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

    @Test func unknownTypeSuggestsAndLocates() throws {
        let result = compileFragment("{\"post\": {\"fields\": {\n  \"title\": {\"type\": \"strng\"}}}}")
        let error = try #require(result.errors.first)
        #expect(error.pointer == "/post/fields/title/type")
        #expect(error.line == 2 && error.column == 21)
        #expect(error.message.contains("did you mean 'string'?"))
    }

    @Test func allErrorsAreReported() {
        let result = compileFragment(#"{"post": {"fields": {"a": {"type": "strng"}, "b": {"type": "nmber"}, "c": {"type": "int", "default": "x"}}}}"#)
        #expect(result.errors.count == 3)
    }

    @Test func anInvalidFieldIsReportedOnceNotAgainByItsUsers() {
        let result = compileFragment(#"""
            {"post": {"fields": {"t": {"type": "strng"}, "o": {"type": "int", "source": "user", "sourceid": "k"}},
              "indexes": {"many": [["t"]]}, "auto_name": ["t"]},
             "user": {"fields": {"k": {"type": 5}}}}
            """#)
        #expect(result.errors.map(\.code) == ["unknown_type", "invalid_value"])
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
        let result = DSLCompiler().compile(files: [DSLInputFile(path: "dsl/models/app.json", bytes: bytes)])
        #expect(result.errors.map(\.code) == ["invalid_utf8"])
    }
}
