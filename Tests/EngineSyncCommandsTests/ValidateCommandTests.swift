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
        #expect((validObject["hash"] as? String)?.count == 64)
        #expect(validObject["models"] as? Int == 2 && validObject["tables"] as? Int == 2)
        try repository.commit(["dsl/models/user.json": "{\n  \"fields\": {\"email\": {\"type\": \"strng\"}}}"])
        let invalid = try EngineSyncBinary.run(["validate", "--dir", repository.path])
        #expect(invalid.status == 3)
        #expect(invalid.stdout.contains("dsl/models/user.json:2:32: error: unknown type 'strng' — did you mean 'string'?"))
        // One line per diagnostic, the hint included.
        let line = try #require(invalid.stdout.split(separator: "\n").first { $0.hasPrefix("dsl/models/user.json:2:32: error:") })
        #expect(line.contains("[unknown_type] at /fields/email/type (hint: known types:"))
        #expect(invalid.stdout.hasSuffix("invalid: 1 error, 1 warning\n"))
        let json = try EngineSyncBinary.run(["validate", "--repo", repository.path, "--format", "json"])
        #expect(json.status == 3)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["valid"] as? Bool == false)
        #expect(object["hash"] is NSNull)
        #expect(object["models"] as? Int == 0 && object["tables"] as? Int == 0)
        #expect((object["diagnostics"] as? [[String: Any]])?.contains { $0["code"] as? String == "unknown_type" } == true)
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
