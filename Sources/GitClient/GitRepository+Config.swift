internal import CLibGit2

extension GitRepository {
    /// A configuration value as git reads it for this repository (its own config, then the user's and the
    /// system's, includes resolved; `git_repository_config_snapshot`); `nil` when it is not set.
    public func configString(_ name: String) throws -> String? {
        var snapshot: OpaquePointer?
        _ = try check("git_repository_config_snapshot", subject: gitDirectory) {
            git_repository_config_snapshot(&snapshot, handle)
        }
        defer { git_config_free(snapshot) }
        // The string belongs to the snapshot: copied before the snapshot is freed.
        var value: UnsafePointer<CChar>?
        let code = git_config_get_string(&value, snapshot, name)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        if code < 0 { throw GitError.last(code, "git_config_get_string", subject: name) }
        return value.map { String(cString: $0) }
    }
}
