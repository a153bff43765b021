package import EngineSyncCore
package import GitClient

/// DSL files of one commit, read straight from the object database (no checkout, SPEC 6).
///
/// Not `Sendable`: it borrows a `GitRepository`, which is used by one task at a time. Directory listings are
/// cached so reading N files of one directory looks the tree up once, not N times.
package struct GitTreeDSLSource: DSLFileSource {
    package let repository: GitRepository
    package let commit: ObjectID
    private let cache = ListingCache()

    package init(repository: GitRepository, commit: ObjectID) {
        self.repository = repository
        self.commit = commit
    }

    package func entries(inDirectory path: String) throws -> [DSLFileEntry]? {
        try gitEntries(path)?.map { DSLFileEntry(name: $0.name, kind: Self.kind($0.kind)) }
    }

    package func readFile(_ path: String, maxBytes: Int) throws -> [UInt8] {
        let directory = path.split(separator: "/").dropLast().joined(separator: "/")
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let entry = try gitEntries(directory)?.first(where: { $0.name == name }),
            entry.kind == .file || entry.kind == .executable
        else {
            throw DSLSourceError(path: path, reason: .unreadable("not a regular file in commit \(commit.short)"))
        }
        do {
            return try repository.readBlob(entry.id, maxBytes: maxBytes, subject: path)
        } catch let error as GitError {
            if case .blobTooLarge(let size, let limit) = error.reason {
                throw DSLSourceError(path: path, reason: .tooLarge(size: size, limit: limit))
            }
            throw DSLSourceError(path: path, reason: .unreadable("\(error)"))
        } catch {
            throw DSLSourceError(path: path, reason: .unreadable("\(error)"))
        }
    }

    private func gitEntries(_ path: String) throws -> [GitTreeEntry]? {
        if let cached = cache.listings[path] { return cached }
        let entries: [GitTreeEntry]?
        do {
            entries = try repository.treeEntries(commit: commit, path: path)
        } catch let error as GitError where error.reason == .notADirectory {
            throw DSLSourceError(path: path, reason: .notADirectory)
        } catch {
            throw DSLSourceError(path: path, reason: .unreadable("\(error)"))
        }
        cache.listings[path] = .some(entries)
        return entries
    }

    private final class ListingCache {
        var listings: [String: [GitTreeEntry]?] = [:]
    }

    private static func kind(_ kind: GitTreeEntry.Kind) -> DSLFileEntry.Kind {
        switch kind {
        case .file, .executable: .file
        case .directory: .directory
        case .symlink: .symlink
        case .submodule: .submodule
        case .unknown: .other
        }
    }
}
