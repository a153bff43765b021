import EngineSyncTestSupport
import Foundation
import Testing

@Suite("The enginesync binary as a user runs it")
struct BinaryTests {
    @Test func versionAndHelp() throws {
        let version = try EngineSyncBinary.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
        let help = try EngineSyncBinary.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("USAGE: enginesync"))
    }

    @Test func unknownCommandIsAUsageError() throws {
        let result = try EngineSyncBinary.run(["no-such-command"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("no-such-command"))
    }
}
