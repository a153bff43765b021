import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The tests' long-running helper servers (sshd, etcd, Patroni): started with `posix_spawn`, watched and reaped
/// with `waitpid`, on free 127.0.0.1 ports.
///
/// Not Foundation's `Process`: it watches a child's exit through a descriptor the child inherits, so a server
/// that closes every inherited descriptor (sshd) blocks its monitor thread in `waitpid`, and one that passes it
/// on to a long-lived grandchild (a postmaster) keeps `waitUntilExit` from returning. The spawned server gets
/// no descriptor of the test process but its standard streams (`closefrom` 3): it must not hold another
/// test's pipes or `Process` descriptors open while the parallel tests run.
enum SpawnedProcess {
    /// Starts `arguments[0]` (an absolute path) with stdin from /dev/null and stdout and stderr appended to `log`;
    /// `environment` (`KEY=value`), or this process's environment.
    static func spawn(_ arguments: [String], log: String, environment: [String]? = nil) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }
        let cArguments = arguments.map { strdup($0) } + [nil]
        defer { for argument in cArguments { free(argument) } }
        var pid: pid_t = 0
        let code: Int32
        if let environment {
            let cEnvironment = environment.map { strdup($0) } + [nil]
            defer { for variable in cEnvironment { free(variable) } }
            code = posix_spawn(&pid, arguments[0], &actions, nil, cArguments, cEnvironment)
        } else {
            code = posix_spawn(&pid, arguments[0], &actions, nil, cArguments, environ)
        }
        guard code == 0 else {
            throw TestEnvironment.Missing(
                description: "cannot start \(arguments[0]): \(String(cString: strerror(code)))")
        }
        return pid
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), looked up at run time: Swift's Glibc
    /// module leaves out the GNU declarations.
    private static let addCloseFrom:
        (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
            guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
            return unsafeBitCast(
                symbol,
                to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
        }()

    /// Whether a child of this process is still running (reaps it when it has exited).
    static func isRunning(_ pid: pid_t) -> Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == 0
    }

    /// SIGTERM, up to 2 s to exit, then SIGKILL; reaps the child.
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

    /// SIGKILL and reap a child at once.
    static func kill9(_ pid: pid_t) {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    /// A port the kernel just handed out on 127.0.0.1 (closed again; the server binds it right after).
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

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    static func isListening(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
