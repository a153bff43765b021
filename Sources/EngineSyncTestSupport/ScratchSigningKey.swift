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
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true,
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
            throw TestEnvironment.Missing(
                description: "ssh-keygen could not generate a key (status \(process.terminationStatus))")
        }
        publicKey = try String(contentsOfFile: privateKey + ".pub", encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines)
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
        try (keys.map(\.allowedSignersLine).joined(separator: "\n") + "\n").write(
            toFile: path, atomically: true, encoding: .utf8)
    }
}

extension ScratchRepository {
    /// Commits like `commit(_:message:)`, signed with `key` (git runs `ssh-keygen -Y sign`); `nil` = unsigned.
    @discardableResult
    public func commit(_ files: [String: String?], message: String = "change", signedBy key: ScratchSigningKey?) throws
        -> String
    {
        signingKey = key?.privateKey
        defer { signingKey = nil }
        return try commit(files, message: message)
    }

    /// A forgery: the commit object of `sha` with `original` replaced by `replacement` in its text (message or
    /// headers) and its `gpgsig` header kept, written with `git hash-object -t commit -w` and made the branch tip.
    /// Its signature no longer matches its content.
    @discardableResult
    public func forge(
        from sha: String, replacing original: String, with replacement: String,
        branch: String = "main"
    ) throws -> String {
        let object = try run(["cat-file", "commit", sha])
        guard object.contains(original) else {
            throw TestEnvironment.Missing(description: "commit \(sha) does not contain \"\(original)\"")
        }
        let file = NSTemporaryDirectory() + "enginesync-forged-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: file) }
        try object.replacingOccurrences(of: original, with: replacement).write(
            toFile: file, atomically: true, encoding: .utf8)
        let forged = try output(["hash-object", "-t", "commit", "-w", file])
        try run(["update-ref", "refs/heads/\(branch)", forged])
        return forged
    }
}

/// A real OpenPGP key in a private GnuPG home, made with `gpg --quick-gen-key`, and its public keyring exported
/// for `gpg_keyring_file` (issue 15). The gpg-agent git starts for signing is stopped on deinit.
public final class ScratchOpenPGPKey: @unchecked Sendable {
    public let home: String
    /// The exported public keyring (what `gpg_keyring_file` names).
    public let keyring: String
    public let userID: String
    public let email: String

    public init(name: String, email: String) throws {
        guard
            let gpg = ["/usr/bin/gpg", "/usr/local/bin/gpg", "/bin/gpg"].first(
                where: FileManager.default.isExecutableFile)
        else {
            throw TestEnvironment.Missing(description: "this test needs gpg (apt-get install -y gnupg)")
        }
        self.email = email
        userID = "\(name) <\(email)>"
        // Short: gpg-agent's socket lives in the home directory, and socket paths are limited to 108 bytes.
        home = "/tmp/es-gpg-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(
            atPath: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        keyring = home + "/trustedkeys.gpg"
        try Self.run(
            gpg, ["--batch", "--passphrase", "", "--quick-gen-key", userID, "ed25519", "sign", "never"], home: home)
        let exported = try Self.run(gpg, ["--export", email], home: home)
        try exported.write(to: URL(fileURLWithPath: keyring))
    }

    deinit {
        _ = try? Self.run("/usr/bin/gpgconf", ["--kill", "gpg-agent"], home: home)
        try? FileManager.default.removeItem(atPath: home)
    }

    /// The environment git needs to sign with this key.
    public var environment: [String: String] { ["GNUPGHOME": home] }

    @discardableResult
    static func run(_ tool: String, _ arguments: [String], home: String) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["GNUPGHOME": home]) { $1 }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestEnvironment.Missing(
                description: "\(tool) \(arguments.first ?? "") failed (status \(process.terminationStatus))")
        }
        return data
    }
}
