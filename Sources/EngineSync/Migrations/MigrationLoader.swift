import EngineSyncCore
import Foundation
public import GitClient

/// Reads `migrations/<id>.sql` from a commit's tree (libgit2, no checkout) or from a directory on disk.
///
/// Rules (docs/MIGRATIONS.md): a file ending in `.sql` (any case) is a migration whose id is the name
/// without the extension; ids sort as EngineJS sorts them (`localeCompare`). A directory, symlink or submodule inside the folder,
/// an empty or non-UTF-8 file, a file over `maxFileBytes`, an unsplittable script and two files with the
/// same id (`a.sql`, `a.SQL`) are errors naming the file (`invalid`: nothing runs). Other files (README.md)
/// are ignored with an `ignored_file` warning; dot files (`.gitkeep`) are ignored silently. A missing
/// folder means no migrations.
public enum MigrationLoader {
    public static let defaultPath = "migrations"
    /// Larger files are refused rather than read into memory (SPEC 6.2 `max_file_bytes`).
    public static let defaultMaxFileBytes = 16 * 1024 * 1024
    /// `engine_migrations.id` is `varchar(255)` (EngineJS).
    public static let maxIDBytes = 255

    /// The migrations of `commit` under `path`; throws the first problem (`check` lists them all).
    public static func load(
        repository: GitRepository, commit: ObjectID, path: String = defaultPath,
        maxFileBytes: Int = defaultMaxFileBytes
    ) throws -> MigrationSet {
        try check(repository: repository, commit: commit, path: path, maxFileBytes: maxFileBytes).set()
    }

    /// Every problem of the migrations of `commit` under `path` (for `validate`), with the migrations that are fine.
    public static func check(
        repository: GitRepository, commit: ObjectID, path: String = defaultPath,
        maxFileBytes: Int = defaultMaxFileBytes
    ) -> MigrationCheck {
        let folder = normalise(path)
        let entries: [GitTreeEntry]
        let treeID: ObjectID?
        do {
            treeID = try repository.treeID(commit: commit, path: folder)
            guard treeID != nil, let listed = try repository.treeEntries(commit: commit, path: folder) else {
                return MigrationCheck(migrations: [])
            }
            entries = listed
        } catch {
            let message = (error as? GitError)?.message ?? "\(error)"
            return MigrationCheck(
                migrations: [],
                problems: [
                    MigrationError(
                        kind: .invalid, message: "cannot read the migrations folder: \(message)", file: folder)
                ])
        }
        var found: [Entry] = []
        for entry in entries {
            let file = folder.isEmpty ? entry.name : folder + "/" + entry.name
            let kind: Entry.Kind =
                switch entry.kind {
                case .file, .executable: .file
                case .directory: .directory
                case .symlink: .symlink
                case .submodule: .submodule
                case .unknown: .other
                }
            let blobID = entry.id
            found.append(
                Entry(name: entry.name, file: file, kind: kind) {
                    do {
                        return try repository.readBlob(blobID, maxBytes: maxFileBytes, subject: file)
                    } catch let error as GitError {
                        throw MigrationError(kind: .invalid, message: error.message, file: file)
                    }
                })
        }
        var check = collect(found)
        check.treeID = treeID
        return check
    }

    /// The migrations under `root/path` on disk (`root` is laid out like the repository); throws the first
    /// problem (`check` lists them all).
    public static func load(
        directory root: String, path: String = defaultPath,
        maxFileBytes: Int = defaultMaxFileBytes
    ) throws -> MigrationSet {
        try check(directory: root, path: path, maxFileBytes: maxFileBytes).set()
    }

