import Foundation

/// A real git repository in a temporary directory, driven with the git command line.
///
/// Tests build history with the same tool developers use, then read it through `GitClient`.
public final class ScratchRepository: @unchecked Sendable {
    public let path: String
    private let git: String
    private var tick = 0
    /// EngineJS refuses a DSL without its snapshot model, so a commit that writes `<dsl>/models/…` also writes
    /// EngineJS's standard `<dsl>/meta/dsl.json` when the tree has none. Tests about a missing snapshot model
    /// turn this off.
    public var addsSnapshotModel = true
    /// A private key file: commits are signed with it (`gpg.format=ssh`), as `commit(_:message:signedBy:)` does.
    public var signingKey: String?
    /// git's `gpg.format` for `signingKey`: `ssh` (a key file) or `openpgp` (a key id, with `environment`'s GNUPGHOME).
    public var signingFormat = "ssh"
    /// Extra environment for commits (e.g. `GNUPGHOME` for OpenPGP signing).
    public var commitEnvironment: [String: String] = [:]

    /// EngineJS's standard `dsl/meta/dsl.json`.
    public static let standardSnapshotModel =
        #"{"dsl": {"fields": {"id": {"type": "int", "primary": true, "autoIncrement": true}, "hash": {"type": "string", "length": 255}, "dsl": {"type": "jsonb"}}}}"#

    /// A repository with a work tree on branch `main` (or a bare one, for push targets).
    public init(bare: Bool = false) throws {
        git = try TestEnvironment.gitExecutable()
        path = NSTemporaryDirectory() + "enginesync-repo-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try run(
            bare
                ? ["init", "--quiet", "--bare", "--initial-branch=main"] : ["init", "--quiet", "--initial-branch=main"])
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes files (path → contents; `nil` deletes), commits them and returns the new commit's sha.
    @discardableResult
    public func commit(_ files: [String: String?], message: String = "change") throws -> String {
        var files = files
        if addsSnapshotModel {
            for relative in files.keys {
                guard let range = relative.range(of: "models/"),
                    range.lowerBound == relative.startIndex || relative[relative.index(before: range.lowerBound)] == "/"
                else { continue }
                let meta = String(relative[..<range.lowerBound]) + "meta/dsl.json"
                if files[meta] == nil, !FileManager.default.fileExists(atPath: path + "/" + meta) {
                    files[meta] = Self.standardSnapshotModel
                }
            }
        }
        for (relative, contents) in files {
            let url = URL(fileURLWithPath: path).appendingPathComponent(relative)
            if let contents {
                try FileManager.default.createDirectory(
                    at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try contents.write(to: url, atomically: true, encoding: .utf8)
            } else {
                try? FileManager.default.removeItem(at: url)
            }
        }
        try run(["add", "-A"])
        tick += 1
        // Fixed dates keep shas stable across runs.
        let date = "2026-01-01T00:00:\(String(format: "%02d", tick % 60))Z"
        let signing = signingKey.map { ["-c", "gpg.format=\(signingFormat)", "-c", "user.signingkey=\($0)"] } ?? []
        try run(
            signing + ["commit", "--quiet", "--allow-empty"] + (signingKey == nil ? [] : ["-S"]) + ["-m", message],
            environment: commitEnvironment.merging(["GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date]) { $1 })
        return try output(["rev-parse", "HEAD"])
    }

    /// Runs git in this repository; throws with git's stderr on failure.
    @discardableResult
    public func run(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: git)
        process.arguments = ["-C", path] + arguments
        var env = ProcessInfo.processInfo.environment
        env["GIT_AUTHOR_NAME"] = "Test Author"
        env["GIT_AUTHOR_EMAIL"] = "author@example.com"
        env["GIT_COMMITTER_NAME"] = "Test Committer"
        env["GIT_COMMITTER_EMAIL"] = "committer@example.com"
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        env["HOME"] = NSTemporaryDirectory()
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errorData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestEnvironment.Missing(
                description: "git \(arguments.joined(separator: " ")) failed: "
                    + (String(data: errorData, encoding: .utf8) ?? ""))
        }
        return String(data: data, encoding: .utf8) ?? ""
    }

    public func output(_ arguments: [String]) throws -> String {
        try run(arguments).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
