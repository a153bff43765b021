import EngineSyncTestSupport
import Foundation
import Testing

@Suite("enginesync validate")
struct ValidateCommandTests {
    @Test func validRepositoryExitsZeroAndInvalidThree() throws {
        let repository = try ScratchRepository()
        try repository.commit(["dsl/models/user.json": #"{"fields": {"email": {"type": "string"}}}"#])
        let valid = try EngineSyncBinary.run(["validate", "--repo", repository.path])
        #expect(valid.status == 0)
        #expect(valid.stdout.contains("valid: 2 models, 2 tables"))
        let validJSON = try EngineSyncBinary.run([
            "validate", "--repo", repository.path, "--rev", "main", "--format", "json",
        ])
        #expect(validJSON.status == 0)
        let validObject = try #require(
            try JSONSerialization.jsonObject(with: Data(validJSON.stdout.utf8)) as? [String: Any])
        // EngineJS's snapshot hash: a few base-36 characters, not a SHA-256.
        let hash = try #require(validObject["hash"] as? String)
        #expect((6...7).contains(hash.count), "\(hash)")
        #expect(hash.allSatisfy { ("0"..."9").contains($0) || ("a"..."z").contains($0) }, "\(hash)")
        #expect(validObject["models"] as? Int == 2 && validObject["tables"] as? Int == 2)
        // A misspelt type is only a warning (a varchar, as in EngineJS): still valid, exit 0.
        try repository.commit(["dsl/models/user.json": "{\n  \"fields\": {\"email\": {\"type\": \"strng\"}}}"])
        let warned = try EngineSyncBinary.run(["validate", "--dir", repository.path])
        #expect(warned.status == 0, "\(warned.stdout)")
        // One line per diagnostic, the hint included.
        let line = try #require(
            warned.stdout.split(separator: "\n").first { $0.hasPrefix("dsl/models/user.json:2:32: warning:") })
        #expect(line.contains("unknown type 'strng'"))
        #expect(line.contains("did you mean 'string'?"))
        #expect(line.contains("[unknown_type] at /fields/email/type (hint: known types:"))
        // A length that is not a number is refused by EngineJS's DSL schema: invalid, exit 3.
        try repository.commit([
            "dsl/models/user.json": "{\n  \"fields\": {\"email\": {\"type\": \"string\", \"length\": \"50\"}}}"
        ])
        let invalid = try EngineSyncBinary.run(["validate", "--dir", repository.path])
        #expect(invalid.status == 3)
        let error = try #require(
            invalid.stdout.split(separator: "\n").first { $0.hasPrefix("dsl/models/user.json:2:") })
        #expect(error.contains(": error: 'length' must be a number"), "\(error)")
        #expect(error.contains("[schema_invalid] at /fields/email/length"), "\(error)")
        #expect(invalid.stdout.hasSuffix("invalid: 1 error, 0 warnings\n"), "\(invalid.stdout)")
        let json = try EngineSyncBinary.run(["validate", "--repo", repository.path, "--format", "json"])
        #expect(json.status == 3)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["valid"] as? Bool == false)
        #expect(object["hash"] is NSNull)
        #expect(object["models"] as? Int == 0 && object["tables"] as? Int == 0)
        #expect(
            (object["diagnostics"] as? [[String: Any]])?.contains { $0["code"] as? String == "schema_invalid" } == true)
    }

    @Test func unreadableInputsExitOneAndUsageSixtyFour() throws {
        let missing = try EngineSyncBinary.run(["validate", "--repo", "/nonexistent/repo"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("/nonexistent/repo"))
        let repository = try ScratchRepository()
        try repository.commit(["README.md": "x"])
        let badRev = try EngineSyncBinary.run(["validate", "--repo", repository.path, "--rev", "no-such-rev"])
        #expect(badRev.status == 1)
        #expect(badRev.stderr.contains("no-such-rev"))
        let usage = try EngineSyncBinary.run(["validate"])
        #expect(usage.status == 64)
        let help = try EngineSyncBinary.run(["validate", "--help"])
        #expect(help.stdout.contains("enginesync validate --dir"))
    }
}

