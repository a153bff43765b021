#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file-system operation on a daemon output file (report, metrics) failed.
///
/// Thrown rather than fatal: a full disk or a wrong permission is an operator's problem that the
/// daemon retries; the description names the path so the log line says what to fix.
public struct FileWriteError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file or directory the operation was about.
    public var path: String
    /// The system call or step that failed (`open`, `write`, `fsync`, `rename`, …).
    public var operation: String
    /// The raw `errno`, kept for callers that distinguish ENOSPC from EACCES.
    public var errno: Int32

    public init(path: String, operation: String, errno: Int32) {
        self.path = path
        self.operation = operation
        self.errno = errno
    }

    public var description: String {
        "cannot write \(path): \(String(cString: strerror(errno))) (\(operation))"
    }
}
