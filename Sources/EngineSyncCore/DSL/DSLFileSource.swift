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

    /// What identifies a regular file's content without reading it (a git blob OID), or `nil` when the source
    /// has no such thing. An incremental compile takes a file whose ID it already holds from its cache, unread.
    func contentID(ofFile path: String) throws -> String?
}

extension DSLFileSource {
    public func contentID(ofFile path: String) throws -> String? { nil }
}
