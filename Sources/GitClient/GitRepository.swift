internal import CLibGit2
import Foundation

/// libgit2's global state, initialised once for the process and never shut down (c-libraries.md 1.1).
private let libgit2Runtime: Int32 = clibgit2_init()

/// An open repository; the only owner of a `git_repository` and of every object read from it.
///
/// Not `Sendable`: libgit2 objects must not be used from two threads at once, so keep one
/// `GitRepository` per task. A long-lived instance sees new refs and objects without reopening.
public final class GitRepository {
    /// Internal (not private) for the `GitRepository+…` extensions of this module; never public.
    let handle: OpaquePointer
    /// `git_repository_path`: the `.git` directory or the bare repository, ending in `/`.
    public let gitDirectory: String
    public let isBare: Bool

    private init(handle: OpaquePointer) {
        self.handle = handle
        gitDirectory = git_repository_path(handle).map { String(cString: $0) } ?? ""
        isBare = git_repository_is_bare(handle) == 1
    }

    deinit { git_repository_free(handle) }

    /// libgit2 (like git since CVE-2022-24765) refuses repositories owned by another user unless they are
    /// listed in `safe.directory`. The daemon runs as its own user and reads the bare repository developers
    /// own, at a path the operator configured: the executable turns the check off for the process. libgit2
    /// never runs hooks or checkout filters for what enginesync does (read objects, fetch).
    public static func setOwnerValidation(_ enabled: Bool) throws {
        _ = libgit2Runtime
        _ = try check("git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION)") {
            clibgit2_set_owner_validation(enabled ? 1 : 0)
        }
    }

    /// Opens a bare repository or a work tree's root, without searching parent directories.
    public static func open(path: String) throws -> GitRepository {
        _ = libgit2Runtime
        var repository: OpaquePointer?
        _ = try check("git_repository_open_ext", subject: path) {
            git_repository_open_ext(&repository, path, GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue, nil)
        }
        guard let repository else {
            throw GitError(
                code: .generic, errorClass: .repository, message: "no repository returned",
                function: "git_repository_open_ext")
        }
        return GitRepository(handle: repository)
    }

    /// Adds an object directory to search after the repository's own, e.g. a `pre-receive` hook's quarantine
    /// (`GIT_QUARANTINE_PATH`), where git keeps a push's objects until every hook accepted it
    /// (`git_odb_add_disk_alternate`; libgit2 does not read git's `GIT_*` object variables by itself).
    public func addAlternateObjectDirectory(_ path: String) throws {
        var odb: OpaquePointer?
        _ = try check("git_repository_odb", subject: path) { git_repository_odb(&odb, handle) }
        defer { git_odb_free(odb) }
        _ = try check("git_odb_add_disk_alternate", subject: path) { git_odb_add_disk_alternate(odb, path) }
    }

    /// Creates (or opens, when it exists) a bare repository, e.g. the daemon's mirror of a remote.
    public static func initBare(path: String) throws -> GitRepository {
        _ = libgit2Runtime
        var repository: OpaquePointer?
        _ = try check("git_repository_init", subject: path) { git_repository_init(&repository, path, 1) }
        guard let repository else {
            throw GitError(
                code: .generic, errorClass: .repository, message: "no repository returned",
                function: "git_repository_init")
        }
        return GitRepository(handle: repository)
    }

    // MARK: - Revisions

    /// Resolves a branch name, a full ref, a sha (short or long) or any revision syntax to a commit.
    public func resolveCommit(_ revision: String) throws -> GitCommit {
        var object: OpaquePointer?
        _ = try check("git_revparse_single", subject: "revision '\(revision)'") {
            git_revparse_single(&object, handle, revision)
        }
        defer { git_object_free(object) }
        var peeled: OpaquePointer?
        _ = try check("git_object_peel", subject: "revision '\(revision)'") {
            git_object_peel(&peeled, object, GIT_OBJECT_COMMIT)
        }
        defer { git_object_free(peeled) }
        guard let peeled else {
            throw GitError(
                code: .notFound, errorClass: .object, reason: .notACommit, message: "not a commit",
                function: "git_object_peel")
        }
        return Self.commitValue(peeled)
    }

