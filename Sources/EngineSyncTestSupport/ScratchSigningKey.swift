import EngineSyncCore
import Foundation

/// A real ed25519 SSH signing key in a temporary directory, made with `ssh-keygen`, for signed-commit tests
/// (issue 15). Commits are signed by git itself (`gpg.format=ssh`, `user.signingkey`), as developers do.
public final class ScratchSigningKey: @unchecked Sendable {
    public let directory: String
    /// The private key file (what `user.signingkey` names).
    public let privateKey: String
    /// `ssh-ed25519 AAAA… comment`.
    public let publicKey: String
    /// The principal this key is listed under in allowed_signers files.
    public let principal: String

    public init(principal: String) throws {
        let tool = try TestEnvironment.sshKeygenExecutable()
        self.principal = principal
        directory = NSTemporaryDirectory() + "enginesync-key-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        privateKey = directory + "/id_ed25519"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["-q", "-t", "ed25519", "-N", "", "-C", principal, "-f", privateKey]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestEnvironment.Missing(description: "ssh-keygen could not generate a key (status \(process.terminationStatus))")
        }
        publicKey = try String(contentsOfFile: privateKey + ".pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// This key's allowed_signers line.
    public var allowedSignersLine: String { "\(principal) \(publicKey)" }

    /// The checksum an `Approve-Migration` trailer names for a migration file with this text.
    public static func migrationChecksum(_ text: String) -> String {
        MigrationScript.checksum(bytes: Array(text.utf8))
    }

    /// Writes an allowed_signers file listing `keys` (one line each) to `path`.
    public static func writeAllowedSigners(_ keys: [ScratchSigningKey], to path: String) throws {
        try (keys.map(\.allowedSignersLine).joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }
}

extension ScratchRepository {
    /// Commits like `commit(_:message:)`, signed with `key` (git runs `ssh-keygen -Y sign`); `nil` = unsigned.
    @discardableResult
    public func commit(_ files: [String: String?], message: String = "change", signedBy key: ScratchSigningKey?) throws -> String {
        signingKey = key?.privateKey
        defer { signingKey = nil }
        return try commit(files, message: message)
    }

    /// A forgery: the commit object of `sha` with `original` replaced by `replacement` in its text (message or
    /// headers) and its `gpgsig` header kept, written with `git hash-object -t commit -w` and made the branch tip.
    /// Its signature no longer matches its content.
    @discardableResult
    public func forge(from sha: String, replacing original: String, with replacement: String,
                      branch: String = "main") throws -> String {
        let object = try run(["cat-file", "commit", sha])
        guard object.contains(original) else {
            throw TestEnvironment.Missing(description: "commit \(sha) does not contain \"\(original)\"")
        }
        let file = NSTemporaryDirectory() + "enginesync-forged-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: file) }
        try object.replacingOccurrences(of: original, with: replacement).write(toFile: file, atomically: true, encoding: .utf8)
        let forged = try output(["hash-object", "-t", "commit", "-w", file])
        try run(["update-ref", "refs/heads/\(branch)", forged])
        return forged
    }
}
