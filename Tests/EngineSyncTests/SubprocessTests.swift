import Foundation
import Testing

@testable import EngineSync

/// The verifier tools' runner (issue 15): no shell, private files, a deadline.
@Suite("Subprocess: verifier tools run without a shell, with private files and a deadline")
struct SubprocessTests {
    @Test func argumentsAreNotInterpretedAndFilesArePrivateAndRemoved() throws {
        var path = ""
        do {
            let scratch = try Subprocess.ScratchDirectory()
            path = scratch.path
            let input = try scratch.write("input", Array("from a file\n".utf8))
            let attributes = try FileManager.default.attributesOfItem(atPath: input)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            let directory = try FileManager.default.attributesOfItem(atPath: scratch.path)
            #expect((directory[.posixPermissions] as? NSNumber)?.intValue == 0o700)
            // A shell would expand `$HOME` and run `; echo`; an argument array passes them as they are.
            let echoed = try Subprocess.run("/bin/echo", ["$HOME; echo injected"], in: scratch, timeout: .seconds(5))
            #expect(echoed.stdout == "$HOME; echo injected\n")
            let cat = try Subprocess.run("/bin/cat", [], stdinFile: input, in: scratch, timeout: .seconds(5))
            #expect(cat.stdout == "from a file\n")
            #expect(cat.status == 0)
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func aToolThatHangsIsKilledAtTheDeadline() throws {
        let scratch = try Subprocess.ScratchDirectory()
        let started = ContinuousClock.now
        #expect(throws: Subprocess.Failure.self) {
            try Subprocess.run("/bin/sleep", ["30"], in: scratch, timeout: .milliseconds(300))
        }
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}
