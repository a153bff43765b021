import EngineSyncCore
import EngineSyncDaemon
import Foundation
import Testing

@testable import EngineSync
@testable import EngineSyncCommands

/// The trust keys (issue 15) through file, environment and flags, and their start-up errors.
@Suite struct TrustConfigurationTests {
    static let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAII5aK0Bdl8bNwaYPPmknHB6syaW9Ykzzz1/VtD4I8+k8"
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory() }

    func file(_ name: String, _ text: String) throws -> String {
        let path = directory.path + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func load(_ yaml: String, env: [String: String] = [:], flags: [String: String] = [:]) throws -> DaemonConfiguration
    {
        try DaemonConfigurationLoader(
            configPath: try file("enginesync.yaml", yaml), flags: flags,
            environment: env.merging(["PATH": "/usr/bin:/bin"]) { $1 },
            defaultConfigPath: directory.path + "/absent.yaml"
        ).load()
    }

    @Test func fileEnvironmentAndFlagsSetTheTrustKeys() throws {
        let signers = try file("allowed_signers", "alice@example.com \(Self.key)\n")
        let approvers = try file("approvers", "# DBAs\ndba@example.com \(Self.key)\n")
        let off = try load("repo: /srv/git/schema.git\n")
        #expect(!off.trust.isActive)
        #expect(off.redactedDescription.contains("require_signed_commits=false allowed_signers_file=off"))

        let fromFile = try load(
            "repo: /srv/git/schema.git\nrequire_signed_commits: true\nallowed_signers_file: \(signers)\n")
        #expect(fromFile.trust.requireSignedCommits)
        #expect(fromFile.trust.allowedSigners?.entries.map(\.principals) == [["alice@example.com"]])
        #expect(fromFile.trust.sshKeygenPath.hasSuffix("/ssh-keygen"))
        #expect(fromFile.redactedDescription.contains("allowed_signers_file=\(signers) (1 keys)"))
        #expect(fromFile.reconcilerOptions.trust == fromFile.trust)

        let fromEnvironment = try load(
            "repo: /srv/git/schema.git\n",
            env: [
                "ENGINESYNC_REQUIRE_SIGNED_COMMITS": "yes", "ENGINESYNC_ALLOWED_SIGNERS_FILE": signers,
                "ENGINESYNC_MIGRATION_APPROVERS_FILE": approvers,
            ])
        #expect(fromEnvironment.trust.requireSignedCommits)
        #expect(fromEnvironment.trust.migrationApprovers?.entries.first?.line == 2)

        let fromFlags = try load(
            "repo: /srv/git/schema.git\nrequire_signed_commits: true\nallowed_signers_file: \(signers)\n",
            flags: ["require_signed_commits": "false"])
        #expect(!fromFlags.trust.requireSignedCommits)

        // A reload that changed only the file's text is a different configuration (SIGHUP replaces it).
        try "alice@example.com \(Self.key)\nbob@example.com \(Self.key)\n".write(
            toFile: signers, atomically: true, encoding: .utf8)
        let reloaded = try load(
            "repo: /srv/git/schema.git\nrequire_signed_commits: true\nallowed_signers_file: \(signers)\n")
        #expect(reloaded != fromFile)
    }

    @Test func badTrustSettingsAreStartUpErrorsNamingKeyFileAndLine() throws {
        let malformed = try file("bad_signers", "alice@example.com \(Self.key)\n\nbob@example.com ssh-ed25519\n")
        #expect {
            try load("repo: /srv/git/schema.git\nmigration_approvers_file: \(malformed)\n")
        } throws: { error in
            "\(error)".contains(
                "migration_approvers_file: \(malformed):3: expected \"principals [options] key-type base64-key\"")
        }
        #expect {
            try load(
                "repo: /srv/git/schema.git\n", env: ["ENGINESYNC_ALLOWED_SIGNERS_FILE": directory.path + "/missing"])
        } throws: { error in
            "\(error)" == "ENGINESYNC_ALLOWED_SIGNERS_FILE: cannot read \(directory.path)/missing"
        }
        // An empty (or comment-only) file would make every commit untrusted: a truncated file, not a policy.
        let empty = try file("empty_signers", "# no keys yet\n\n")
        #expect {
            try load("repo: /srv/git/schema.git\nrequire_signed_commits: true\nallowed_signers_file: \(empty)\n")
        } throws: { error in
            "\(error)".contains("allowed_signers_file: \(empty) lists no key")
        }
        #expect {
            try load("repo: /srv/git/schema.git\nrequire_signed_commits: maybe\n")
        } throws: { error in
            "\(error)".contains("require_signed_commits: expected true or false")
        }
        #expect {
            try load("repo: /srv/git/schema.git\ngpg_keyring_file: \(directory.path)/none.gpg\n")
        } throws: { error in
            "\(error)".contains("gpg_keyring_file: cannot read")
        }
    }
}
