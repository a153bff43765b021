internal import CLibGit2
import Foundation

/// A commit's signature and the bytes it signs, as `git_commit_extract_signature` separates them: the commit
/// object without its `gpgsig` header. Verifiers (ssh-keygen, gpgv) check `signature` over `signedData`.
public struct GitCommitSignature: Sendable, Equatable {
    /// The armoured signature (`-----BEGIN SSH SIGNATURE-----` …).
    public var signature: String
    /// The raw commit object minus the signature header.
    public var signedData: [UInt8]
}

extension GitRepository {
    /// The commit's `gpgsig` signature and signed payload; `nil` when the commit is not signed.
    public func signature(of commit: ObjectID) throws -> GitCommitSignature? {
        var oid = try Self.oid(commit)
        var signature = git_buf()
        var signedData = git_buf()
        // Both buffers are allocated by libgit2 and must be disposed of, also after a failure (header `buffer.h`).
        defer {
            git_buf_dispose(&signature)
            git_buf_dispose(&signedData)
        }
        let code = git_commit_extract_signature(&signature, &signedData, handle, &oid, nil)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        if code < 0 { throw GitError.last(code, "git_commit_extract_signature", subject: "commit \(commit.short)") }
        let armoured =
            signature.ptr.map {
                String(decoding: UnsafeRawBufferPointer(start: $0, count: signature.size), as: UTF8.self)
            } ?? ""
        let data = signedData.ptr.map { Array(UnsafeRawBufferPointer(start: $0, count: signedData.size)) } ?? []
        return GitCommitSignature(signature: armoured, signedData: data)
    }

    /// The id of the entry (blob, tree, …) at `path` in a commit; `nil` when the path does not exist. Used to
    /// find the commit that last changed a file (its id differs from every parent's).
    public func entryID(commit: ObjectID, path: String) throws -> ObjectID? {
        var oid = try Self.oid(commit)
        var commitHandle: OpaquePointer?
        _ = try check("git_commit_lookup", subject: "commit \(commit.short)") {
            git_commit_lookup(&commitHandle, handle, &oid)
        }
        defer { git_commit_free(commitHandle) }
        var tree: OpaquePointer?
        _ = try check("git_commit_tree", subject: "commit \(commit.short)") { git_commit_tree(&tree, commitHandle) }
        defer { git_tree_free(tree) }
        let clean = path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
        var entry: OpaquePointer?
        let code = git_tree_entry_bypath(&entry, tree, clean)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        if code < 0 { throw GitError.last(code, "git_tree_entry_bypath", subject: clean) }
        defer { git_tree_entry_free(entry) }  // bypath entries are owned (c-libraries.md 1.6)
        return Self.objectID(git_tree_entry_id(entry))
    }
}
