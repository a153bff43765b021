import EngineSyncTestSupport
import Foundation
import PostgresClient
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A fleet (issue 17) as systemd runs it: the real binary with `targets:`, a bare repository receiving pushes,
/// one database per target on the scratch cluster, and a datagram socket standing in for the notify socket.
@Suite("enginesync run with targets", .serialized)
struct FleetProcessTests {
    typealias Remote = DaemonProcessTests.Remote
    static let post = DaemonProcessTests.post

    /// Two targets from one bare repository, `production` after `canary`, and the configuration file naming them
    /// with `settings` (top-level lines) on top: the fleet of the rollout, hook and webhook tests.
    final class CanaryFleet {
        let canary: ScratchDatabase
        let production: ScratchDatabase
        let remote: Remote
        let state: String
        let config: String

        init(settings: String) throws {
            canary = try ScratchDatabase()
            production = try ScratchDatabase()
            remote = try Remote()
            state = try DaemonProcessTests.temporaryDirectory()
            config = state + "/enginesync.yaml"
            try """
            repo: \(remote.bare.path)
            state_dir: \(state)
            poll_interval: 60s
            \(settings)
            targets:
              - name: production
                database: "\(production.dsn)"
                after: canary
              - name: canary
                database: "\(canary.dsn)"
            """.write(toFile: config, atomically: true, encoding: .utf8)
        }

        deinit { try? FileManager.default.removeItem(atPath: state) }
    }

    static func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    static func tableExists(_ table: String, in database: ScratchDatabase) throws -> Bool {
        try database.connect().query("SELECT to_regclass($1) IS NOT NULL AS present", ["public." + table])
            .first?.bool("present") == true
    }

    static func columnExists(_ column: String, of table: String, in dsn: String) throws -> Bool {
        let connection = try PostgresConnection.connect(PostgresConfiguration(dsn: dsn, connectTimeoutSeconds: 5))
        return try connection.query(
            "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = $1 AND column_name = $2",
            [table, column]
        ).first?.int("n") == 1
    }