    /// The commit a branch points at; `nil` when the branch does not exist.
    public func branchTip(_ branch: String) throws -> ObjectID? {
        let reference = branch.hasPrefix("refs/") ? branch : "refs/heads/\(branch)"
        var oid = git_oid()
        let code = git_reference_name_to_id(&oid, handle, reference)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        if code < 0 { throw GitError.last(code, "git_reference_name_to_id", subject: reference) }
        return Self.objectID(&oid)
    }

    /// Looks up a commit by id.
    public func commit(_ id: ObjectID) throws -> GitCommit {
        var oid = try Self.oid(id)
        var commit: OpaquePointer?
        _ = try check("git_commit_lookup", subject: "commit \(id.short)") { git_commit_lookup(&commit, handle, &oid) }
        defer { git_commit_free(commit) }
        guard let commit else {
            throw GitError(
                code: .notFound, errorClass: .object, reason: .notACommit, message: "no commit",
                function: "git_commit_lookup")
        }
        return Self.commitValue(commit)
    }

    /// True when `commit` is `ancestor` or descends from it (libgit2 alone says a commit is not its own descendant).
    public func isDescendant(_ commit: ObjectID, of ancestor: ObjectID) throws -> Bool {
        if commit == ancestor { return true }
        var a = try Self.oid(commit)
        var b = try Self.oid(ancestor)
        let result = git_graph_descendant_of(handle, &a, &b)
        if result < 0 {
            throw GitError.last(result, "git_graph_descendant_of", subject: "\(commit.short)..\(ancestor.short)")
        }
        return result == 1
    }

    /// Commits reachable from `tip` but not from `base` (newest first), capped at `limit`.
    public func commits(from tip: ObjectID, excluding base: ObjectID?, limit: Int = 1000) throws -> [ObjectID] {
        var walker: OpaquePointer?
        _ = try check("git_revwalk_new") { git_revwalk_new(&walker, handle) }
        defer { git_revwalk_free(walker) }
        var tipOID = try Self.oid(tip)
        _ = try check("git_revwalk_push") { git_revwalk_push(walker, &tipOID) }
        if let base {
            var baseOID = try Self.oid(base)
            let code = git_revwalk_hide(walker, &baseOID)
            // A base that no longer exists (history rewritten) just means "no lower bound".
            if code < 0 && code != GIT_ENOTFOUND.rawValue { throw GitError.last(code, "git_revwalk_hide") }
        }
        var result: [ObjectID] = []
        var oid = git_oid()
        while result.count < limit {
            let code = git_revwalk_next(&oid, walker)
            if code == GIT_ITEROVER.rawValue { break }
            if code < 0 { throw GitError.last(code, "git_revwalk_next") }
            result.append(Self.objectID(&oid))
        }
        return result
    }

    // MARK: - Trees and blobs

    /// The id of the tree at `path` in a commit ("" = root); `nil` when the path does not exist.
    /// Throws when the path exists but is not a directory (a file, symlink or submodule).
    public func treeID(commit: ObjectID, path: String) throws -> ObjectID? {
        try withCommitTree(commit) { root in
            let clean = Self.normalise(path)
            if clean.isEmpty { return Self.objectID(git_tree_id(root)) }
            var entry: OpaquePointer?
            let code = git_tree_entry_bypath(&entry, root, clean)
            if code == GIT_ENOTFOUND.rawValue { return nil }
            if code < 0 { throw GitError.last(code, "git_tree_entry_bypath", subject: clean) }
            defer { git_tree_entry_free(entry) }  // bypath entries are owned (c-libraries.md 1.6)
            guard git_tree_entry_filemode(entry) == GIT_FILEMODE_TREE else {
                throw GitError(
                    code: .enginesync, errorClass: .tree, reason: .notADirectory, message: "is not a directory",
                    function: "treeID", subject: clean)
            }
            return Self.objectID(git_tree_entry_id(entry))
        }
    }

