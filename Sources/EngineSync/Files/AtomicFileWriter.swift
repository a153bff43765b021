#if canImport(Glibc)
    package import Glibc
#elseif canImport(Darwin)
    package import Darwin
#endif

/// Writes whole files so that a reader (a person, node_exporter, the daemon after a crash) sees either
/// the old content or the new one, never a torn file.
///
/// The recipe is the POSIX one: write a temporary file in the same directory (rename(2) is atomic only
/// within one file system), fsync it, rename it over the target, then fsync the directory so the rename
/// itself survives a power loss. Stateless; safe to call from any thread.
package enum AtomicFileWriter {
    /// Replaces `path` with `bytes`, with permission bits `mode` (applied with fchmod so the umask does not
    /// widen or narrow them).
    package static func write(_ bytes: [UInt8], to path: String, mode: mode_t, syncDirectory: Bool = true)
        throws(FileWriteError)
    {
        let directory = directoryName(of: path)
        let base = path.split(separator: "/").last.map(String.init) ?? path
        let temporary = directory + "/." + base + ".tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))"

        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw FileWriteError(path: path, operation: "open", errno: errno) }
        var keepTemporary = false
        defer { if !keepTemporary { unlink(temporary) } }
        do {
            defer { close(fd) }
            guard fchmod(fd, mode) == 0 else { throw FileWriteError(path: path, operation: "fchmod", errno: errno) }
            let writeError: Int32? = bytes.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count, let base = buffer.baseAddress {
                    let written = Glibc.write(fd, base + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        return errno
                    }
                    offset += written
                }
                return nil
            }
            if let writeError { throw FileWriteError(path: path, operation: "write", errno: writeError) }
            guard fsync(fd) == 0 else { throw FileWriteError(path: path, operation: "fsync", errno: errno) }
        }
        guard rename(temporary, path) == 0 else { throw FileWriteError(path: path, operation: "rename", errno: errno) }
        keepTemporary = true
        if syncDirectory { try fsyncDirectory(directory) }
    }

    /// fsync(2) on a directory makes its entries (a rename, an unlink) durable.
    static func fsyncDirectory(_ directory: String) throws(FileWriteError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileWriteError(path: directory, operation: "open directory", errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw FileWriteError(path: directory, operation: "fsync directory", errno: errno) }
    }

    /// Creates `directory` and its missing parents with `mode`.
    static func createDirectory(_ directory: String, mode: mode_t) throws(FileWriteError) {
        var current = directory.hasPrefix("/") ? "" : "."
        for component in directory.split(separator: "/") {
            current += "/" + component
            if mkdir(current, mode) != 0 && errno != EEXIST {
                throw FileWriteError(path: current, operation: "mkdir", errno: errno)
            }
        }
    }

    static func directoryName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let directory = String(path[..<slash])
        return directory.isEmpty ? "/" : directory
    }
}
