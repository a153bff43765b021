import EngineSyncTestSupport
import Foundation
import PostgresClient
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The daemon as systemd runs it: the real binary, a real bare repository receiving pushes, a real
/// database, and a datagram socket standing in for systemd's notify socket.
@Suite("enginesync run", .serialized)
struct DaemonProcessTests {
    static let post = #"{"fields": {"title": {"type": "string", "length": 50}, "body": {"type": "text"}}}"#

    /// A bare repository to push to and a work tree to commit in.
    final class Remote: @unchecked Sendable {
        let bare: ScratchRepository
        let work: ScratchRepository
        init() throws {
            bare = try ScratchRepository(bare: true)
            work = try ScratchRepository()
        }
        @discardableResult
        func push(_ files: [String: String?], message: String = "change", force: Bool = false) throws -> String {
            let sha = try work.commit(files, message: message)
            try work.run(["push", "--quiet"] + (force ? ["--force"] : []) + [bare.path, "HEAD:refs/heads/main"])
            return sha
        }
    }

    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "enginesync-state-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        // An explicit, empty configuration: a machine with enginesync installed must not leak into tests.
        try "".write(toFile: path + "/empty.yaml", atomically: true, encoding: .utf8)
        return path
    }

    @Test func runOnceUsesTheExitCodesOfSyncAndRestoresMissingReports() throws {
        try ScratchDatabase.with { database, _ in
            let remote = try Remote()
            let state = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: state) }
            let arguments = [
                "run", "--once", "--config", state + "/empty.yaml", "--repo", remote.bare.path, "--database",
                database.dsn, "--state-dir", state,
            ]
            let first = try remote.push(["dsl/models/post.json": Self.post], message: "create")
            let created = try EngineSyncBinary.run(arguments)
            #expect(created.status == 0, "\(created.stderr)")
            #expect(FileManager.default.fileExists(atPath: "\(state)/reports/\(first).json"))

            let narrowed = try remote.push([
                "dsl/models/post.json": #"{"fields": {"title": {"type": "string", "length": 10}}}"#
            ])
            #expect(try EngineSyncBinary.run(arguments).status == 2)

            // A README-only commit: same trees, the outcome and blocked list are carried over.
            let readme = try remote.push(["README.md": "docs"], message: "docs only")
            #expect(try EngineSyncBinary.run(arguments).status == 2)
            let report = try String(contentsOfFile: "\(state)/reports/\(readme).json", encoding: .utf8)
            #expect(report.contains("unchanged_trees"))
            #expect(report.contains("narrow_column"))
            #expect(report.contains("\"previous_commit\" : \"\(narrowed)\""))

            // A lost report file is rewritten from engine_reconciles at start-up.
            try FileManager.default.removeItem(atPath: "\(state)/reports/\(first).md")
            let idle = try EngineSyncBinary.run(arguments)
            #expect(idle.status == 2)
            #expect(idle.stdout.contains("already reconciled"))
            #expect(FileManager.default.fileExists(atPath: "\(state)/reports/\(first).md"))
            #expect(try String(contentsOfFile: "\(state)/reports/latest.json", encoding: .utf8).contains(readme))
        }
    }

    @Test func runOnceWritesTheMetricsFileAndTheJournalSaysWhyACommitIsInvalid() throws {
        try ScratchDatabase.with { database, _ in
            let remote = try Remote()
            let state = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: state) }
            let metrics = state + "/enginesync.prom"
            let arguments = [
                "run", "--once", "--config", state + "/empty.yaml", "--repo", remote.bare.path,
                "--database", database.dsn, "--state-dir", state, "--metrics-file", metrics,
            ]
            let first = try remote.push(["dsl/models/post.json": Self.post], message: "create")
            let synced = try EngineSyncBinary.run(arguments)
            #expect(synced.status == 0, "\(synced.stderr)")
            // The binary allocates with jemalloc (Package.swift: an idle daemon gives its last reconcile's memory back).
            #expect(synced.stderr.contains("memory.allocator=jemalloc"), "\(synced.stderr)")
            let written = try String(contentsOfFile: metrics, encoding: .utf8)
            #expect(written.contains(#"enginesync_last_reconcile_outcome{outcome="synced"} 1"#))
            #expect(written.contains(#"enginesync_info{commit="\#(first)"} 1"#))
            #expect(written.contains("enginesync_consecutive_failures 0"))

            try remote.push(
                ["dsl/models/post.json": #"{"fields": {"title": {"type": "string", "length": 50}}"#], message: "typo")
            let invalid = try EngineSyncBinary.run(arguments)
            #expect(invalid.status == 3, "\(invalid.stderr)")
            let line = invalid.stderr.split(separator: "\n").first { $0.contains("reconciled") }.map(String.init) ?? ""
            #expect(line.contains("reconcile.outcome=invalid"), "\(invalid.stderr)")
            #expect(line.contains("reconcile.error=") && line.contains("dsl/models/post.json"), "\(line)")
            #expect(line.contains("[json_syntax]"), "\(line)")
            #expect(
                try String(contentsOfFile: metrics, encoding: .utf8)
                    .contains(#"enginesync_last_reconcile_outcome{outcome="invalid"} 1"#))

            // A metrics path that cannot be written is a failure of the one-shot command, after the reconcile.
            try remote.push(["dsl/models/post.json": Self.post], message: "fixed")
            let unwritable = try EngineSyncBinary.run(arguments.dropLast() + [state + "/missing/dir/enginesync.prom"])
            #expect(unwritable.status == 1)
            #expect(unwritable.stderr.contains("cannot write the metrics file"), "\(unwritable.stderr)")
        }
    }

    @Test func runOnceWaitsForTheAdvisoryLockUpToLockWait() throws {
        try ScratchDatabase.with { database, connection in
            let remote = try Remote()
            let state = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: state) }
            let arguments = [
                "run", "--once", "--config", state + "/empty.yaml", "--repo", remote.bare.path, "--database",
                database.dsn,
                "--state-dir", state, "--lock-wait", "0s",
            ]
            try remote.push(["dsl/models/post.json": Self.post])
            // Another session holds the advisory lock every writer takes (EngineSyncLock.key, "enginesy").
            #expect(
                try connection.query("SELECT pg_try_advisory_lock(7308892947790263161) AS locked").first?.bool("locked")
                    == true)
            let skipped = try EngineSyncBinary.run(arguments)
            #expect(skipped.status == 1)
            #expect(skipped.stdout.contains(" skipped, "))
            #expect(skipped.stderr.contains("advisory lock"))
            #expect(skipped.stderr.contains("waited 0s"))
            try connection.query("SELECT pg_advisory_unlock(7308892947790263161)")
            let synced = try EngineSyncBinary.run(arguments)
            #expect(synced.status == 0, "\(synced.stderr)")
        }
    }

    @Test func forcePushIsReconciledWithAWarningOrRefused() throws {
        try ScratchDatabase.with { database, _ in
            let remote = try Remote()
            let state = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: state) }
            let arguments = [
                "run", "--once", "--config", state + "/empty.yaml", "--repo", remote.bare.path, "--database",
                database.dsn, "--state-dir", state,
            ]
            try remote.push(["dsl/models/post.json": Self.post])
            #expect(try EngineSyncBinary.run(arguments).status == 0)
            let second = try remote.push([
                "dsl/models/post.json": #"{"fields": {"title": {"type": "string", "length": 80}}}"#
            ])
            #expect(try EngineSyncBinary.run(arguments).status == 2)
            try remote.work.run(["reset", "--quiet", "--hard", "HEAD~1"])
            let rewritten = try remote.push(
                [
                    "dsl/models/post.json":
                        #"{"fields": {"title": {"type": "string", "length": 100}, "body": {"type": "text"}}}"#
                ],
                force: true)
            let refused = try EngineSyncBinary.run(arguments + ["--refuse-non-fast-forward"])
            #expect(refused.status == 3)
            #expect(
                try String(contentsOfFile: "\(state)/reports/\(rewritten).json", encoding: .utf8).contains(
                    "non_fast_forward"))
            let accepted = try EngineSyncBinary.run(arguments)
            #expect(
                accepted.status == 0,
                "\(accepted.stdout) \(accepted.stderr) \((try? String(contentsOfFile: "\(state)/reports/\(rewritten).md", encoding: .utf8)) ?? "")"
            )
            let report = try String(contentsOfFile: "\(state)/reports/\(rewritten).json", encoding: .utf8)
            #expect(report.contains("does not descend from the last reconciled commit \(String(second.prefix(12)))"))
        }
    }

    @Test func remoteSourceIsFetchedIntoAMirror() throws {
        try ScratchDatabase.with { database, connection in
            let remote = try Remote()
            let state = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: state) }
            let sha = try remote.push(["dsl/models/post.json": Self.post])
            let result = try EngineSyncBinary.run([
                "run", "--once", "--config", state + "/empty.yaml", "--remote", "file://" + remote.bare.path,
                "--database", database.dsn, "--state-dir", state,
            ])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(FileManager.default.fileExists(atPath: "\(state)/mirror.git/HEAD"))
            #expect(FileManager.default.fileExists(atPath: "\(state)/reports/\(sha).md"))
            #expect(
                try connection.query("SELECT to_regclass('public.post') IS NOT NULL AS present").first?.bool("present")
                    == true)
        }
    }

    @Test func badConfigurationFailsAtStartNamingTheKey() throws {
        let state = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let config = state + "/enginesync.yaml"
        try "repo: /srv/git/schema.git\npoll_intervall: 5s\n".write(toFile: config, atomically: true, encoding: .utf8)
        let unknown = try EngineSyncBinary.run(["run", "--config", config])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("poll_intervall"))
        try "repo: /srv/git/schema.git\npoll_interval: fast\n".write(toFile: config, atomically: true, encoding: .utf8)
        let bad = try EngineSyncBinary.run(["run", "--config", config])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("poll_interval"))
        let missing = try EngineSyncBinary.run(["run", "--config", state + "/nope.yaml"])
        #expect(missing.status == 64)
    }

    @Test func sighupReloadsTheConfigurationAndKeepsTheOldOneWhenBad() throws {
        try ScratchDatabase.with { database, _ in
            let remote = try Remote()
            let state = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: state) }
            try remote.push(["dsl/models/post.json": Self.post])
            let config = state + "/enginesync.yaml"
            let good =
                "repo: \(remote.bare.path)\ndatabase: \"\(database.dsn)\"\nstate_dir: \(state)\npoll_interval: 60s\n"
            try good.write(toFile: config, atomically: true, encoding: .utf8)
            let listener = try NotifyListener(path: state + "/notify.sock")
            let daemon = try DaemonProcess(
                arguments: ["run", "--config", config], environment: ["NOTIFY_SOCKET": listener.path],
                log: state + "/daemon.log")
            defer { daemon.kill() }
            #expect(listener.waitFor("READY=1", timeout: 20))

            try (good + "poll_interval: never\n").write(toFile: config, atomically: true, encoding: .utf8)
            kill(daemon.process.processIdentifier, SIGHUP)
            #expect(listener.waitFor("RELOADING=1", timeout: 10))
            #expect(
                waitUntil(timeout: 10) {
                    ((try? String(contentsOfFile: state + "/daemon.log", encoding: .utf8)) ?? "").contains(
                        "keeping the previous configuration")
                })
            #expect(daemon.process.isRunning)

            let metrics = state + "/enginesync.prom"
            try (good + "metrics_file: \(metrics)\n").write(toFile: config, atomically: true, encoding: .utf8)
            kill(daemon.process.processIdentifier, SIGHUP)
            #expect(
                waitUntil(timeout: 10) {
                    ((try? String(contentsOfFile: metrics, encoding: .utf8)) ?? "").contains(
                        "enginesync_last_reconcile_outcome{outcome=\"synced\"} 1")
                })
            #expect(daemon.terminate() == 0)
        }
    }

    @Test func daemonSeesPushesAtOnceRecoversAndStopsOnSIGTERM() throws {
        let server = try TestEnvironment.postgresServer()
        let databaseName = "es_late_\(UUID().uuidString.prefix(8).lowercased())"
        let remote = try Remote()
        let state = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let listener = try NotifyListener(path: state + "/notify.sock")
        let first = try remote.push(["dsl/models/post.json": Self.post], message: "create")
        // The database does not exist yet: the daemon must start, report the error and keep retrying.
        let dsn = "host=\(server.host) port=\(server.port) user=\(server.user) dbname=\(databaseName)"
        let daemon = try DaemonProcess(
            arguments: [
                "run", "--config", state + "/empty.yaml", "--repo", remote.bare.path,
                "--database", dsn, "--state-dir", state,
                "--poll-interval", "60s", "--max-backoff", "2s",
            ],
            environment: ["NOTIFY_SOCKET": listener.path], log: state + "/daemon.log")
        defer { daemon.kill() }
        #expect(listener.waitFor("READY=1\nSTATUS=tip ", timeout: 20))
        #expect(listener.waitFor("STATUS=", timeout: 5))

        let admin = try PostgresConnection.connect(
            PostgresConfiguration(
                dsn: "host=\(server.host) port=\(server.port) user=\(server.user) dbname=postgres"))
        try admin.query("CREATE DATABASE " + admin.escapeIdentifier(databaseName))
        defer {
            _ = try? admin.query("DROP DATABASE IF EXISTS " + admin.escapeIdentifier(databaseName) + " WITH (FORCE)")
        }
        #expect(waitUntil(timeout: 20) { FileManager.default.fileExists(atPath: "\(state)/reports/\(first).json") })

        // A push is noticed through inotify, long before the 60 s poll.
        let second = try remote.push([
            "dsl/models/post.json":
                #"{"fields": {"title": {"type": "string", "length": 90}, "body": {"type": "text"}}}"#
        ])
        #expect(waitUntil(timeout: 10) { FileManager.default.fileExists(atPath: "\(state)/reports/\(second).json") })

        let status = daemon.terminate()
        #expect(status == 0)
        #expect(listener.waitFor("STOPPING=1", timeout: 5))
        let log = (try? String(contentsOfFile: state + "/daemon.log", encoding: .utf8)) ?? ""
        #expect(log.contains("<3>reconcile failed, retrying with back-off"))
        #expect(
            log.components(separatedBy: "reconcile failed, retrying").count == 2, "the error is logged once:\n\(log)")
        #expect(log.contains("recovered"))
    }
}

