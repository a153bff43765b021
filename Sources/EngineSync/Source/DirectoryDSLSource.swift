package import EngineSyncCore
import Foundation

/// DSL files from a directory laid out like the repository (`--dir DSL_ROOT`), e.g. a working tree.
///
/// Uses `lstat`, so a symlink is reported as a symlink and never followed, as in a git tree.
package struct DirectoryDSLSource: DSLFileSource, Sendable {
    package let root: String

    package init(root: String) {
        self.root = root
    }

    package func entries(inDirectory path: String) throws -> [DSLFileEntry]? {
        let full = absolute(path)
        guard let kind = try entryKind(atAbsolutePath: full, relative: path) else { return nil }
        guard kind == .directory else { throw DSLSourceError(path: path, reason: .notADirectory) }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: full)
        } catch {
            throw DSLSourceError(
                path: path, reason: .unreadable("cannot list the directory: \(error.localizedDescription)"))
        }
        return try names.map { name in
            DSLFileEntry(
                name: name,
                kind: try entryKind(atAbsolutePath: full + "/" + name, relative: path + "/" + name) ?? .other)
        }
    }

    package func readFile(_ path: String, maxBytes: Int) throws -> [UInt8] {
        let full = absolute(path)
        var info = stat()
        guard lstat(full, &info) == 0 else {
            throw DSLSourceError(path: path, reason: .unreadable(String(cString: strerror(errno))))
        }
        if Int(info.st_size) > maxBytes {
            throw DSLSourceError(path: path, reason: .tooLarge(size: Int(info.st_size), limit: maxBytes))
        }
        guard let handle = FileHandle(forReadingAtPath: full) else {
            throw DSLSourceError(path: path, reason: .unreadable("cannot open the file"))
        }
        defer { try? handle.close() }
        do {
            // Read one byte past the limit so a file that grew since lstat is still refused.
            let data = try handle.read(upToCount: maxBytes + 1) ?? Data()
            if data.count > maxBytes {
                throw DSLSourceError(path: path, reason: .tooLarge(size: data.count, limit: maxBytes))
            }
            return [UInt8](data)
        } catch let error as DSLSourceError {
            throw error
        } catch {
            throw DSLSourceError(path: path, reason: .unreadable(error.localizedDescription))
        }
    }

    private func absolute(_ path: String) -> String {
        path.isEmpty ? root : root + "/" + path
    }

    private func entryKind(atAbsolutePath full: String, relative: String) throws -> DSLFileEntry.Kind? {
        var info = stat()
        guard lstat(full, &info) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw DSLSourceError(path: relative, reason: .unreadable(String(cString: strerror(errno))))
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        case S_IFLNK: return .symlink
        default: return .other
        }
    }
}
