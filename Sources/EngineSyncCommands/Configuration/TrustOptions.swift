import ArgumentParser
import EngineSync
import Foundation

/// The trust flags of `sync`, `plan` and `validate` (issue 15), each falling back to its `ENGINESYNC_*`
/// variable as the daemon reads it (the one-shot commands read no configuration file).
struct TrustOptions: ParsableArguments {
    @Flag(
        name: .customLong("require-signed-commits"),
        help: "Refuse (untrusted, exit 1) a commit not signed by a key in --allowed-signers-file.")
    var requireSignedCommits = false

    @Option(
        name: .customLong("allowed-signers-file"),
        help: ArgumentHelp("OpenSSH allowed_signers file of the keys that may sign commits.", valueName: "path"))
    var allowedSignersFile: String?

    @Option(
        name: .customLong("migration-approvers-file"),
        help: ArgumentHelp(
            "allowed_signers file of the keys that approve migrations; unapproved ones wait.", valueName: "path"))
    var migrationApproversFile: String?

    @Option(
        name: .customLong("gpg-keyring-file"),
        help: ArgumentHelp(
            "OpenPGP keyring for gpgv; without it OpenPGP signatures are unverifiable.", valueName: "path"))
    var gpgKeyringFile: String?

    /// Whether any trust flag or `ENGINESYNC_*` trust variable is given (`status` otherwise takes the
    /// configuration file's).
    func isSpecified(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        requireSignedCommits || allowedSignersFile != nil || migrationApproversFile != nil || gpgKeyringFile != nil
            || ["require_signed_commits", "allowed_signers_file", "migration_approvers_file", "gpg_keyring_file"]
                .contains { !(environment[DaemonConfigurationLoader.environmentVariable(for: $0)] ?? "").isEmpty }
    }

    /// The settings, flags first, then the environment; a bad value or file is a usage error naming it.
    func settings(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> TrustSettings {
        func variable(_ key: String) -> String? {
            environment[DaemonConfigurationLoader.environmentVariable(for: key)].flatMap { $0.isEmpty ? nil : $0 }
        }
        var require = requireSignedCommits
        if !require, let value = variable("require_signed_commits") {
            guard let parsed = TrustSettingsBuilder.boolean(value) else {
                throw ValidationError("ENGINESYNC_REQUIRE_SIGNED_COMMITS: expected true or false, got \"\(value)\"")
            }
            require = parsed
        }
        do throws(TrustSettingsBuilder.Problem) {
            return try TrustSettingsBuilder.build(
                require: require, allowedSignersFile: allowedSignersFile ?? variable("allowed_signers_file"),
                approversFile: migrationApproversFile ?? variable("migration_approvers_file"),
                keyringFile: gpgKeyringFile ?? variable("gpg_keyring_file"), environment: environment)
        } catch {
            throw ValidationError("\(DaemonConfigurationLoader.flagName(for: error.key)): \(error.message)")
        }
    }
}
