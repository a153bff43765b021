import EngineSync
import EngineSyncCore
import Foundation

/// Builds `TrustSettings` from the four trust keys (issue 15) for the daemon's loader and the one-shot
/// commands alike: reads and parses the signers files (a malformed line is an error naming file and line) and
/// finds the verifier tools on `PATH`, so a problem stops start-up instead of every reconcile.
enum TrustSettingsBuilder {
    /// A problem with one key's value: the key and one line for the operator.
    struct Problem: Error {
        var key: String
        var message: String
    }

    static func build(
        require: Bool, allowedSignersFile: String?, approversFile: String?, keyringFile: String?,
        environment: [String: String]
    ) throws(Problem) -> TrustSettings {
        var settings = TrustSettings(requireSignedCommits: require)
        if let path = allowedSignersFile {
            settings.allowedSigners = try readSigners(path, key: "allowed_signers_file")
        }
        if let path = approversFile {
            settings.migrationApprovers = try readSigners(path, key: "migration_approvers_file")
        }
        if let path = keyringFile {
            guard let keyring = keyringPath(path) else {
                throw Problem(key: "gpg_keyring_file", message: "cannot read \(path)")
            }
            settings.gpgKeyringFile = keyring
        }
        try complete(&settings, environment: environment)
        return settings
    }

    /// The keyring's absolute path when it is readable (gpgv looks a relative name up in its home directory).
    static func keyringPath(_ path: String) -> String? {
        guard FileManager.default.isReadableFile(atPath: path) else { return nil }
        return URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// What the keys need together: a signers file (or keyring) when signatures are required, and the verifier
    /// tools on `PATH` for the files that are set.
    static func complete(_ settings: inout TrustSettings, environment: [String: String]) throws(Problem) {
        if settings.requireSignedCommits, settings.allowedSigners == nil, settings.gpgKeyringFile == nil {
            throw Problem(
                key: "allowed_signers_file",
                message: "missing: require_signed_commits is set; name the "
                    + "allowed_signers file listing the keys that may sign (ENGINESYNC_ALLOWED_SIGNERS_FILE, "
                    + "--allowed-signers-file), or a gpg_keyring_file for OpenPGP signatures")
        }
        if settings.gpgKeyringFile != nil {
            guard let gpgv = findTool("gpgv", environment: environment) else {
                throw Problem(
                    key: "gpg_keyring_file",
                    message: "gpgv is not on PATH (install gnupg's gpgv to verify OpenPGP signatures)")
            }
            settings.gpgvPath = gpgv
        }
        if settings.allowedSigners != nil || settings.migrationApprovers != nil {
            guard let sshKeygen = findTool("ssh-keygen", environment: environment) else {
                throw Problem(
                    key: settings.allowedSigners != nil ? "allowed_signers_file" : "migration_approvers_file",
                    message: "ssh-keygen is not on PATH (install openssh-client to verify SSH signatures)")
            }
            settings.sshKeygenPath = sshKeygen
        }
    }

    static func readSigners(_ path: String, key: String) throws(Problem) -> AllowedSigners {
        do {
            return try TrustSettings.readSigners(path)
        } catch {
            throw Problem(key: key, message: error.message)
        }
    }

    /// The first executable `name` on the environment's `PATH` (else the usual system directories).
    static func findTool(_ name: String, environment: [String: String]) -> String? {
        let path = environment["PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where directory.hasPrefix("/") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Parses a boolean the way the loader does (true/yes/on/1, false/no/off/0).
    static func boolean(_ value: String) -> Bool? {
        switch value.lowercased() {
        case "true", "yes", "on", "1": true
        case "false", "no", "off", "0": false
        default: nil
        }
    }
}
