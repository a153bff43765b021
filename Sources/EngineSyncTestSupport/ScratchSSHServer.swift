import Foundation

/// A throwaway OpenSSH server on a free 127.0.0.1 port, serving git over ssh to tests.
///
/// Everything lives in one temporary directory: a fresh ed25519 host key, a client key that is the only
/// entry of `AuthorizedKeysFile`, the config, pid file and sshd's log. It runs `sshd -D -e` as the current
/// user (root in CI: `PermitRootLogin prohibit-password`), so `ssh://<user>@127.0.0.1:<port>/<absolute path>`
/// reaches any repository that user can read. Without `/usr/sbin/sshd` the test fails, never skips
/// (scripts/ensure-packages.sh installs openssh-server).
public final class ScratchSSHServer: @unchecked Sendable {
    public let directory: String
    public let port: Int
    /// The login user: the current user (root in CI).
    public let user: String
    /// The private key authorised on the server.
    public let clientKeyFile: String
    /// A known_hosts file listing this server's host key as `[127.0.0.1]:<port>`.
    public let knownHostsFile: String
    /// The host key as `ssh-ed25519 AAAA…` (known_hosts fields 2 and 3).
    public let hostPublicKey: String
    /// sshd's pid; 0 once stopped.
    private var pid: pid_t

    public static let sshd = "/usr/sbin/sshd"

    public init() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.sshd) else {
            throw TestEnvironment.Missing(
                description: """
                    this test needs \(Self.sshd): install openssh-server (scripts/ensure-packages.sh does, via scripts/test.sh)
                    """)
        }
        directory = NSTemporaryDirectory() + "enginesync-sshd-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        user = String(cString: getpwuid(getuid()).pointee.pw_name)
        let hostKey = try Self.generateKey(in: directory, name: "host_ed25519")
        hostPublicKey = hostKey.publicKey
        let client = try Self.generateKey(in: directory, name: "client_ed25519")
        clientKeyFile = client.privateKeyFile
        try (client.publicKey + "\n").write(toFile: directory + "/authorized_keys", atomically: true, encoding: .utf8)
        // sshd refuses to start as root without its privilege separation directory.
        if getuid() == 0 {
            try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        }

        var lastError = ""
        for _ in 0..<5 {
            let port = try SpawnedProcess.freePort()
            let config = """
                Port \(port)
                ListenAddress 127.0.0.1
                HostKey \(hostKey.privateKeyFile)
                PidFile \(directory)/sshd.pid
                AuthorizedKeysFile \(directory)/authorized_keys
                PermitRootLogin prohibit-password
                PubkeyAuthentication yes
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                StrictModes no
                UsePAM no
                LogLevel VERBOSE

                """
            let configFile = directory + "/sshd_config"
            try config.write(toFile: configFile, atomically: true, encoding: .utf8)
            let logFile = directory + "/sshd.log"
            let pid = try SpawnedProcess.spawn([Self.sshd, "-D", "-e", "-f", configFile], log: logFile)
            if Self.waitUntilListening(port: port, pid: pid) {
                self.port = port
                self.pid = pid
                knownHostsFile = directory + "/known_hosts"
                try "[127.0.0.1]:\(port) \(hostPublicKey)\n".write(
                    toFile: knownHostsFile, atomically: true, encoding: .utf8)
                return
            }
            if SpawnedProcess.isRunning(pid) { SpawnedProcess.terminate(pid) }
            lastError = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        }
        try? FileManager.default.removeItem(atPath: directory)
        throw TestEnvironment.Missing(description: "sshd did not start: \(lastError)")
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Stops sshd (the listener; sessions end with their client).
    public func stop() {
        if pid > 0, SpawnedProcess.isRunning(pid) { SpawnedProcess.terminate(pid) }
        pid = 0
    }

    /// `ssh://user@127.0.0.1:port/<path>`.
    public func url(path: String) -> String {
        "ssh://\(user)@127.0.0.1:\(port)\(path.hasPrefix("/") ? "" : "/")\(path)"
    }

    /// What sshd logged so far (authentication results), for failure messages.
    public var log: String { (try? String(contentsOfFile: directory + "/sshd.log", encoding: .utf8)) ?? "" }

    /// A new unencrypted ed25519 key pair in `directory`; `publicKey` is `ssh-ed25519 AAAA… comment`.
    public static func generateKey(in directory: String, name: String) throws -> (
        privateKeyFile: String, publicKey: String
    ) {
        let file = directory + "/" + name
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-keygen")
        process.arguments = ["-q", "-t", "ed25519", "-N", "", "-C", "enginesync-test-\(name)", "-f", file]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let publicKey = try? String(contentsOfFile: file + ".pub", encoding: .utf8)
        else {
            throw TestEnvironment.Missing(description: "ssh-keygen failed (install openssh-client)")
        }
        return (file, publicKey.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Polls a TCP connect for up to 10 s while sshd keeps running.
    static func waitUntilListening(port: Int, pid: pid_t) -> Bool {
        for _ in 0..<200 {
            guard SpawnedProcess.isRunning(pid) else { return false }
            if SpawnedProcess.isListening(port: port) { return true }
            usleep(50_000)
        }
        return false
    }
}
