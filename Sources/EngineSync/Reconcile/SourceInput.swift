import EngineSyncCore
import Foundation
import GitClient

/// What a reconcile reads from its source before touching the database.
struct SourceInput {
    var repository: GitRepository?
    var commit: GitCommit?
    var dslTree: ObjectID?
    var migrationsTree: ObjectID?
    /// The DSL's compile, running on its own thread until someone needs it (`PendingCompilation`).
    var pendingCompilation: PendingCompilation
    var migrations: Result<MigrationSet, MigrationError>

    /// The compiled DSL and its diagnostics (waits for the compile).
    var compilation: DSLCompilation { pendingCompilation.compilation }

    var commitInfo: ReconcileReport.CommitInfo? {
        commit.map { commit in
            ReconcileReport.CommitInfo(
                sha: commit.id.hex, short: String(commit.id.hex.prefix(12)),
                author: "\(commit.author.name) <\(commit.author.email)>",
                time: ReportDraft.timestamp(commit.author.time), subject: commit.subject)
        }
    }

    /// Places the commit after `previous` (the last commit that reached the database, SPEC 6 step 3): the commit
    /// range when it descends from it, else a `non_fast_forward` warning — or error, returning `false`, when
    /// `refuseNonFastForward` is set. Shared by the reconcile and the offline plan.
    func placeAfter(_ previous: String?, refuseNonFastForward: Bool, in draft: inout ReportDraft) -> Bool {
        draft.context.previousCommit = previous
        guard let previous = previous.flatMap(ObjectID.init(hex:)), let commit, let repository else { return true }
        if (try? repository.isDescendant(commit.id, of: previous)) ?? false {
            let range = (try? repository.commits(from: commit.id, excluding: previous, limit: 1000)) ?? []
            if range.count > 1 { draft.context.commits = range.map(\.hex) }
            return true
        }
        if refuseNonFastForward {
            draft.errors.append(
                .init(
                    code: "non_fast_forward",
                    message: "\(commit.id.short) does not descend from the last reconciled commit \(previous.short) "
                        + "and refuse_non_fast_forward is set"))
            return false
        }
        draft.warnings.append(
            .init(
                code: "non_fast_forward",
                message: "\(commit.id.short) does not descend from the last reconciled commit \(previous.short) "
                    + "(force push or rewind)"))
        return true
    }

    static func read(_ source: ReconcileSource, options: ReconcilerOptions) throws -> SourceInput {
        switch source {
        case .git(let path, let revision):
            let repository = try GitRepository.open(path: path)
            return try read(repository, commit: try repository.resolveCommit(revision), options: options)
        case .directory(let root):
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw SourceError(message: "\(root): no such directory")
            }
            options.progress?.touch()
            let compiler = DSLCompiler(options: options.compiler)
            let files = try compiler.load(source: DirectoryDSLSource(root: root))
            let migrations = Result<MigrationSet, MigrationError> {
                try MigrationLoader.load(
                    directory: root, path: options.migrationsPath, maxFileBytes: options.compiler.maxFileBytes)
            }
            return SourceInput(
                repository: nil, commit: nil, dslTree: nil, migrationsTree: nil,
                pendingCompilation: PendingCompilation(compiler, files: files), migrations: migrations)
        }
    }

    /// A commit of a repository the caller already opened (the daemon keeps one): no second open, no revparse.
    /// `compileCache`: the daemon's, for an incremental compile (files it holds by blob OID are not read again).
    static func read(
        _ repository: GitRepository, commit: GitCommit, options: ReconcilerOptions, compileCache: CompileCache? = nil
    ) throws -> SourceInput {
        let dslTree = try repository.treeID(commit: commit.id, path: options.compiler.dslPath)
        let migrationsTree = try repository.treeID(commit: commit.id, path: options.migrationsPath)
        options.progress?.touch()
        let compiler = DSLCompiler(options: options.compiler)
        // Read here (the repository is used by one thread at a time), compiled on another thread.
        let source = GitTreeDSLSource(repository: repository, commit: commit.id)
        let files =
            try compileCache.map { try compiler.load(source: source, cache: $0.peek()) }
            ?? compiler.load(source: source)
        options.progress?.endPhase("read-dsl")
        let migrations = Result<MigrationSet, MigrationError> {
            try MigrationLoader.load(
                repository: repository, commit: commit.id, path: options.migrationsPath,
                maxFileBytes: options.compiler.maxFileBytes)
        }
        return SourceInput(
            repository: repository, commit: commit, dslTree: dslTree, migrationsTree: migrationsTree,
            pendingCompilation: PendingCompilation(compiler, files: files, cache: compileCache), migrations: migrations)
    }

    struct SourceError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}

extension Result where Failure == MigrationError {
    init(catching body: () throws -> Success) {
        do {
            self = .success(try body())
        } catch let error as MigrationError {
            self = .failure(error)
        } catch {
            self = .failure(MigrationError(kind: .invalid, message: "\(error)"))
        }
    }
}
