import ArgumentParser
import EngineSync
import Foundation

/// A one-line error for the operator and the exit code that goes with it (SPEC 9: 1 failed/skipped,
/// 3 invalid, 64 usage).
struct CommandFailure: Error {
    var message: String
    var exitCode: ExitCode

    static let invalid = ExitCode(3)

    init(message: String, exitCode: ExitCode) {
        self.message = message
        self.exitCode = exitCode
    }

    /// A failure that is not a usage error nor an invalid input: exit status 1.
    init(_ message: String) {
        self.init(message: message, exitCode: .failure)
    }

    init(_ error: MigrationError) {
        switch error.kind {
        case .invalid:
            self.init(message: "invalid: \(error)", exitCode: Self.invalid)
        case .lockHeld:
            self.init(message: "skipped: \(error)", exitCode: .failure)
        case .standby:
            self.init(message: "standby: \(error)", exitCode: .failure)
        case .failed, .unresolved, .notResolvable:
            self.init(message: "\(error.kind == .failed ? "failed" : "error"): \(error)", exitCode: .failure)
        }
    }

    /// Runs a command body: a failure prints one line on stderr and exits with its code.
    static func reporting(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let failure as CommandFailure {
            printError(failure.message)
            throw failure.exitCode
        } catch let error as MigrationError {
            let failure = CommandFailure(error)
            printError(failure.message)
            throw failure.exitCode
        }
    }

    static func printError(_ line: String) {
        FileHandle.standardError.write(Data(("enginesync: " + line + "\n").utf8))
    }
}
