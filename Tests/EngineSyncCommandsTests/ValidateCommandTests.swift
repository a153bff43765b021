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
        let validJSON = try EngineSyncBinary.run(["validate", "--repo", repository.path, "--rev", "main", "--format", "json"])
        #expect(validJSON.status == 0)
        let validObject = try #require(try JSONSerialization.jsonObject(with: Data(validJSON.stdout.utf8)) as? [String: Any])
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
        let line = try #require(warned.stdout.split(separator: "\n").first { $0.hasPrefix("dsl/models/user.json:2:32: warning:") })
        #expect(line.contains("unknown type 'strng'"))
        #expect(line.contains("did you mean 'string'?"))
        #expect(line.contains("[unknown_type] at /fields/email/type (hint: known types:"))
        // A length that is not a number is refused by EngineJS's DSL schema: invalid, exit 3.
        try repository.commit(["dsl/models/user.json": "{\n  \"fields\": {\"email\": {\"type\": \"string\", \"length\": \"50\"}}}"])
        let invalid = try EngineSyncBinary.run(["validate", "--dir", repository.path])
        #expect(invalid.status == 3)
        let error = try #require(invalid.stdout.split(separator: "\n").first { $0.hasPrefix("dsl/models/user.json:2:") })
        #expect(error.contains(": error: 'length' must be a number"), "\(error)")
        #expect(error.contains("[schema_invalid] at /fields/email/length"), "\(error)")
        #expect(invalid.stdout.hasSuffix("invalid: 1 error, 0 warnings\n"), "\(invalid.stdout)")
        let json = try EngineSyncBinary.run(["validate", "--repo", repository.path, "--format", "json"])
        #expect(json.status == 3)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["valid"] as? Bool == false)
        #expect(object["hash"] is NSNull)
        #expect(object["models"] as? Int == 0 && object["tables"] as? Int == 0)
        #expect((object["diagnostics"] as? [[String: Any]])?.contains { $0["code"] as? String == "schema_invalid" } == true)
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
