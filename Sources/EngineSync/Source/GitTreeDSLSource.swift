public import EngineSyncCore
public import GitClient

/// DSL files of one commit, read straight from the object database (no checkout, SPEC 6).
///
/// Not `Sendable`: it borrows a `GitRepository`, which is used by one task at a time.
public struct GitTreeDSLSource: DSLFileSource {
    public let repository: GitRepository
    public let commit: ObjectID

    public init(repository: GitRepository, commit: ObjectID) {
        self.repository = repository
        self.commit = commit
    }

    public func entries(inDirectory path: String) throws -> [DSLFileEntry]? {
        let entries: [GitTreeEntry]?
        do {
            entries = try repository.treeEntries(commit: commit, path: path)
        } catch let error as GitError where error.function == "treeID" {
            throw DSLSourceError(path: path, reason: .notADirectory)
        } catch {
            throw DSLSourceError(path: path, reason: .unreadable("\(error)"))
        }
        return entries?.map { DSLFileEntry(name: $0.name, kind: Self.kind($0.kind)) }
    }

    public func readFile(_ path: String, maxBytes: Int) throws -> [UInt8] {
        let directory = path.split(separator: "/").dropLast().joined(separator: "/")
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let entry = try repository.treeEntries(commit: commit, path: directory)?.first(where: { $0.name == name }),
              entry.kind == .file || entry.kind == .executable else {
            throw DSLSourceError(path: path, reason: .unreadable("not a regular file in commit \(commit.short)"))
        }
        do {
            return try repository.readBlob(entry.id, maxBytes: maxBytes, subject: path)
        } catch let error as GitError where error.function == "readBlob" {
            let size = error.message.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? maxBytes + 1
            throw DSLSourceError(path: path, reason: .tooLarge(size: size, limit: maxBytes))
        }
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