    /// Every problem of the migrations under `root/path` on disk (for `validate`), with the migrations that are fine.
    public static func check(
        directory root: String, path: String = defaultPath,
        maxFileBytes: Int = defaultMaxFileBytes
    ) -> MigrationCheck {
        let folder = normalise(path)
        let fileManager = FileManager.default
        let url = URL(fileURLWithPath: root).appendingPathComponent(folder)
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            return MigrationCheck(migrations: [])
        }
        guard isDirectory.boolValue else {
            return MigrationCheck(
                migrations: [],
                problems: [
                    MigrationError(
                        kind: .invalid, message: "is not a directory",
                        file: folder)
                ])
        }
        let names: [String]
        do {
            names = try fileManager.contentsOfDirectory(atPath: url.path)
        } catch {
            return MigrationCheck(
                migrations: [],
                problems: [
                    MigrationError(
                        kind: .invalid, message: "cannot list the migrations folder: \(error.localizedDescription)",
                        file: folder)
                ])
        }
        var found: [Entry] = []
        for name in names.sorted(by: idPrecedes) {
            let file = folder.isEmpty ? name : folder + "/" + name
            let entryURL = url.appendingPathComponent(name)
            // attributesOfItem uses lstat: a symlink is reported as one, never followed.
            let attributes = (try? fileManager.attributesOfItem(atPath: entryURL.path)) ?? [:]
            let type = attributes[.type] as? FileAttributeType
            let kind: Entry.Kind =
                switch type {
                case .typeRegular?: .file
                case .typeDirectory?: .directory
                case .typeSymbolicLink?: .symlink
                default: .other
                }
            let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
            found.append(
                Entry(name: name, file: file, kind: kind) {
                    guard size <= maxFileBytes else {
                        throw MigrationError(
                            kind: .invalid, message: "is \(size) bytes, over the limit of \(maxFileBytes)",
                            file: file)
                    }
                    guard let data = fileManager.contents(atPath: entryURL.path) else {
                        throw MigrationError(kind: .invalid, message: "cannot be read", file: file)
                    }
                    guard data.count <= maxFileBytes else {
                        throw MigrationError(
                            kind: .invalid,
                            message: "is \(data.count) bytes, over the limit of \(maxFileBytes)", file: file)
                    }
                    return [UInt8](data)
                })
        }
        return collect(found)
    }

    /// One directory entry, whatever it was read from.
    struct Entry {
        enum Kind { case file, directory, symlink, submodule, other }
        var name: String
        var file: String
        var kind: Kind
        var read: () throws -> [UInt8]
    }

    static func makeSet(_ entries: [Entry]) throws -> MigrationSet {
        try collect(entries).set()
    }

    /// Checks every entry, collecting every problem (one per file: the first found in it) instead of stopping
    /// at the first file.
    static func collect(_ entries: [Entry]) -> MigrationCheck {
        var migrations: [String: Migration] = [:]
        var warnings: [MigrationWarning] = []
        var problems: [MigrationError] = []
        for entry in entries {
            if entry.name.hasPrefix(".") && entry.kind == .file { continue }
            func problem(_ message: String, id: String? = nil, line: Int? = nil) {
                problems.append(MigrationError(kind: .invalid, message: message, id: id, file: entry.file, line: line))
            }
            switch entry.kind {
            case .file: break
            case .directory:
                problem("is a directory; migrations/ holds only <id>.sql files")
                continue
            case .symlink:
                problem("is a symbolic link; symlinks are not followed")
                continue
            case .submodule:
                problem("is a git submodule; migrations/ holds only <id>.sql files")
                continue
            case .other:
                problem("is not a regular file")
                continue
            }
            guard entry.name.lowercased().hasSuffix(".sql") else {
                warnings.append(
                    MigrationWarning(
                        code: "ignored_file",
                        message: "not a .sql file; ignored", file: entry.file))
                continue
            }
            let id = String(entry.name.dropLast(4))
            guard !id.isEmpty else {
                problem("has no id before .sql")
                continue
            }
            guard id.utf8.count <= maxIDBytes else {
                problem("id is longer than \(maxIDBytes) bytes")
                continue
            }
            if let other = migrations[id] {
                problem("duplicate migration id '\(id)' (also \(other.file ?? other.id))", id: id)
                continue
            }
            do {
                let script = try MigrationScript(bytes: try entry.read())
                migrations[id] = Migration(id: id, file: entry.file, script: script)
            } catch let error as MigrationError {
                problems.append(error)
            } catch let error as MigrationScript.Problem {
                problem(error.reason, id: id, line: error.line)
            } catch {
                problem("\(error)", id: id)
            }
        }
        let sorted = migrations.values.sorted { idPrecedes($0.id, $1.id) }
        return MigrationCheck(migrations: sorted, warnings: warnings, problems: problems)
    }

    static func normalise(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }.joined(separator: "/")
    }
}

/// What `MigrationLoader.check` found: the migrations that load, the warnings, and every problem (each an
/// `invalid` `MigrationError` naming its file, and its line where known). `validate` prints them all; a
/// reconcile or `migrate` refuses the whole set when there is any (`set()` throws the first).
public struct MigrationCheck: Sendable {
    public var migrations: [Migration]
    public var warnings: [MigrationWarning]
    public var problems: [MigrationError]
    public var treeID: ObjectID?

    public init(
        migrations: [Migration], warnings: [MigrationWarning] = [], problems: [MigrationError] = [],
        treeID: ObjectID? = nil
    ) {
        self.migrations = migrations
        self.warnings = warnings
        self.problems = problems
        self.treeID = treeID
    }

    public var isValid: Bool { problems.isEmpty }

    /// The set, or the first problem (naming how many more there are).
    public func set() throws -> MigrationSet {
        if var first = problems.first {
            if problems.count > 1 {
                first.message +=
                    " (and \(problems.count - 1) more problem\(problems.count == 2 ? "" : "s") in migrations/: "
                    + "`enginesync validate` lists them all)"
            }
            throw first
        }
        return MigrationSet(migrations: migrations, warnings: warnings, treeID: treeID)
    }
}