    /// Three targets, one of whose databases does not exist for a while: the other two reconcile every push
    /// meanwhile, the STATUS= line and the metrics say which one fails, and it catches up once it exists.
    @Test func threeTargetsOneDownForAWhileTheOthersUnaffectedItCatchesUp() throws {
        let server = try TestEnvironment.postgresServer()
        let first = try ScratchDatabase()
        let second = try ScratchDatabase()
        let lateName = "es_fleet_late_\(UUID().uuidString.prefix(8).lowercased())"
        let lateDSN = "host=\(server.host) port=\(server.port) user=\(server.user) dbname=\(lateName)"
        let remote = try Remote()
        let state = try DaemonProcessTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let metrics = state + "/enginesync.prom"
        let config = state + "/enginesync.yaml"
        try """
        repo: \(remote.bare.path)
        state_dir: \(state)
        poll_interval: 60s
        max_backoff: 2s
        metrics_file: \(metrics)
        max_parallel_targets: 2
        targets:
          - name: one
            database: "\(first.dsn)"
          - name: two
            database: "\(second.dsn)"
          - name: late
            database: "\(lateDSN)"
            lock_timeout: 2s
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let created = try remote.push(["dsl/models/post.json": Self.post], message: "create")
        let listener = try NotifyListener(path: state + "/notify.sock")
        let daemon = try DaemonProcess(
            arguments: ["run", "--config", config], environment: ["NOTIFY_SOCKET": listener.path],
            log: state + "/daemon.log")
        defer { daemon.kill() }
        #expect(listener.waitFor("READY=1\nSTATUS=tip ", timeout: 20))

        let reports = state + "/reports"
        for name in ["one", "two"] {
            #expect(
                waitUntil(timeout: 30) { FileManager.default.fileExists(atPath: "\(reports)/\(name)/\(created).json") },
                "\(name): \(Self.read(state + "/daemon.log"))")
        }
        #expect(listener.waitFor("3 targets: 2 synced, 1 failed at \(created.prefix(12)) (late: ", timeout: 20))
        #expect(try Self.tableExists("post", in: first))
        #expect(try Self.tableExists("post", in: second))
        #expect(!FileManager.default.fileExists(atPath: "\(reports)/\(created).json"), "reports go per target")

        // While `late` keeps failing (and backing off), a push reaches the two others.
        let widened = try remote.push([
            "dsl/models/post.json":
                #"{"fields": {"title": {"type": "string", "length": 90}, "body": {"type": "text"}, "tags": {"type": "text"}}}"#
        ])
        for name in ["one", "two"] {
            #expect(
                waitUntil(timeout: 20) { FileManager.default.fileExists(atPath: "\(reports)/\(name)/\(widened).json") })
        }
        #expect(try Self.columnExists("tags", of: "post", in: first.dsn))
        #expect(
            waitUntil(timeout: 10) {
                let text = Self.read(metrics)
                return text.contains(#"enginesync_last_reconcile_outcome{target="late",outcome="failed"} 1"#)
                    && text.contains(#"enginesync_info{target="one",commit="\#(widened)"} 1"#)
            }, "\(Self.read(metrics))")

        // The database appears: `late` catches up with the tip, within its own back-off (max_backoff 2s).
        let admin = try PostgresConnection.connect(
            PostgresConfiguration(dsn: "host=\(server.host) port=\(server.port) user=\(server.user) dbname=postgres"))
        try admin.query("CREATE DATABASE " + admin.escapeIdentifier(lateName))
        defer { _ = try? admin.query("DROP DATABASE IF EXISTS " + admin.escapeIdentifier(lateName) + " WITH (FORCE)") }
        // Its failed attempts wrote reports too (they say why); the synced one replaces them.
        #expect(
            waitUntil(timeout: 30) {
                Self.read("\(reports)/late/\(widened).json").contains(#""outcome" : "synced""#)
            },
            "\(Self.read(state + "/daemon.log"))")
        #expect(try Self.columnExists("tags", of: "post", in: lateDSN))
        #expect(listener.waitFor("3 targets: 3 synced at \(widened.prefix(12))", timeout: 20))
        #expect(
            waitUntil(timeout: 10) {
                Self.read(metrics).contains(#"enginesync_last_reconcile_outcome{target="late",outcome="synced"} 1"#)
            })
        // Each target has its own catalog export next to its reports.
        for name in ["one", "two", "late"] {
            #expect(
                waitUntil(timeout: 10) { FileManager.default.fileExists(atPath: "\(reports)/\(name)/catalog.json") },
                "\(name)")
        }

        #expect(daemon.terminate() == 0)
        let log = Self.read(state + "/daemon.log")
        #expect(log.contains("target=late"), "the journal names the target")
        #expect(log.components(separatedBy: "reconcile failed, retrying").count == 2, "logged once:\n\(log)")
        #expect(log.contains("recovered"))
        withExtendedLifetime((first, second)) {}
    }

    /// `after: canary`: a blocked, then a skipped (lock held elsewhere) canary holds the rollout, the held target's
    /// report and STATUS= say why, and the rollout goes on once the canary synced the tip — also in `run --once`.
    @Test func aCanaryThatDoesNotSyncHoldsTheRollout() throws {
        let fleet = try CanaryFleet(settings: "max_backoff: 1s")
        // Declared first, so it runs last: the databases and the state directory outlive the daemon.
        defer { withExtendedLifetime(fleet) {} }
        let (canary, production, remote, state, config) = (
            fleet.canary, fleet.production, fleet.remote, fleet.state, fleet.config
        )
        let reports = state + "/reports"
        let created = try remote.push(["dsl/models/post.json": Self.post], message: "create")
        let listener = try NotifyListener(path: state + "/notify.sock")
        let daemon = try DaemonProcess(
            arguments: ["run", "--config", config], environment: ["NOTIFY_SOCKET": listener.path],
            log: state + "/daemon.log")
        defer { daemon.kill() }
        #expect(
            waitUntil(timeout: 30) { FileManager.default.fileExists(atPath: "\(reports)/production/\(created).json") },
            "\(Self.read(state + "/daemon.log"))")
        #expect(Self.read("\(reports)/production/\(created).json").contains(#""outcome" : "synced""#))

        // A narrowing: blocked on the canary, so production waits and says why.
        let narrowed = try remote.push([
            "dsl/models/post.json":
                #"{"fields": {"title": {"type": "string", "length": 10}, "body": {"type": "text"}}}"#
        ])
        let heldReport = "\(reports)/production/\(narrowed).json"
        // First "waiting for target canary to sync …" (the push reaches both at once), then why it holds.
        #expect(waitUntil(timeout: 20) { Self.read(heldReport).contains("its outcome is blocked") })
        let held = Self.read(heldReport)
        #expect(held.contains(#""outcome" : "skipped""#), "\(held)")
        #expect(held.contains("held_by_rollout"), "\(held)")
        #expect(held.contains("target canary did not sync \(narrowed.prefix(12)): its outcome is blocked"), "\(held)")
        #expect(Self.read("\(reports)/canary/\(narrowed).json").contains(#""outcome" : "blocked""#))
        #expect(listener.waitFor("production: target canary did not sync", timeout: 10), "\(listener.receivedText)")

        // Back to a syncable commit; then the canary's lock is held by someone else (skipped): held again.
        let added = try remote.push([
            "dsl/models/post.json":
                #"{"fields": {"title": {"type": "string", "length": 50}, "body": {"type": "text"}, "views": {"type": "integer"}}}"#
        ])
        #expect(
            waitUntil(timeout: 20) {
                Self.read("\(reports)/production/\(added).json").contains(#""outcome" : "synced""#)
            }, "\(Self.read(state + "/daemon.log"))")
        #expect(try FleetProcessTests.columnExists("views", of: "post", in: production.dsn))

        let blocker = try canary.connect()
        #expect(
            try blocker.query("SELECT pg_try_advisory_lock(7308892947790263161) AS locked").first?.bool("locked")
                == true)
        let pending = try remote.push([
            "dsl/models/post.json":
                #"{"fields": {"title": {"type": "string", "length": 50}, "body": {"type": "text"}, "views": {"type": "integer"}, "slug": {"type": "text"}}}"#
        ])
        #expect(
            waitUntil(timeout: 20) {
                Self.read("\(reports)/production/\(pending).json").contains("its outcome is skipped")
            }, "\(Self.read(state + "/daemon.log"))")
        #expect(try !FleetProcessTests.columnExists("slug", of: "post", in: production.dsn))

        // The daemon stops while production is held; a one-shot run with the lock still held keeps holding it.
        #expect(daemon.terminate() == 0)
        let once = try EngineSyncBinary.run(["run", "--once", "--config", config, "--lock-wait", "0s"])
        #expect(once.status == 1, "\(once.stdout) \(once.stderr)")
        #expect(once.stdout.contains("canary: \(pending.prefix(12)) skipped"), "\(once.stdout)")
        #expect(once.stdout.contains("production: \(pending.prefix(12)) held"), "\(once.stdout)")

        // Lock released: the canary syncs, then production, in rollout order.
        try blocker.query("SELECT pg_advisory_unlock(7308892947790263161)")
        let released = try EngineSyncBinary.run(["run", "--once", "--config", config])
        #expect(released.status == 0, "\(released.stdout) \(released.stderr)")
        let lines = released.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("canary: \(pending.prefix(12)) synced") == true, "\(lines)")
        #expect(lines.last?.hasPrefix("production: \(pending.prefix(12)) synced") == true, "\(lines)")
        #expect(try FleetProcessTests.columnExists("slug", of: "post", in: production.dsn))
    }

    /// A remote is fetched into one mirror for all targets (`run --once` and the daemon's shared fetch, which
    /// wakes every target when the tip moves).
    @Test func aRemoteIsFetchedOnceForEveryTarget() throws {
        let one = try ScratchDatabase()
        let two = try ScratchDatabase()
        let remote = try Remote()
        let state = try DaemonProcessTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let config = state + "/enginesync.yaml"
        try """
        remote: file://\(remote.bare.path)
        state_dir: \(state)
        poll_interval: 1s
        targets:
          - name: one
            database: "\(one.dsn)"
          - name: two
            database: "\(two.dsn)"
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let created = try remote.push(["dsl/models/post.json": Self.post], message: "create")
        let once = try EngineSyncBinary.run(["run", "--once", "--config", config])
        #expect(once.status == 0, "\(once.stdout) \(once.stderr)")
        #expect(FileManager.default.fileExists(atPath: "\(state)/mirror.git/HEAD"))
        #expect(once.stdout.contains("one: \(created.prefix(12)) synced"), "\(once.stdout)")
        #expect(once.stdout.contains("two: \(created.prefix(12)) synced"), "\(once.stdout)")

        let daemon = try DaemonProcess(
            arguments: ["run", "--config", config], environment: [:], log: state + "/daemon.log")
        defer { daemon.kill() }
        let widened = try remote.push([
            "dsl/models/post.json":
                #"{"fields": {"title": {"type": "string", "length": 90}, "body": {"type": "text"}}}"#
        ])
        for name in ["one", "two"] {
            #expect(
                waitUntil(timeout: 30) {
                    Self.read("\(state)/reports/\(name)/\(widened).json").contains(#""outcome" : "synced""#)
                }, "\(name): \(Self.read(state + "/daemon.log"))")
        }
        #expect(daemon.terminate() == 0)
        withExtendedLifetime((one, two)) {}
    }

