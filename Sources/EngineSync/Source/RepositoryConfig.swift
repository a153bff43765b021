import GitClient

/// A repository's git configuration as git reads it, for the commands (which import no C wrapper).
package enum RepositoryConfig {
    /// `core.hooksPath` of the repository at `path` (its own config, the user's, the system's); `nil` when it
    /// is not set, is empty, or `path` is not a repository libgit2 can open.
    package static func hooksPath(repository path: String) -> String? {
        guard let repository = try? GitRepository.open(path: path),
            let value = try? repository.configString("core.hooksPath"), !value.isEmpty
        else { return nil }
        return value
    }
}
