import Foundation
import PostgresClient

#if canImport(Glibc)
    import Glibc
#endif

/// A PostgreSQL cluster of one test's own, for tests that stop and start the server or promote a standby (the
/// shared scratch cluster and its standby must stay as they are for the tests running in parallel).
///
/// `initdb` into a temporary directory, unix socket in that directory only (so any port is free), run
/// as `postgres` through `runuser` when the test runs as root (the server refuses root), like
/// `scripts/scratch-postgres.sh`. Stopped and removed in `deinit`. Without the server binaries the
/// initialiser throws: the test fails, it never skips.
///
/// The server is a direct child (`postgres`, not `pg_ctl start`): Foundation's `Process` learns that a
/// child exited when every holder of a socket it hands the child is gone, and `pg_ctl start` would pass
/// that socket on to the postmaster, so waiting for `pg_ctl` would never end.
public final class PrivatePostgresCluster: @unchecked Sendable {
    public let directory: String
    public let port: String
    public let user = "postgres"
    private let binaries: String
    private let runAsPostgres: Bool
    private var server: Process?

    /// A new primary: `initdb`, then started.
    public convenience init() throws {
        try self.init(standbyOf: nil)
    }

    /// With `primary`: a hot standby of it, streaming (`pg_basebackup -R` over the primary's socket; initdb's
    /// `local replication all trust` allows it), until `promote()`. Without: a new primary.
    public init(standbyOf primary: PrivatePostgresCluster?) throws {
        binaries = ProcessInfo.processInfo.environment["PG_BIN"] ?? "/usr/lib/postgresql/15/bin"
        guard FileManager.default.isExecutableFile(atPath: binaries + "/initdb") else {
            throw TestEnvironment.Missing(
                description: "this test needs the PostgreSQL 15 server binaries in \(binaries) "
                    + "(scripts/test.sh installs them)")
        }
        runAsPostgres = getuid() == 0
        // Short: the socket path (directory + "/.s.PGSQL.<port>") must fit in sockaddr_un.
        directory = "/tmp/es-pg-" + UUID().uuidString.prefix(8).lowercased()
        port = String(Int.random(in: 20000..<60000))
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        if runAsPostgres { try ShortLivedTool.run("/bin/chown", ["postgres:", directory]) }
        if let primary {
            try execute(
                binaries + "/pg_basebackup",
                [
                    "-h", primary.directory, "-p", primary.port, "-U", user, "-D", directory + "/data", "-R",
                    "-X", "stream", "--no-sync",
                ])
        } else {
            try execute(
                binaries + "/initdb",
                [
                    "-D", directory + "/data", "-U", user, "--auth=trust", "-E", "UTF8",
                    "--locale=C.UTF-8", "--no-sync",
                ])
        }
        try start()
    }

    deinit {
        if server?.isRunning == true {
            _ = try? execute(binaries + "/pg_ctl", ["-D", directory + "/data", "-m", "immediate", "-w", "stop"])
            server?.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Starts the server and waits until it accepts connections.
    public func start() throws {
        let process = Process()
        let command = [
            binaries + "/postgres", "-D", directory + "/data", "-p", port, "-k", directory,
            "-c", "listen_addresses=", "-c", "fsync=off",
        ]
        process.executableURL = URL(fileURLWithPath: runAsPostgres ? "/usr/sbin/runuser" : command[0])
        process.arguments = runAsPostgres ? ["-u", "postgres", "--"] + command : Array(command.dropFirst())
        let log = directory + "/server.log"
        if !FileManager.default.fileExists(atPath: log) {
            _ = FileManager.default.createFile(atPath: log, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        _ = handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        server = process
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if (try? PostgresConnection.connect(PostgresConfiguration(dsn: dsn(), connectTimeoutSeconds: 2))) != nil {
                return
            }
            guard process.isRunning else { break }
            usleep(100_000)
        }
        throw TestEnvironment.Missing(
            description: "the private PostgreSQL cluster in \(directory) did not start: "
                + ((try? String(contentsOfFile: log, encoding: .utf8)) ?? ""))
    }

    /// A fast shutdown: sessions are disconnected, the next connection attempt is refused.
    public func stop() throws {
        try execute(binaries + "/pg_ctl", ["-D", directory + "/data", "-m", "fast", "-w", "stop"])
        server?.waitUntilExit()
    }

    /// Ends recovery on a standby (`pg_ctl promote`, waiting until the server accepts writes).
    public func promote() throws {
        try execute(binaries + "/pg_ctl", ["-D", directory + "/data", "-w", "-t", "60", "promote"])
    }

    public func dsn(database: String = "postgres") -> String {
        "host=\(directory) port=\(port) user=\(user) dbname=\(database)"
    }

    /// Runs a server tool (never one that leaves a process behind) as `postgres`.
    private func execute(_ executable: String, _ arguments: [String]) throws {
        if runAsPostgres {
            try ShortLivedTool.run("/usr/sbin/runuser", ["-u", "postgres", "--", executable] + arguments)
        } else {
            try ShortLivedTool.run(executable, arguments)
        }
    }
}
