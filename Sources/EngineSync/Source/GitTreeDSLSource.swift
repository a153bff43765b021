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
        guard let entry = try entry(atPath: path), entry.kind == .file || entry.kind == .executable else {
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

    /// The blob OID of a regular file (what `readFile` would read), `nil` for anything else.
    package func contentID(ofFile path: String) throws -> String? {
        guard let entry = try entry(atPath: path), entry.kind == .file || entry.kind == .executable else { return nil }
        return entry.id.hex
    }

    /// The tree entry at `path`, through the cached listing of its directory (by name: a directory of 1,000
    /// models is looked up 2,000 times).
    private func entry(atPath path: String) throws -> GitTreeEntry? {
        let directory = path.split(separator: "/").dropLast().joined(separator: "/")
        let name = path.split(separator: "/").last.map(String.init) ?? path
        if let byName = cache.entriesByName[directory] { return byName[name] }
        let byName = Dictionary(
            (try gitEntries(directory) ?? []).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        cache.entriesByName[directory] = byName
        return byName[name]
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
        var entriesByName: [String: [String: GitTreeEntry]] = [:]
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
