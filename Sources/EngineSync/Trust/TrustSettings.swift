public import EngineSyncCore
import Foundation

/// Who may change the database (issue 15): `require_signed_commits`, the signers files and the verifier tools.
///
/// Built in the Commands module (files parsed there, so a malformed file is a start-up error naming its line)
/// and passed down as a value; a SIGHUP reload builds a new one. Equatable with the files' contents, so a
/// reload that changed only a file's text still replaces the configuration.
public struct TrustSettings: Sendable, Equatable {
    /// `require_signed_commits`: a tip whose signature is missing, invalid or by an unknown key is `untrusted`.
    public var requireSignedCommits = false
    /// `allowed_signers_file`: the keys whose signatures make a commit trusted.
    public var allowedSigners: AllowedSigners?
    /// `migration_approvers_file`: the keys that approve migrations; `nil` runs every migration.
    public var migrationApprovers: AllowedSigners?
    /// `gpg_keyring_file`: OpenPGP signatures are checked with gpgv against it; `nil` makes them unverifiable.
    public var gpgKeyringFile: String?
    /// Absolute paths of the verifier tools (resolved from `PATH` by the Commands module).
    public var sshKeygenPath = "/usr/bin/ssh-keygen"
    public var gpgvPath = "/usr/bin/gpgv"
    /// Each verifier run is killed after this long.
    public var verifierTimeout: Duration = .seconds(10)
    /// How many commits of the branch are searched for a migration's last change and approval trailers.
    public var historyLimit = 10_000

    public init(
        requireSignedCommits: Bool = false, allowedSigners: AllowedSigners? = nil,
        migrationApprovers: AllowedSigners? = nil, gpgKeyringFile: String? = nil
    ) {
        self.requireSignedCommits = requireSignedCommits
        self.allowedSigners = allowedSigners
        self.migrationApprovers = migrationApprovers
        self.gpgKeyringFile = gpgKeyringFile
    }

    /// Whether anything is checked at all (otherwise no verifier ever runs).
    public var isActive: Bool {
        requireSignedCommits || allowedSigners != nil || migrationApprovers != nil || gpgKeyringFile != nil
    }

    /// A signers file as the start-up log shows it: its path and how many keys, never the keys.
    package static func describe(_ signers: AllowedSigners?) -> String {
        signers.map { "\($0.file) (\($0.entries.count) keys)" } ?? "off"
    }

    /// Reads and parses an allowed_signers file; the problem names the file (and the line, when malformed).
    package static func readSigners(_ path: String) throws(FileProblem) -> AllowedSigners {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FileProblem(message: "cannot read \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw FileProblem(message: "\(path) is not UTF-8 text")
        }
        let signers: AllowedSigners
        do {
            signers = try AllowedSigners.parse(text, file: path)
        } catch {
            throw FileProblem(
                message: "\(error) (OpenSSH allowed_signers format: principals [options] key-type base64-key)")
        }
        // An empty file (or only comments) trusts no key: every commit would be untrusted, every migration
        // unapproved — a truncated or wrong file, not a policy.
        guard !signers.entries.isEmpty else {
            throw FileProblem(
                message: "\(path) lists no key (OpenSSH allowed_signers format: principals [options] key-type "
                    + "base64-key); no commit or migration could be trusted")
        }
        return signers
    }

    /// An unreadable or malformed signers file, as one line for the start-up error.
    package struct FileProblem: Error {
        package var message: String
    }
}
