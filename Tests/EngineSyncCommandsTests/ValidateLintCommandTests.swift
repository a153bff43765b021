import EngineSyncTestSupport
import Foundation
import Testing

/// `validate` lints every migration with PostgreSQL's parser (issue 18): hazards are warnings with their code
/// and line (valid, exit 0); a statement the parser refuses is one error naming file and line (exit 3).
@Suite("enginesync validate: migration lint")
struct ValidateLintCommandTests {
    static let files: [String: String?] = [
        "dsl/models/post.json": #"{"fields": {"title": {"type": "string"}, "note": {"type": "text"}}}"#,
        "migrations/0001_post.sql":
            "-- widen and drop\nALTER TABLE post ALTER COLUMN title TYPE text USING title::text;\n\n"
            + "ALTER TABLE post DROP COLUMN note;\n",
    ]

    @Test func hazardsAreWarningsWithCodeAndLine() throws {
        let repository = try ScratchRepository()
        try repository.commit(Self.files)
        let result = try EngineSyncBinary.run(["validate", "--repo", repository.path])
        #expect(result.status == 0, "\(result.stdout)")
        let lines = result.stdout.split(separator: "\n")
        let retype = try #require(lines.first { $0.hasPrefix("migrations/0001_post.sql:2:1: warning:") })
        #expect(retype.hasSuffix("[alter_column_type]"))
        #expect(retype.contains("post.title (size unknown)"))
        #expect(retype.contains("safer:"))
        let drop = try #require(lines.first { $0.hasPrefix("migrations/0001_post.sql:4:1: warning:") })
        #expect(drop.hasSuffix("[drop_column_in_dsl]"))
        let json = try EngineSyncBinary.run(["validate", "--dir", repository.path, "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let codes = (object["diagnostics"] as? [[String: Any]])?.compactMap { $0["code"] as? String } ?? []
        #expect(codes.contains("alter_column_type") && codes.contains("drop_column_in_dsl"))
    }

    @Test func syntaxErrorIsOneErrorWithFileAndLine() throws {
        let repository = try ScratchRepository()
        var files = Self.files
        files["migrations/0002_bad.sql"] = "SELECT 1;\nCREATE INDEX i ON post (title)\n  WHERE;\n"
        try repository.commit(files)
        let result = try EngineSyncBinary.run(["validate", "--repo", repository.path])
        #expect(result.status == 3)
        let errors = result.stdout.split(separator: "\n").filter { $0.contains(": error: ") }
        #expect(errors.count == 1, "\(result.stdout)")
        #expect(
            errors.first?.hasPrefix("migrations/0002_bad.sql:3:1: error: syntax error at end of input") == true,
            "\(result.stdout)")
        #expect(errors.first?.hasSuffix("[migration_syntax]") == true)
    }
}
