import EngineSyncCore
import Testing

@Suite struct JSONReaderTests {
    func read(_ text: String) throws -> JSONReader.Result {
        try JSONReader().read(Array(text.utf8))
    }

    @Test func keepsKeyOrderAndLexemes() throws {
        let result = try read(#"{"z": 1, "a": [1.50, -0, 2e3], "m": {"y": null, "b": true}}"#)
        let object = try #require(result.document.value.objectValue)
        #expect(object.keys == ["z", "a", "m"])
        #expect(object["a"] == .array([.number("1.50"), .number("-0"), .number("2e3")]))
        #expect(object["m"]?.objectValue?.keys == ["y", "b"])
    }

    @Test func positionsByPointer() throws {
        let text = "{\n  \"post\": {\n    \"fields\": {\n      \"ti/tle\": {\"type\": \"x\"}\n    }\n  }\n}"
        let document = try read(text).document
        #expect(document.position(at: "/post/fields/ti~1tle/type") == SourcePosition(line: 4, column: 26))
        #expect(document.position(at: "/post") == SourcePosition(line: 2, column: 11))
        // A missing member falls back to its nearest existing ancestor.
        #expect(document.position(at: "/post/fields/nope") == SourcePosition(line: 3, column: 15))
        #expect(document.position(at: "") == SourcePosition(line: 1, column: 1))
    }

    @Test func decodesEscapesAndUnicode() throws {
        let result = try read(#"["a\"b\\c\/d\n", "\u00e9\ud83d\ude00", "ünï"]"#)
        #expect(result.document.value == .array([.string("a\"b\\c/d\n"), .string("é😀"), .string("ünï")]))
    }

    static let syntaxErrors: [(String, String, Int, Int)] = [
        ("{\"a\": }", "json_syntax", 1, 7),
        ("{\"a\": 1,}", "json_syntax", 1, 9),
        ("{\"a\" 1}", "json_syntax", 1, 6),
        ("[1 2]", "json_syntax", 1, 4),
        ("{\"a\": 01}", "json_syntax", 1, 8),
        ("{\"a\": 1.}", "json_syntax", 1, 9),
        ("{\"a\": tru}", "json_syntax", 1, 7),
        ("{\"a\": \"x\n\"}", "json_syntax", 1, 9),
        ("{\"a\": \"\\q\"}", "json_syntax", 1, 9),
        ("{\"a\": \"\\ud800\"}", "json_syntax", 1, 14),
        ("{\"a\": 1} x", "json_syntax", 1, 10),
        ("   ", "empty_file", 1, 4),
        ("{\n  \"a\": [\n", "json_syntax", 3, 1),
        ("{'a': 1}", "json_syntax", 1, 2),
    ]

    @Test(arguments: syntaxErrors)
    func syntaxErrorsCarryLineAndColumn(text: String, code: String, line: Int, column: Int) {
        #expect {
            _ = try read(text)
        } throws: { error in
            guard let error = error as? JSONSyntaxError else { return false }
            return error.code == code && error.position == SourcePosition(line: line, column: column)
        }
    }

    @Test func duplicateKeysAreReportedNotFatal() throws {
        let keys = (0..<20).map { "\"k\($0)\": 1" }.joined(separator: ", ")
        let result = try read("{\(keys), \"k3\": 2, \"inner\": {\"a\": 1, \"a\": 2}}")
        #expect(result.duplicateKeys.map(\.pointer) == ["/k3", "/inner/a"])
        #expect(result.document.value.objectValue?["k3"] == .number("2"))
    }

    @Test func depthLimit() throws {
        let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        _ = try read(ok)
        let deep = String(repeating: "{\"a\":", count: 513) + "1" + String(repeating: "}", count: 513)
        #expect(throws: JSONSyntaxError.self) { try read(deep) }
    }

    @Test func pointerEscaping() {
        #expect(JSONPointer.appending("a/b~c", to: "/x") == "/x/a~1b~0c")
        #expect(JSONPointer.tokens("/x/a~1b~0c") == ["x", "a/b~c"])
    }
}

@Suite struct JSONPositionScaleTests {
    @Test func nestedDuplicatesGetTheirOwnPositions() throws {
        let result = try JSONReader().read(Array("{\"a\": 1,\n \"a\": {\"b\": 1,\n \"b\": 2}}".utf8))
        #expect(result.duplicateKeys.map(\.pointer) == ["/a/b", "/a"])
        #expect(
            result.duplicateKeys.map(\.position) == [
                SourcePosition(line: 3, column: 2), SourcePosition(line: 2, column: 2),
            ])
    }

    @Test func thousandsOfErrorsInOneFileStayLinear() {
        // 20,000 unknown types on one line (errors under strict): every diagnostic is located without rescanning the file.
        let fields = (0..<20_000).map { "\"f\($0)\": {\"type\": \"nope\"}" }.joined(separator: ",")
        let result = compileFragment("{\"post\": {\"fields\": {\(fields)}}}", options: DSLCompilerOptions(strict: true))
        let unknown = result.errors.filter { $0.code == "unknown_type" }
        #expect(unknown.count == 20_000)
        #expect(unknown.last?.line == 1)
        #expect(unknown.last?.pointer == "/post/fields/f19999/type")
        // And the table is over PostgreSQL's 1,600 columns.
        #expect(result.errors.filter { $0.code == "too_many_columns" }.count == 1)
        // 20,000 schema errors (a number where a type name belongs) likewise.
        let numbers = (0..<20_000).map { "\"f\($0)\": {\"type\": 1}" }.joined(separator: ",")
        let schema = compileFragment("{\"post\": {\"fields\": {\(numbers)}}}")
        #expect(schema.errors.count == 20_000)
        #expect(schema.errors.last?.pointer == "/post/fields/f19999/type")
    }
}
