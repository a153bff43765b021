#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file-system operation on a daemon output file (report, metrics) failed.
///
/// Thrown rather than fatal: a full disk or a wrong permission is an operator's problem that the
/// daemon retries; the description names the path so the log line says what to fix.
package struct FileWriteError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file or directory the operation was about.
    package var path: String
    /// The system call or step that failed (`open`, `write`, `fsync`, `rename`, …).
    package var operation: String
    /// The raw `errno`, kept for callers that distinguish ENOSPC from EACCES.
    package var errno: Int32

    package init(path: String, operation: String, errno: Int32) {
        self.path = path
        self.operation = operation
        self.errno = errno
    }

    package var description: String {
        "cannot write \(path): \(String(cString: strerror(errno))) (\(operation))"
    }
}
