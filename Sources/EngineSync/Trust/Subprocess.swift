import EngineSyncCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a verifier tool (`ssh-keygen`, `gpgv`) without a shell: an absolute executable and an argument array,
/// standard input from a file, output captured through files, a deadline after which the process is killed.
///
/// Every file lives in a private directory (0700, files 0600) removed when `withScratchDirectory` returns, so
/// signed payloads and signer lists never linger in the shared temporary directory.
struct Subprocess {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// A private directory for one verification's files.
    final class ScratchDirectory {
        let path: String

        init() throws {
            var template = Array((NSTemporaryDirectory() + "enginesync-verify-XXXXXX").utf8CString)
            guard
                let made = template.withUnsafeMutableBufferPointer({ buffer in
                    buffer.baseAddress.flatMap { mkdtemp($0) }
                })
            else {
                throw Failure(description: "cannot create a temporary directory: \(String(cString: strerror(errno)))")
            }
            path = String(cString: made)  // mkdtemp creates it 0700
        }

        deinit { try? FileManager.default.removeItem(atPath: path) }

        /// Writes `bytes` to a new file readable by this user only.
        func write(_ name: String, _ bytes: [UInt8]) throws -> String {
            let file = path + "/" + name
            guard
                FileManager.default.createFile(
                    atPath: file, contents: Data(bytes), attributes: [.posixPermissions: 0o600])
            else { throw Failure(description: "cannot write \(file)") }
            return file
        }
    }

    /// Runs `executable` with `arguments`, stdin from `stdinFile` (else /dev/null); kills it after `timeout`.
    static func run(
        _ executable: String, _ arguments: [String], stdinFile: String? = nil, in scratch: ScratchDirectory,
        timeout: Duration
    ) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        // A fixed, minimal environment: the tools need none of the daemon's (which may hold PG* settings).
        process.environment = ["PATH": "/usr/bin:/bin", "LC_ALL": "C"]
        let outPath = scratch.path + "/stdout-\(UUID().uuidString)"
        let errPath = scratch.path + "/stderr-\(UUID().uuidString)"
        for path in [outPath, errPath] {
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
            else {
                throw Failure(description: "cannot create \(path)")
            }
        }
        guard let out = FileHandle(forWritingAtPath: outPath), let err = FileHandle(forWritingAtPath: errPath),
            let input = FileHandle(forReadingAtPath: stdinFile ?? "/dev/null")
        else {
            throw Failure(description: "cannot open the files of \(executable)")
        }
        defer {
            try? out.close()
            try? err.close()
            try? input.close()
        }
        process.standardInput = input
        process.standardOutput = out
        process.standardError = err
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        do {
            try process.run()
        } catch {
            throw Failure(description: "cannot run \(executable): \(error.localizedDescription)")
        }
        let (seconds, attoseconds) = timeout.components
        let deadline =
            DispatchTime.now() + .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
        if finished.wait(timeout: deadline) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            finished.wait()
            throw Failure(description: "\(executable) did not finish within \(DurationText.format(timeout)); killed")
        }
        func read(_ path: String) -> String {
            String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
        }
        return Output(status: process.terminationStatus, stdout: read(outPath), stderr: read(errPath))
    }
}
