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
            let port = try Self.freePort()
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
            let pid = try Self.spawn([Self.sshd, "-D", "-e", "-f", configFile], log: logFile)
            if Self.waitUntilListening(port: port, pid: pid) {
                self.port = port
                self.pid = pid
                knownHostsFile = directory + "/known_hosts"
                try "[127.0.0.1]:\(port) \(hostPublicKey)\n".write(
                    toFile: knownHostsFile, atomically: true, encoding: .utf8)
                return
            }
            if Self.isRunning(pid) { Self.terminate(pid) }
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
        if pid > 0, Self.isRunning(pid) { Self.terminate(pid) }
        pid = 0
    }

    /// sshd is started with posix_spawn, not Foundation's Process: sshd closes every inherited descriptor,
    /// including the one Process watches for the child's exit, and Process then blocks its monitor thread in
    /// waitpid(sshd), which stalls every later Process (git) in the test.
    static func spawn(_ arguments: [String], log: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let cArguments = arguments.map { strdup($0) } + [nil]
        defer { for argument in cArguments { free(argument) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, arguments[0], &actions, nil, cArguments, environ)
        guard code == 0 else {
            throw TestEnvironment.Missing(
                description: "cannot start \(arguments[0]): \(String(cString: strerror(code)))")
        }
        return pid
    }

    static func isRunning(_ pid: pid_t) -> Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == 0
    }

    static func terminate(_ pid: pid_t) {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        for _ in 0..<100 {
            if waitpid(pid, &status, WNOHANG) != 0 { return }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
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

    /// A port the kernel just handed out on 127.0.0.1 (closed again; sshd binds it right after).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestEnvironment.Missing(description: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw TestEnvironment.Missing(description: "cannot bind a localhost port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Polls a TCP connect for up to 10 s while sshd keeps running.
    static func waitUntilListening(port: Int, pid: pid_t) -> Bool {
        for _ in 0..<200 {
            guard isRunning(pid) else { return false }
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            close(fd)
            if connected { return true }
            usleep(50_000)
        }
        return false
    }
}
