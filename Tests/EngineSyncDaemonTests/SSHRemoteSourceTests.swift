import EngineSync
import EngineSyncCommands
import EngineSyncDaemon
import EngineSyncTestSupport
import Foundation
import Logging
import Testing

/// The daemon's remote source over ssh, from configuration keys to a fetched mirror, against a real sshd
/// (no database: `checkSource` fetches and resolves the tip only).
@Suite("Daemon: an ssh remote from ssh_key_file and ssh_known_hosts_file", .serialized)
struct SSHRemoteSourceTests {
    @Test func theConfiguredKeyAndKnownHostsFetchTheTip() throws {
        let server = try ScratchSSHServer()
        let upstream = try ScratchRepository()
        let commit = try upstream.commit(["README.md": "x"])
        let bare = try ScratchRepository(bare: true)
        try upstream.run(["push", "--quiet", bare.path, "main"])
        let state = try TemporaryDirectory()
        func reconciler(knownHosts: String) throws -> DaemonReconciler {
            let configuration = try DaemonConfigurationLoader(
                flags: ["remote": server.url(path: bare.path), "state_dir": state.path],
                environment: [
                    "ENGINESYNC_SSH_KEY_FILE": server.clientKeyFile, "ENGINESYNC_SSH_KNOWN_HOSTS_FILE": knownHosts,
                ],
                defaultConfigPath: state.path + "/absent.yaml"
            ).load()
            #expect(configuration.usesSSH)
            return DaemonReconciler(configuration: configuration, logger: Logger(label: "test"))
        }
        let wrong = state.path + "/known_hosts_wrong"
        let other = try ScratchSSHServer.generateKey(in: server.directory, name: "other-host")
        try "[127.0.0.1]:\(server.port) \(other.publicKey)\n".write(toFile: wrong, atomically: true, encoding: .utf8)
        let refused = try reconciler(knownHosts: wrong).checkSource()
        #expect(refused.contains("fetch from ssh://"), "\(refused)")
        #expect(refused.contains("host key of [127.0.0.1]:\(server.port) does not match"), "\(refused)")

        let status = try reconciler(knownHosts: server.knownHostsFile).checkSource()
        #expect(status == "tip \(commit.prefix(12)) of main, reconciling", "\(status)\nsshd log:\n\(server.log)")
    }
}
