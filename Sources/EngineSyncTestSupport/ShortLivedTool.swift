import Foundation

/// A short-lived tool run by the test harnesses (`pg_ctl`, `chown`, `patronictl`, …), its output captured.
public enum ShortLivedTool {
    /// Runs `executable` and returns its combined output; throws `TestEnvironment.Missing` (the tool's output in
    /// the message) when it exits non-zero.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw TestEnvironment.Missing(
                description: "\(executable) \(arguments.joined(separator: " ")) failed: \(text)")
        }
        return text
    }
}