func waitUntil(timeout: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(50_000)
    }
    return condition()
}

/// The built binary as a long-running child process.
final class DaemonProcess: @unchecked Sendable {
    let process = Process()

    init(arguments: [String], environment: [String: String], log: String) throws {
        process.executableURL = URL(fileURLWithPath: try EngineSyncBinary.path)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        try Data().write(to: URL(fileURLWithPath: log))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardError = handle
        process.standardOutput = handle
        try process.run()
    }

    /// SIGTERM, then the exit status.
    func terminate() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }

    func kill() {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
    }
}

/// A bound AF_UNIX datagram socket, like systemd's notify socket.
final class NotifyListener: @unchecked Sendable {
    let path: String
    private let descriptor: Int32
    private var received: [String] = []

    init(path: String) throws {
        self.path = path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() where index < buffer.count - 1 { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard descriptor >= 0, bound == 0 else { throw TestEnvironment.Missing(description: "cannot bind \(path)") }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        close(descriptor)
        unlink(path)
    }

    /// Every datagram read so far, one per line.
    var receivedText: String { received.joined(separator: "\n") }

    /// Reads datagrams until one contains `text` or the timeout passes.
    func waitFor(_ text: String, timeout: Double) -> Bool {
        if received.contains(where: { $0.contains(text) }) { return true }
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count > 0 {
                let message = String(decoding: buffer[0..<count], as: UTF8.self)
                received.append(message)
                if message.contains(text) { return true }
            }
        }
        return false
    }
}
