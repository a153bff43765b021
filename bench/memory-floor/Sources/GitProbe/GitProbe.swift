import CLibGit2
import Idle

/// Initialises libgit2, opens the bare repository in argv[2] and looks its `main` tip up; all stay open.
public func openRepository() -> (repository: OpaquePointer, commit: OpaquePointer) {
    git_libgit2_init()
    var repository: OpaquePointer?
    guard git_repository_open_bare(&repository, CommandLine.arguments[2]) == 0, let repository else {
        fail("cannot open \(CommandLine.arguments[2])")
    }
    var oid = git_oid()
    var commit: OpaquePointer?
    guard git_reference_name_to_id(&oid, repository, "refs/heads/main") == 0,
        git_commit_lookup(&commit, repository, &oid) == 0, let commit
    else { fail("no refs/heads/main") }
    return (repository, commit)
}
