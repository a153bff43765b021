import Foundation

/// Runs the built `enginesync` executable the way a user does and captures what it prints.
public enum EngineSyncBinary {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// The executable next to the test bundle in the build products directory.
    public static var path: String {
        get throws {
            var url = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            for _ in 0..<4 {
                let candidate = url.appendingPathComponent("enginesync").path
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
                url = url.deletingLastPathComponent()
            }
            for bundle in Bundle.allBundles {
                let candidate = bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("enginesync").path
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
            throw TestEnvironment.Missing(description: "the enginesync executable was not built next to the tests")
        }
    }

    public static func run(
        _ arguments: [String], environment: [String: String] = [:],
        currentDirectory: String? = nil
    ) throws -> Result {
        try start(arguments, environment: environment, currentDirectory: currentDirectory).wait()
    }

    /// Starts the executable and returns at once, e.g. to run several side by side; `wait()` collects it.
    public static func start(
        _ arguments: [String], environment: [String: String] = [:],
        currentDirectory: String? = nil
    ) throws -> Running {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try path)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        return try Running(process)
    }

    /// A started executable whose output is being read.
    public final class Running: @unchecked Sendable {
        private let process: Process
        private var outputData = Data()
        private var errorData = Data()
        private var readers: [Thread] = []

        init(_ process: Process) throws {
            self.process = process
            let out = Pipe()
            let err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            // Read both pipes concurrently so a chatty child never blocks on a full pipe.
            readers = [
                Thread { [self] in outputData = out.fileHandleForReading.readDataToEndOfFile() },
                Thread { [self] in errorData = err.fileHandleForReading.readDataToEndOfFile() },
            ]
            for reader in readers { reader.start() }
        }

        public var processIdentifier: Int32 { process.processIdentifier }

        /// Waits for the process to exit and returns what it printed.
        public func wait() -> Result {
            process.waitUntilExit()
            while readers.contains(where: { !$0.isFinished }) { usleep(1000) }
            return Result(
                status: process.terminationStatus,
                stdout: String(decoding: outputData, as: UTF8.self),
                stderr: String(decoding: errorData, as: UTF8.self))
        }
    }
}
