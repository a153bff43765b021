import EngineSyncTestSupport
import Foundation
import Testing

/// What EngineJS does silently is a warning; `--strict` / `ENGINESYNC_STRICT` makes it an error (issue 11).
@Suite("enginesync validate --strict")
struct StrictCommandTests {
    static let surprising = #"{"fields": {"email": {"type": "strng"}, "slug": {"type": "string", "unique": true}}}"#

    @Test func warningsByDefaultErrorsWhenStrict() throws {
        let repository = try ScratchRepository()
        try repository.commit(["dsl/models/user.json": Self.surprising])
        let lenient = try EngineSyncBinary.run(["validate", "--repo", repository.path])
        #expect(lenient.status == 0, "\(lenient.stdout)")
        #expect(
            lenient.stdout.contains("warning: unknown type 'strng' of field 'email' becomes character varying(255)"))
        #expect(lenient.stdout.contains("[scalar_unique_ignored]"))

        let strict = try EngineSyncBinary.run(["validate", "--repo", repository.path, "--strict"])
        #expect(strict.status == 3, "\(strict.stdout)")
        #expect(strict.stdout.contains("error: unknown type 'strng'"))
        #expect(strict.stdout.contains("invalid: 2 errors"))

        let fromEnvironment = try EngineSyncBinary.run(
            ["validate", "--repo", repository.path],
            environment: ["ENGINESYNC_STRICT": "true"])
        #expect(fromEnvironment.status == 3)
        let badValue = try EngineSyncBinary.run(
            ["validate", "--repo", repository.path],
            environment: ["ENGINESYNC_STRICT": "sometimes"])
        #expect(badValue.status == 64)
        #expect(badValue.stderr.contains("ENGINESYNC_STRICT"))
    }

    @Test func aDSLWithoutTheSnapshotModelIsInvalidWithTheStandardFileInTheHint() throws {
        let repository = try ScratchRepository()
        repository.addsSnapshotModel = false
        try repository.commit(["dsl/models/user.json": #"{"fields": {"email": {"type": "string"}}}"#])
        let result = try EngineSyncBinary.run(["validate", "--repo", repository.path])
        #expect(result.status == 3)
        #expect(result.stdout.contains("Missing required meta model: dsl (create dsl/meta/dsl.json)"))
        #expect(
            result.stdout.contains(
                #"{"dsl": {"fields": {"id": {"type": "int", "primary": true, "autoIncrement": true}"#))
    }
}