    /// The entries of the directory at `path` in a commit, in git's (byte) order; `nil` when absent.
    public func treeEntries(commit: ObjectID, path: String) throws -> [GitTreeEntry]? {
        guard let treeID = try treeID(commit: commit, path: path) else { return nil }
        var oid = try Self.oid(treeID)
        var tree: OpaquePointer?
        _ = try check("git_tree_lookup", subject: path) { git_tree_lookup(&tree, handle, &oid) }
        defer { git_tree_free(tree) }
        let count = git_tree_entrycount(tree)
        var entries: [GitTreeEntry] = []
        entries.reserveCapacity(count)
        for index in 0..<count {
            // byindex entries are borrowed from the tree: copy before git_tree_free.
            guard let entry = git_tree_entry_byindex(tree, index) else { continue }
            let name = git_tree_entry_name(entry).map { String(cString: $0) } ?? ""
            entries.append(
                GitTreeEntry(
                    name: name, kind: Self.kind(git_tree_entry_filemode(entry)),
                    id: Self.objectID(git_tree_entry_id(entry))))
        }
        return entries
    }

    /// Reads a blob; larger than `maxBytes` is an error rather than an allocation.
    public func readBlob(_ id: ObjectID, maxBytes: Int, subject: String? = nil) throws -> [UInt8] {
        var oid = try Self.oid(id)
        // The size comes from the object's header first (git_odb_read_header inflates only the header of a
        // loose object and reads a packed object's size from its pack header), so a 200 MB blob is refused
        // without ever being inflated into memory; only a blob within the limit is looked up.
        let headerSize = try objectSize(&oid, subject: subject ?? id.short)
        if headerSize > maxBytes {
            throw GitError(
                code: .enginesync, errorClass: .odb, reason: .blobTooLarge(size: headerSize, limit: maxBytes),
                message: "is \(headerSize) bytes, over the limit of \(maxBytes)",
                function: "readBlob", subject: subject ?? id.short)
        }
        var blob: OpaquePointer?
        _ = try check("git_blob_lookup", subject: subject ?? id.short) { git_blob_lookup(&blob, handle, &oid) }
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        if size > maxBytes {
            throw GitError(
                code: .enginesync, errorClass: .odb, reason: .blobTooLarge(size: size, limit: maxBytes),
                message: "is \(size) bytes, over the limit of \(maxBytes)",
                function: "readBlob", subject: subject ?? id.short)
        }
        guard size > 0, let raw = git_blob_rawcontent(blob) else { return [] }
        // rawcontent is not NUL-terminated and dies with the blob: copy exactly `size` bytes.
        return Array(UnsafeRawBufferPointer(start: raw, count: size))
    }

    /// An object's inflated size from its header, without reading its content (`git_odb_read_header`).
    private func objectSize(_ oid: inout git_oid, subject: String) throws -> Int {
        var odb: OpaquePointer?
        _ = try check("git_repository_odb", subject: subject) { git_repository_odb(&odb, handle) }
        defer { git_odb_free(odb) }
        var length = 0
        var type = GIT_OBJECT_INVALID
        _ = try check("git_odb_read_header", subject: subject) { git_odb_read_header(&length, &type, odb, &oid) }
        guard type == GIT_OBJECT_BLOB else {
            throw GitError(
                code: .notFound, errorClass: .odb, reason: .notABlob, message: "is not a blob",
                function: "git_odb_read_header", subject: subject)
        }
        return length
    }

    // MARK: - Fetching

