/// Where DSL files come from: a directory on disk, a git commit's tree, or memory (tests, benchmarks).
///
/// Paths are relative to the repository root and use `/` (`dsl/models/post.json`). Implementations never
/// follow symlinks or enter submodules: they report them as such, and the loader turns them into diagnostics.
public protocol DSLFileSource {
    /// The entries of the directory at `path`, in any order; `nil` when nothing exists at `path`.
    /// Throws `DSLSourceError` when `path` exists but is not a directory, or cannot be read.
    func entries(inDirectory path: String) throws -> [DSLFileEntry]?

    /// Reads a regular file. Throws `DSLSourceError` with `.tooLarge` when it exceeds `maxBytes`.
    func readFile(_ path: String, maxBytes: Int) throws -> [UInt8]
}

/// One name in a directory listing, with what it is (never resolved through a symlink).
public struct DSLFileEntry: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case file
        case directory
        case symlink
        case submodule
        /// A device, socket, fifo or unknown git mode.
        case other
    }

    public var name: String
    public var kind: Kind

    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }
}

/// A file source failure, naming the path.
public struct DSLSourceError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Reason: Hashable, Sendable {
        case tooLarge(size: Int, limit: Int)
        case notADirectory
        /// Anything else (I/O error, corrupt object): not a DSL problem, the caller reports it as a failure.
        case unreadable(String)
    }

    public var path: String
    public var reason: Reason

    public init(path: String, reason: Reason) {
        self.path = path
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .tooLarge(let size, let limit): "\(path): \(size) bytes, over the limit of \(limit) bytes"
        case .notADirectory: "\(path): not a directory"
        case .unreadable(let message): "\(path): \(message)"
        }
    }
}

/// DSL files held in memory, keyed by repository-relative path; directories are implied by the paths.
public struct InMemoryDSLSource: DSLFileSource, Sendable {
    public var files: [String: [UInt8]]

    public init(files: [String: [UInt8]]) {
        self.files = files
    }

    public init(texts: [String: String]) {
        files = texts.mapValues { Array($0.utf8) }
    }

    public func entries(inDirectory path: String) throws -> [DSLFileEntry]? {
        if files[path] != nil { throw DSLSourceError(path: path, reason: .notADirectory) }
        let prefix = path.isEmpty ? "" : path + "/"
        var kinds: [String: DSLFileEntry.Kind] = [:]
        for key in files.keys where key.hasPrefix(prefix) {
            let rest = key.dropFirst(prefix.count)
            if let slash = rest.firstIndex(of: "/") {
                kinds[String(rest[..<slash])] = .directory
            } else {
                kinds[String(rest)] = kinds[String(rest)] ?? .file
            }
        }
        if kinds.isEmpty { return nil }
        return kinds.map { DSLFileEntry(name: $0.key, kind: $0.value) }
    }

    public func readFile(_ path: String, maxBytes: Int) throws -> [UInt8] {
        guard let bytes = files[path] else { throw DSLSourceError(path: path, reason: .unreadable("no such file")) }
        if bytes.count > maxBytes {
            throw DSLSourceError(path: path, reason: .tooLarge(size: bytes.count, limit: maxBytes))
        }
        return bytes
    }
}