    /// post-receive with targets: each target's report of the push, in rollout order.
    @Test func aPushShowsEveryTargetsReport() throws {
        let fleet = try CanaryFleet(settings: "hooks_report_wait: 20s")
        // Declared first, so it runs last: the databases and the state directory outlive the daemon.
        defer { withExtendedLifetime(fleet) {} }
        let (remote, state, config) = (fleet.remote, fleet.state, fleet.config)
        let install = try EngineSyncBinary.run(["hooks", "install", "--repo", remote.bare.path, "--config", config])
        #expect(install.status == 0, "\(install.stderr)")
        let daemon = try DaemonProcess(
            arguments: ["run", "--config", config], environment: [:], log: state + "/daemon.log")
        defer { daemon.kill() }
        let pushed = try HookProcessTests.push(remote, ["dsl/models/post.json": Self.post], message: "create")
        #expect(pushed.status == 0, "\(pushed.output)")
        let canaryLine = pushed.output.range(of: "target canary: synced")
        let productionLine = pushed.output.range(of: "target production: ")
        #expect(canaryLine != nil && productionLine != nil, "\(pushed.output)")
        if let canaryLine, let productionLine { #expect(canaryLine.lowerBound < productionLine.lowerBound) }
        #expect(pushed.output.contains("\(state)/reports/canary/\(pushed.sha).md"), "\(pushed.output)")
        #expect(daemon.terminate() == 0)
    }

    /// One webhook hears from every target of a fleet, about the same commits: each event names its target.
    @Test func aWebhookEventNamesItsTarget() throws {
        let receiver = LocalHTTPReceiver { _ in 200 }
        try receiver.start()
        defer { receiver.stop() }
        let fleet = try CanaryFleet(settings: "notify:\n  - url: \(receiver.url)")
        // Declared first, so it runs last: the databases and the state directory outlive the daemon.
        defer { withExtendedLifetime(fleet) {} }
        let (remote, state, config) = (fleet.remote, fleet.state, fleet.config)
        let created = try remote.push(["dsl/models/post.json": Self.post], message: "create")
        let daemon = try DaemonProcess(
            arguments: ["run", "--config", config], environment: [:], log: state + "/daemon.log")
        defer { daemon.kill() }
        func events() -> [[String: Any]] {
            receiver.requests.compactMap { try? JSONSerialization.jsonObject(with: $0.body) as? [String: Any] }
        }
        #expect(
            waitUntil(timeout: 30) { events().count == 2 }, "\(events()) \(Self.read(state + "/daemon.log"))")
        let received = events()
        #expect(Set(received.compactMap { $0["target"] as? String }) == ["canary", "production"], "\(received)")
        #expect(received.allSatisfy { $0["commit"] as? String == created && $0["event"] as? String == "synced" })
        #expect(daemon.terminate() == 0)
    }