    /// Fetches `+refs/heads/*:refs/heads/*` from `url` (file://, a path, ssh, https) into this repository,
    /// force-updating rewound branches and pruning deleted ones (c-libraries.md 1.7).
    ///
    /// ssh remotes authenticate with `options.sshPrivateKeyFile` as the URL's user (default `git`) and are
    /// accepted only when their host key is listed in `options.sshKnownHostsFile`; otherwise the fetch
    /// throws a `GitError` naming the host (and the file). Key material is never logged or put in errors.
    public func fetchMirror(from url: String, options fetchOptions: GitFetchOptions = GitFetchOptions()) throws {
        // The callbacks' payload: retained once here, released once after the remote is freed (defers run
        // in reverse order), so libgit2 can never call back into a freed context.
        let context = FetchCallbackContext(options: fetchOptions, url: url)
        let payload = Unmanaged.passRetained(context)
        defer { payload.release() }
        var remote: OpaquePointer?
        _ = try check("git_remote_create_anonymous", subject: url) { git_remote_create_anonymous(&remote, handle, url) }
        defer { git_remote_free(remote) }
        var options = git_fetch_options()
        _ = try check("git_fetch_options_init") { git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION)) }
        options.prune = GIT_FETCH_PRUNE
        options.update_fetchhead = 0
        options.callbacks.install(payload: payload.toOpaque())
        let refspec = strdup("+refs/heads/*:refs/heads/*")
        defer { free(refspec) }
        var pointers: [UnsafeMutablePointer<CChar>?] = [refspec]
        let code = pointers.withUnsafeMutableBufferPointer { buffer in
            var strings = git_strarray(strings: buffer.baseAddress, count: 1)
            return git_remote_fetch(remote, &strings, &options, "enginesync fetch")
        }
        if code < 0 {
            // A refusal decided by a callback (host key, missing key) says more than libgit2's wrapper text.
            let error = GitError.last(code, "git_remote_fetch", subject: url)
            throw context.failure ?? error
        }
    }

    // MARK: - Conversions

    private func withCommitTree<T>(_ commit: ObjectID, _ body: (OpaquePointer) throws -> T) throws -> T {
        var oid = try Self.oid(commit)
        var commitHandle: OpaquePointer?
        _ = try check("git_commit_lookup", subject: "commit \(commit.short)") {
            git_commit_lookup(&commitHandle, handle, &oid)
        }
        defer { git_commit_free(commitHandle) }
        var tree: OpaquePointer?
        _ = try check("git_commit_tree", subject: "commit \(commit.short)") { git_commit_tree(&tree, commitHandle) }
        defer { git_tree_free(tree) }
        guard let tree else {
            throw GitError(code: .notFound, errorClass: .tree, message: "no tree", function: "git_commit_tree")
        }
        return try body(tree)
    }

    private static func normalise(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
    }

    private static func kind(_ mode: git_filemode_t) -> GitTreeEntry.Kind {
        switch mode {
        case GIT_FILEMODE_BLOB: .file
        case GIT_FILEMODE_BLOB_EXECUTABLE: .executable
        case GIT_FILEMODE_TREE: .directory
        case GIT_FILEMODE_LINK: .symlink
        case GIT_FILEMODE_COMMIT: .submodule
        default: .unknown(mode.rawValue)
        }
    }

    static func oid(_ id: ObjectID) throws -> git_oid {
        var oid = git_oid()
        _ = try check("git_oid_fromstr", subject: id.hex) { git_oid_fromstr(&oid, id.hex) }
        return oid
    }

    static func objectID(_ oid: UnsafePointer<git_oid>?) -> ObjectID {
        var buffer = [CChar](repeating: 0, count: 41)
        git_oid_tostr(&buffer, 41, oid)
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return ObjectID(unchecked: String(decoding: bytes, as: UTF8.self))
    }

    private static func signature(_ raw: UnsafePointer<git_signature>?) -> GitSignature {
        guard let raw else {
            return GitSignature(name: "", email: "", time: Date(timeIntervalSince1970: 0), offsetMinutes: 0)
        }
        return GitSignature(
            name: raw.pointee.name.map { String(cString: $0) } ?? "",
            email: raw.pointee.email.map { String(cString: $0) } ?? "",
            time: Date(timeIntervalSince1970: TimeInterval(raw.pointee.when.time)),
            offsetMinutes: Int(raw.pointee.when.offset))
    }

    private static func commitValue(_ commit: OpaquePointer) -> GitCommit {
        // Strings and signatures are owned by the commit: copy them before it is freed.
        let parents = (0..<git_commit_parentcount(commit)).map { objectID(git_commit_parent_id(commit, $0)) }
        return GitCommit(
            id: objectID(git_commit_id(commit)),
            treeID: objectID(git_commit_tree_id(commit)),
            parentIDs: parents,
            author: signature(git_commit_author(commit)),
            committer: signature(git_commit_committer(commit)),
            subject: git_commit_summary(commit).map { String(cString: $0) } ?? "",
            message: git_commit_message(commit).map { String(cString: $0) } ?? "")
    }
}