/// `validate` checks `migrations/` as `sync` and `migrate up` load it, and names every bad file at once
/// (issue 12 item 18).
@Suite("enginesync validate: migrations")
struct ValidateMigrationsCommandTests {
    @Test func everyBadMigrationIsReportedWithItsFileAndLine() throws {
        let repository = try ScratchRepository()
        try repository.commit([
            "dsl/models/user.json": #"{"fields": {"email": {"type": "string"}}}"#,
            "migrations/0001_ok.sql": "CREATE TABLE t (id int);\n",
            "migrations/0002_begin.sql": "-- wraps itself\nBEGIN;\nCREATE TABLE u (id int);\nCOMMIT;\n",
            "migrations/0003_quote.sql": "SELECT 1;\nSELECT 'unterminated;\n",
            "migrations/0004_dup.sql": "SELECT 1;\n",
            "migrations/0004_dup.SQL": "SELECT 2;\n",
            "migrations/README.md": "notes\n",
        ])
        // Latin-1 "é": not UTF-8.
        try (Data("UPDATE t SET name = 'caf".utf8) + Data([0xE9]) + Data("';\n".utf8))
            .write(to: URL(fileURLWithPath: repository.path + "/migrations/0005_latin1.sql"))
        try repository.commit([:])

        for source in [["--repo", repository.path], ["--dir", repository.path]] {
            let result = try EngineSyncBinary.run(["validate"] + source)
            #expect(result.status == 3, "\(result.stdout)\(result.stderr)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            #expect(
                lines.contains {
                    $0.hasPrefix("migrations/0002_begin.sql:2:1: error: BEGIN inside a migration")
                        && $0.hasSuffix("[migration_invalid]")
                }, "\(lines)")
            #expect(lines.contains { $0.hasPrefix("migrations/0003_quote.sql:2:1: error: ") }, "\(lines)")
            #expect(lines.contains { $0.contains("error: duplicate migration id '0004_dup'") }, "\(lines)")
            #expect(
                lines.contains { $0.hasPrefix("migrations/0005_latin1.sql: error: is not valid UTF-8") }, "\(lines)")
            #expect(
                lines.contains { $0.hasPrefix("migrations/README.md: warning: not a .sql file; ignored") }, "\(lines)")
            #expect(!lines.contains { $0.contains("0001_ok") }, "\(lines)")
            #expect(result.stdout.contains("invalid: 4 errors"), "\(result.stdout)")
        }
        let json = try EngineSyncBinary.run(["validate", "--repo", repository.path, "--format", "json"])
        #expect(json.status == 3)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["valid"] as? Bool == false)
        let diagnostics = try #require(object["diagnostics"] as? [[String: Any]])
        let files = diagnostics.filter { $0["code"] as? String == "migration_invalid" }.compactMap {
            $0["file"] as? String
        }
        #expect(files.count == 4)
        #expect(
            Set(files).isSuperset(of: [
                "migrations/0002_begin.sql", "migrations/0003_quote.sql",
                "migrations/0005_latin1.sql",
            ]))

        // Fixed: valid again, and a --migrations-path elsewhere is read instead.
        try repository.commit([
            "migrations/0002_begin.sql": nil, "migrations/0003_quote.sql": nil,
            "migrations/0004_dup.SQL": nil, "migrations/0005_latin1.sql": nil,
        ])
        let fixed = try EngineSyncBinary.run(["validate", "--repo", repository.path])
        #expect(fixed.status == 0, "\(fixed.stdout)")
        #expect(fixed.stdout.contains("valid: "))
        try repository.commit(["db/migrations/0001_bad.sql": "COMMIT;\n"])
        let elsewhere = try EngineSyncBinary.run([
            "validate", "--repo", repository.path, "--migrations-path", "db/migrations",
        ])
        #expect(elsewhere.status == 3)
        #expect(
            elsewhere.stdout.contains("db/migrations/0001_bad.sql:1:1: error: COMMIT inside a migration"),
            "\(elsewhere.stdout)")
    }
}