    /// SIGHUP: a target's own settings are reloaded; a change of the fleet's shape is refused, the old
    /// configuration stays and the daemon keeps running.
    @Test func aReloadThatChangesTheTargetsIsRefused() throws {
        let server = try TestEnvironment.postgresServer()
        let remote = try Remote()
        let state = try DaemonProcessTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: state) }
        try remote.push(["dsl/models/post.json": Self.post])
        let config = state + "/enginesync.yaml"
        // Databases that do not exist: the targets fail and back off, which does not matter here.
        func fleet(_ names: [String], lockTimeout: String = "3s") -> String {
            "repo: \(remote.bare.path)\nstate_dir: \(state)\npoll_interval: 60s\nlock_timeout: \(lockTimeout)\ntargets:\n"
                + names.map {
                    "  - name: \($0)\n    database: \"host=\(server.host) port=\(server.port) user=\(server.user) "
                        + "dbname=es_absent_\($0)\"\n"
                }.joined()
        }
        try fleet(["a", "b"]).write(toFile: config, atomically: true, encoding: .utf8)
        let listener = try NotifyListener(path: state + "/notify.sock")
        let daemon = try DaemonProcess(
            arguments: ["run", "--config", config], environment: ["NOTIFY_SOCKET": listener.path],
            log: state + "/daemon.log")
        defer { daemon.kill() }
        #expect(listener.waitFor("READY=1", timeout: 20))

        try fleet(["a", "b", "c"]).write(toFile: config, atomically: true, encoding: .utf8)
        kill(daemon.process.processIdentifier, SIGHUP)
        #expect(
            waitUntil(timeout: 10) {
                Self.read(state + "/daemon.log").contains("a reload cannot change the targets (a, b → a, b, c)")
            }, "\(Self.read(state + "/daemon.log"))")
        try fleet(["a", "b"], lockTimeout: "5s").write(toFile: config, atomically: true, encoding: .utf8)
        kill(daemon.process.processIdentifier, SIGHUP)
        #expect(waitUntil(timeout: 10) { Self.read(state + "/daemon.log").contains("configuration reloaded") })
        #expect(daemon.process.isRunning)
        #expect(daemon.terminate() == 0)
    }

    @Test func aBadFleetStopsTheStartNamingTheKey() throws {
        let state = try DaemonProcessTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let config = state + "/enginesync.yaml"
        let cases = [
            ("  - name: a\n    database: dbname=a\n  - name: a\n    database: dbname=b\n", "targets[1].name"),
            (
                "  - name: a\n    database: dbname=a\n    after: b\n  - name: b\n    database: dbname=b\n    after: a\n",
                "targets[0].after: a cycle"
            ),
            ("  - name: a\n    database: dbname=a\n    after: nobody\n", "targets[0].after: unknown target"),
            ("  - name: a\n", "targets[0].database: missing"),
        ]
        for (targets, expected) in cases {
            try ("repo: /srv/git/schema.git\ntargets:\n" + targets).write(
                toFile: config, atomically: true, encoding: .utf8)
            let result = try EngineSyncBinary.run(["run", "--config", config])
            #expect(result.status == 64)
            #expect(result.stderr.contains(expected), "\(result.stderr)")
        }
    }
}
