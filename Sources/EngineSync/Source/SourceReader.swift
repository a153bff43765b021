package import EngineSyncCore
import Foundation
import GitClient

/// The one reader behind every command's `--repo`/`--rev` or `--dir`: the repository is opened once and the
/// revision resolved once, then the DSL, the migrations and the commit's trust state are all read from that one
/// commit (or from the directory). Commands go through it rather than through `GitClient`, so the composition
/// root never touches libgit2's wrapper and every command reports an unreadable source the same way.
package final class SourceReader {
    /// An unreadable source: one line naming the repository, revision or directory.
    package struct Failure: Error, CustomStringConvertible {
        package let description: String
    }

    package let source: ReconcileSource
    private let repository: GitRepository?
    private let commit: GitCommit?

    /// Opens the repository and resolves the revision, or checks the directory exists.
    package init(_ source: ReconcileSource) throws(Failure) {
        self.source = source
        switch source {
        case .git(let path, let revision):
            let repository: GitRepository
            do {
                repository = try GitRepository.open(path: path)
            } catch {
                throw Failure(description: "cannot open git repository '\(path)': \(error)")
            }
            do {
                commit = try repository.resolveCommit(revision)
            } catch {
                throw Failure(
                    description:
                        "cannot resolve revision '\(ReportEscaping.terminal(revision))' in '\(ReportEscaping.terminal(path))': \(error)"
                )
            }
            self.repository = repository
        case .directory(let root):
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory) else {
                throw Failure(
                    description: "cannot read directory '\(ReportEscaping.terminal(root))': no such directory")
            }
            guard isDirectory.boolValue else {
                throw Failure(
                    description:
                        "cannot read directory '\(ReportEscaping.terminal(root))': it is a file, not a directory")
            }
            repository = nil
            commit = nil
        }
    }

    /// A commit being pushed, read by the pre-receive hook: its objects are still in git's quarantine directories
    /// (`GIT_QUARANTINE_PATH`, `GIT_OBJECT_DIRECTORY`), which are added as alternates.
    package init(pushed sha: String, repository path: String, quarantine: [String]) throws(Failure) {
        guard let id = ObjectID(hex: sha) else {
            throw Failure(description: "cannot read the pushed commit id \"\(sha)\"")
        }
        do {
            let repository = try GitRepository.open(path: path)
            for directory in quarantine { try repository.addAlternateObjectDirectory(directory) }
            self.commit = try repository.commit(id)
            self.repository = repository
        } catch {
            throw Failure(description: "cannot read the pushed commit \(sha.prefix(12)) (\(error))")
        }
        source = .git(repository: path, revision: sha)
    }

    /// The resolved commit's sha (`nil` for a directory).
    package var commitSHA: String? { commit?.id.hex }

    /// Compiles the DSL of the commit or directory.
    package func compile(_ options: DSLCompilerOptions) throws -> DSLCompilation {
        let compiler = DSLCompiler(options: options)
        if let repository, let commit {
            return try compiler.compile(source: GitTreeDSLSource(repository: repository, commit: commit.id))
        }
        return try compiler.compile(source: DirectoryDSLSource(root: directoryRoot))
    }

    /// Every problem of the migrations under `path` (for `validate`), with the migrations that are fine; a file
    /// over `maxFileBytes` (`max_file_bytes`, as for a reconcile) is one.
    package func checkMigrations(path: String, maxFileBytes: Int = MigrationLoader.defaultMaxFileBytes)
        -> MigrationCheck
    {
        if let repository, let commit {
            return MigrationLoader.check(
                repository: repository, commit: commit.id, path: path, maxFileBytes: maxFileBytes)
        }
        return MigrationLoader.check(directory: directoryRoot, path: path, maxFileBytes: maxFileBytes)
    }

    /// The migrations under `path`; throws the first problem.
    package func loadMigrations(path: String, maxFileBytes: Int = MigrationLoader.defaultMaxFileBytes) throws
        -> MigrationSet
    {
        if let repository, let commit {
            return try MigrationLoader.load(
                repository: repository, commit: commit.id, path: path, maxFileBytes: maxFileBytes)
        }
        return try MigrationLoader.load(directory: directoryRoot, path: path, maxFileBytes: maxFileBytes)
    }

    /// Who signed the commit and who approved `migrations`, as a reconcile would judge (issue 15); `nil` for a
    /// directory, which has no signatures.
    package func inspectTrust(migrations: [Migration], settings: TrustSettings) throws
        -> (trust: ReconcileReport.Trust, refusal: String?)?
    {
        guard let repository, let commit else { return nil }
        return try TrustInspection.inspect(
            repository: repository, commit: commit.id, migrations: migrations, settings: settings)
    }

    private var directoryRoot: String {
        if case .directory(let root) = source { return root }
        return "."
    }

    /// Lets the process read repositories other users own (libgit2's `safe.directory` check, CVE-2022-24765):
    /// the daemon runs as its own user and reads the bare repository developers push to, at a path the operator
    /// configured. Called once by the executable.
    package static func allowRepositoriesOfOtherUsers() {
        try? GitRepository.setOwnerValidation(false)
    }

    /// Text with every URL's credentials masked (`URLRedaction`), for log lines.
    package static func redactingURLs(_ text: String) -> String { URLRedaction.redact(text) }
}
